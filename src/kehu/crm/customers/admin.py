from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from kehu.crm.customers.actions import add_built_customer, index_search_terms
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

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        """A new customer takes the next unified code, as on the customer pages."""
        if change:
            super().save_model(request, obj, form, change)
        else:
            add_built_customer(obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The search the customer list runs finds the customer by its new name, email
        or phone (the customer actions keep these terms; the admin saved the record)."""
        super().save_related(request, form, formsets, change)
        index_search_terms([form.instance])


admin.site.register(Tag)
