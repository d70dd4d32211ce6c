from django.contrib import admin

from kehu.crm.accounts.models import ApiToken, UserProfile

admin.site.register(UserProfile)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at"]
    readonly_fields = ["key_hash", "created_at", "last_used_at"]
