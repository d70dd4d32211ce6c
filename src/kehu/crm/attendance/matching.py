"""Who a registrant already is: a contact of a customer, or a customer, found by email
(case aside) or mobile number (digits only), as the customer search compares them."""

from __future__ import annotations

from django.db.models import Q

from kehu.crm.customers.models import Contact, Customer, contact_expressions

# fewer digits than this is no mobile number to match on
MIN_PHONE_DIGITS = 7


def phone_digits(phone: str) -> str:
    """The digits of a phone number as typed."""
    return "".join(c for c in phone if c.isdigit())


def find_person(*, email: str, phone: str = "") -> tuple[Customer | None, Contact | None]:
    """The customer and contact with this email or mobile, a contact first (it names the
    customer too); ``(None, None)`` when nobody matches. Merged customers are skipped."""
    email, digits = email.strip().lower(), phone_digits(phone)
    if len(digits) < MIN_PHONE_DIGITS:
        digits = ""
    if not email and not digits:
        return None, None
    exprs = contact_expressions()
    match = Q()
    if email:
        match |= Q(email_key=email)
    if digits:
        match |= Q(phone_key=digits)
    contact = (
        Contact.objects.annotate(email_key=exprs["email"], phone_key=exprs["phone"])
        .filter(match, customer__merged_into__isnull=True)
        .select_related("customer")
        .order_by("-is_primary", "pk")
        .first()
    )
    if contact is not None:
        return contact.customer, contact
    customers = Customer.objects.filter(merged_into__isnull=True)
    customer = customers.filter(email__iexact=email).order_by("pk").first() if email else None
    if customer is None and digits:
        customer = (
            customers.annotate(phone_key=exprs["phone"])
            .filter(phone_key=digits)
            .order_by("pk")
            .first()
        )
    return customer, None
