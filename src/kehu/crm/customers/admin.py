from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kehu.crm.customers.models import Contact, Customer, Tag


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "status", "country", "owner"]
    list_filter = ["kind", "status", "source_channel"]
    search_fields = ["code", "name", "email"]
    raw_id_fields = ["owner"]
    show_full_result_count = False
    inlines = [ContactInline]


admin.site.register(Tag)
