from django.contrib import admin

from kehu.crm.engagement.models import Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "customer",
        "channel",
        "direction",
        "subject",
        "contact",
        "duration_minutes",
        "user",
    ]
    list_filter = ["channel", "direction", "occurred_at"]
    search_fields = ["subject", "body", "customer__name", "customer__code", "contact__name"]
    raw_id_fields = ["customer", "contact", "user"]
    date_hierarchy = "occurred_at"
    list_select_related = ["customer", "contact", "user"]
    show_full_result_count = False
    readonly_fields = ["created_at", "source_key"]
