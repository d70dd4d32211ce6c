"""Reads of leads shared by the pages, the API and the actions: the customers a lead
probably is, the filtered list, and each lead's timeline."""

from __future__ import annotations

import re

from django.db.models import Q

from kehu.crm.customers.models import Contact, Customer, CustomerSearchTerm, contact_expressions
from kehu.crm.customers.search import normalise

MATCH_LIMIT = 10


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def matching_customers(
    email: str, phone: str, company: str = "", limit: int = MATCH_LIMIT
) -> list[Customer]:
    """Live customers with the same email or phone (their own, or one of their contacts'),
    then those whose name is the company's: what a lead probably is. Index lookups only
    (the customers' search terms, the contacts' expression indexes)."""
    terms: list[str] = []
    if email:
        terms.append(normalise(email))
    digits = _digits(phone)
    if len(digits) >= 5:
        terms.append(digits)
    ids: list[int] = []
    if terms:
        ids += CustomerSearchTerm.objects.filter(term__in=terms).values_list(
            "customer_id", flat=True
        )[:limit]
        exprs = contact_expressions()
        by_contact = Q(pk__in=[])
        contacts = Contact.objects.annotate(_email=exprs["email"], _phone=exprs["phone"])
        if email:
            by_contact |= Q(_email=normalise(email))
        if len(digits) >= 5:
            by_contact |= Q(_phone=digits)
        ids += contacts.filter(by_contact).values_list("customer_id", flat=True)[:limit]
    if company.strip():
        ids += CustomerSearchTerm.objects.filter(term=normalise(company)).values_list(
            "customer_id", flat=True
        )[:limit]
    if not ids:
        return []
    found = Customer.objects.filter(pk__in=ids, merged_into__isnull=True).in_bulk()
    ordered = list(dict.fromkeys(i for i in ids if i in found))
    return [found[i] for i in ordered[:limit]]


def matching_customer(email: str, phone: str) -> Customer | None:
    """The first live customer with the same email or phone, or None."""
    if not email and len(_digits(phone)) < 5:
        return None
    found = matching_customers(email, phone, limit=1)
    return found[0] if found else None
