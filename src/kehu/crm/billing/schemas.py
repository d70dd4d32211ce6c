"""Request and response bodies of the billing API: invoices, payments, balances and the
aged receivables report."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from kehu.crm.billing.models import MAX_PAYMENT_TERMS_DAYS, Invoice, Payment
from kehu.crm.rest import Day, DbId, InSchema, choice, decimal, text, username_of

InvoiceStatus = choice(Invoice.Status)
PaymentMethod = choice(Payment.Method)
Money = decimal(14, 2, ge="0.01")


class InvoiceIn(InSchema):
    """An order's invoice (``order_id``: its customer and total), or an invoice of a
    customer for an amount (``customer_id`` and ``amount``)."""

    order_id: DbId | None = Field(None, description="Invoice this order for its total")
    customer_id: DbId | None = Field(None, description="Without an order: whom to invoice")
    amount: Money | None = Field(None, description="Without an order: how much")
    issued_on: Day | None = Field(None, description="Defaults to today")
    payment_terms_days: int | None = Field(
        None,
        ge=0,
        le=MAX_PAYMENT_TERMS_DAYS,
        description="Defaults to the customer's payment terms (30 days unless set)",
    )
    due_on: Day | None = Field(None, description="Instead of payment terms, without an order")
    number: text(30, min_length=1) | None = Field(None, description="Defaults to the next INV")  # type: ignore[valid-type]
    status: InvoiceStatus = Field(Invoice.Status.OPEN.value, description="open or draft")
    notes: text() = ""  # type: ignore[valid-type]


class PaymentIn(InSchema):
    amount: Money
    paid_on: Day | None = Field(None, description="Defaults to today; not in the future")
    method: PaymentMethod = Payment.Method.BANK_TRANSFER.value
    reference: text(100) = ""  # type: ignore[valid-type]
    overpayment: bool = Field(False, description="True accepts more than the invoice's open amount")


class InvoiceStatusIn(InSchema):
    action: Literal["issue", "void"] = Field(description="issue (a draft) or void")


class PaymentOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str
    customer_id: int
    paid_on: date
    amount: Decimal
    method: str
    reference: str
    created_at: datetime

    @staticmethod
    def resolve_invoice_number(obj: Payment) -> str:
        return obj.invoice.number


class InvoiceOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_code: str
    customer_name: str
    owner: str | None
    order_id: int | None
    issued_on: date
    due_on: date
    payment_terms_days: int
    amount: Decimal
    paid_amount: Decimal
    open_amount: Decimal
    status: str
    notes: str
    created_at: datetime

    @staticmethod
    def resolve_customer_code(obj: Invoice) -> str:
        return obj.customer.code

    @staticmethod
    def resolve_customer_name(obj: Invoice) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj: Invoice) -> str | None:
        return username_of(obj.customer.owner)


class InvoiceDetailOut(InvoiceOut):
    payments: list[PaymentOut]

    @staticmethod
    def resolve_payments(obj: Invoice) -> list[Payment]:
        return list(obj.payments.all())


class InvoiceFilters(Schema):
    customer_id: DbId | None = None
    order_id: DbId | None = None
    status: InvoiceStatus | None = None
    overdue: bool | None = Field(None, description="True: open and past the due date")
    issued_since: Day | None = Field(None, description="Issued on or after")
    issued_until: Day | None = Field(None, description="Issued on or before")


class PaymentFilters(Schema):
    customer_id: DbId | None = None
    invoice_id: DbId | None = None
    since: Day | None = Field(None, description="Paid on or after")
    until: Day | None = Field(None, description="Paid on or before")


class BalanceOut(Schema):
    customer_id: int
    balance: Decimal
    overdue_amount: Decimal
    days_overdue: int
    open_invoices: int
    payment_terms_days: int


class AgingRowOut(Schema):
    customer_id: int | None = None
    customer_code: str | None = None
    customer_name: str | None = None
    owner: str | None
    current: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    over_90: Decimal
    total: Decimal


class AgingOut(Schema):
    as_of: date
    by: str
    rows: list[AgingRowOut]
    totals: AgingRowOut
