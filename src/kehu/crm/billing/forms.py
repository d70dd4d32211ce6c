"""Forms of the billing pages: a payment on an invoice, an order's invoice, a customer's
payment terms. The actions check again; their errors land on the field of the same name
(``attach_errors``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.crm.billing.models import MAX_PAYMENT_TERMS_DAYS, Payment

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    overpayment = forms.BooleanField(
        label=_("Accept more than the open amount (overpayment)"), required=False
    )

    def __init__(self, *args: Any, open_amount: Decimal | None = None, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"paid_on": timezone.localdate(), "amount": open_amount, "method": "bank_transfer"},
        )
        super().__init__(*args, **kwargs)


class InvoiceOrderForm(forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=30)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE_INPUT)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        min_value=0,
        max_value=MAX_PAYMENT_TERMS_DAYS,
        required=False,
        help_text=_("Leave empty for the customer's payment terms."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("issued_on", timezone.localdate())


class PaymentTermsForm(forms.Form):
    days = forms.IntegerField(
        label=_("Payment terms (days)"),
        min_value=0,
        max_value=MAX_PAYMENT_TERMS_DAYS,
        required=False,
        help_text=_("Leave empty for the default terms."),
    )
