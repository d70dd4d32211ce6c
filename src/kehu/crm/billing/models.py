"""Receivables: invoices of orders, the payments against them, and each customer's
payment terms. No double-entry accounting: an invoice keeps the sum of its payments in
``paid_amount`` (written by the payment actions), and what a customer owes is the sum of
``amount - paid_amount`` over its open invoices (:func:`kehu.crm.billing.queries.balances`).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.crm.model_fields import NOT_NEGATIVE, customer_field, money_field, source_key_field

#: the payment terms (days from issue to due date) of a customer without terms of its own
DEFAULT_PAYMENT_TERMS_DAYS = 30
#: the longest payment terms accepted (a year)
MAX_PAYMENT_TERMS_DAYS = 365


class Invoice(models.Model):
    """What a customer is asked to pay for an order (or for something without an order),
    by ``due_on`` = ``issued_on`` + ``payment_terms_days``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", pgettext_lazy("invoice status", "Open")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    # the statuses whose open amount the customer owes
    RECEIVABLE_STATUSES = (Status.OPEN,)

    number = models.CharField(_("invoice number"), max_length=30, unique=True)
    customer = customer_field("invoices", on_delete=models.PROTECT)
    order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=DEFAULT_PAYMENT_TERMS_DAYS,
        validators=[MaxValueValidator(MAX_PAYMENT_TERMS_DAYS)],
    )
    amount = money_field(_("amount"), validators=NOT_NEGATIVE)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    paid_amount = money_field(_("paid"), default=Decimal("0"), validators=NOT_NEGATIVE)
    notes = models.TextField(_("notes"), blank=True)
    source_key = source_key_field()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["-issued_on", "-id"], name="invoice_issued_idx"),
            models.Index(fields=["status", "due_on"], name="invoice_status_due_idx"),
            models.Index(fields=["customer", "status", "due_on"], name="invoice_customer_idx"),
            models.Index(fields=["due_on", "id"], name="invoice_due_idx"),
            models.Index(fields=["amount", "id"], name="invoice_amount_idx"),
        ]
        constraints = [
            # an order is invoiced once (a voided invoice does not count)
            models.UniqueConstraint(
                fields=["order"],
                condition=~models.Q(status="void"),
                name="invoice_one_per_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice_detail", args=[self.pk])

    @property
    def open_amount(self) -> Decimal:
        """What is still to be paid (nothing on a draft, paid or void invoice)."""
        if self.status not in self.RECEIVABLE_STATUSES:
            return Decimal("0")
        return max(self.amount - self.paid_amount, Decimal("0"))


class Payment(models.Model):
    """Money received against one invoice (a part of it, or all of it)."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    customer = customer_field("payments", on_delete=models.PROTECT)
    paid_on = models.DateField(_("paid on"))
    amount = money_field(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(
        _("method"), max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    source_key = source_key_field()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["invoice", "paid_on"], name="payment_invoice_idx"),
            models.Index(fields=["customer", "-paid_on"], name="payment_customer_idx"),
            models.Index(fields=["-paid_on", "-id"], name="payment_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} · {self.amount}"


class PaymentTerms(models.Model):
    """A customer's own payment terms; a customer without them gets
    :data:`DEFAULT_PAYMENT_TERMS_DAYS`."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="payment_terms",
    )
    days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), validators=[MaxValueValidator(MAX_PAYMENT_TERMS_DAYS)]
    )

    class Meta:
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")

    def __str__(self) -> str:
        return f"{self.customer}: {self.days}"
