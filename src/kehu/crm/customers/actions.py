"""Writes of customers and contacts. Views, the API, commands and tests call these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max

from kehu.crm.customers.models import Contact, Customer, CustomerSearchTerm, Tag
from kehu.crm.customers.search import terms_for
from kehu.crm.validation import validate

CODE_PREFIX = "C"
CODE_DIGITS = 7


def format_code(number: int) -> str:
    return f"{CODE_PREFIX}{number:0{CODE_DIGITS}d}"


def next_customer_code() -> str:
    """The next unified customer code, C0000001 onwards."""
    latest = Customer.objects.filter(code__startswith=CODE_PREFIX).aggregate(m=Max("code"))["m"]
    number = int(latest[len(CODE_PREFIX) :]) + 1 if latest and latest[1:].isdigit() else 1
    return format_code(number)


def index_search_terms(customers: Iterable[Customer]) -> None:
    customers = list(customers)
    CustomerSearchTerm.objects.filter(customer__in=customers).delete()
    CustomerSearchTerm.objects.bulk_create(
        CustomerSearchTerm(customer=c, term=term)
        for c in customers
        for term in terms_for(c.name, c.code, c.email, c.phone)
    )


def _set_tags(customer: Customer, tag_names: Iterable[str] | None) -> None:
    if tag_names is None:
        return
    names = sorted({n.strip() for n in tag_names if n and n.strip()})
    tags = [Tag.objects.get_or_create(name=n)[0] for n in names]
    customer.tags.set(tags)


@transaction.atomic
def create_customer(
    *, by: AbstractBaseUser | None = None, tags: Iterable[str] | None = None, **fields: Any
) -> Customer:
    """Create a customer with the next unified code. A sales user creating a customer
    without an owner becomes its owner."""
    if fields.get("owner") is None and by is not None and "owner_id" not in fields:
        fields["owner"] = by
    customer = Customer(code=next_customer_code(), **fields)
    validate(customer)
    for attempt in range(5):
        try:
            with transaction.atomic():
                customer.save()
            break
        except IntegrityError:
            # another session took the same code between our read and our write
            if attempt == 4:
                raise
            customer.pk = None
            customer.code = next_customer_code()
    _set_tags(customer, tags)
    index_search_terms([customer])
    return customer


@transaction.atomic
def update_customer(
    customer: Customer, *, tags: Iterable[str] | None = None, **fields: Any
) -> Customer:
    for name, value in fields.items():
        setattr(customer, name, value)
    validate(customer)
    customer.save()
    _set_tags(customer, tags)
    index_search_terms([customer])
    return customer


@transaction.atomic
def add_contact(customer: Customer, **fields: Any) -> Contact:
    contact = Contact(customer=customer, **fields)
    validate(contact)
    if contact.is_primary:
        customer.contacts.filter(is_primary=True).update(is_primary=False)
    contact.save()
    return contact


@transaction.atomic
def update_contact(contact: Contact, **fields: Any) -> Contact:
    for name, value in fields.items():
        setattr(contact, name, value)
    validate(contact)
    if contact.is_primary:
        contact.customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(
            is_primary=False
        )
    contact.save()
    return contact
