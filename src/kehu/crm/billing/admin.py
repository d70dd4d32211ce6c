"""Invoices and payments in the admin, to look up and search: read only, since the
payment actions keep each invoice's paid amount and status (a payment is recorded and
an invoice voided on the invoice page or over the API). Payment terms are edited here
through their action."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kehu.crm.billing.actions import set_payment_terms
from kehu.crm.billing.models import Invoice, Payment, PaymentTerms


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["paid_on", "amount", "method", "reference"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "issued_on", "due_on", "status", "amount", "paid_amount"]
    list_filter = ["status"]
    search_fields = ["number", "customer__name", "customer__code"]
    raw_id_fields = ["customer", "order"]
    date_hierarchy = "issued_on"
    list_select_related = ["customer"]
    show_full_result_count = False
    inlines = [PaymentInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["paid_on", "invoice", "customer", "amount", "method", "reference"]
    list_filter = ["method"]
    search_fields = ["invoice__number", "customer__name", "reference"]
    raw_id_fields = ["invoice", "customer"]
    list_select_related = ["invoice", "customer"]
    show_full_result_count = False


@admin.register(PaymentTerms)
class PaymentTermsAdmin(admin.ModelAdmin):
    list_display = ["customer", "days"]
    raw_id_fields = ["customer"]
    search_fields = ["customer__name", "customer__code"]

    def save_model(self, request: HttpRequest, obj: PaymentTerms, form: Any, change: bool) -> None:
        saved = set_payment_terms(obj.customer, days=obj.days)
        if saved is not None:
            obj.pk = saved.pk
