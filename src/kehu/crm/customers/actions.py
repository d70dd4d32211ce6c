"""Writes of customers and contacts. Views, the API, commands and tests call these."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max

from kehu.crm.customers.models import Contact, Customer, CustomerSearchTerm, Tag
from kehu.crm.customers.search import terms_for
from kehu.crm.unset import UNSET, Unset, set_given
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
    *,
    name: str,
    by: AbstractBaseUser | None = None,
    tags: Iterable[str] | None = None,
    kind: str = Customer.Kind.COMPANY,
    status: str = Customer.Status.PROSPECT,
    owner: AbstractBaseUser | None = None,
    external_id: str = "",
    industry: str = "",
    country: str = "",
    region: str = "",
    city: str = "",
    address: str = "",
    postal_code: str = "",
    phone: str = "",
    email: str = "",
    website: str = "",
    source_channel: str = Customer.Channel.OTHER,
    consent_email: bool = False,
    consent_sms: bool = False,
    consent_phone: bool = False,
    notes: str = "",
) -> Customer:
    """Create a customer with the next unified code (C0000001 onwards).

    ``kind`` is a company or a person, ``status`` where the relationship stands;
    ``owner`` is the salesperson responsible (``by``, who creates it, when None);
    ``external_id`` the customer's id in another system (imports match on it);
    ``tags`` are names, created when new; the ``consent_*`` flags say on which channels
    the customer may be contacted.
    """
    customer = Customer(
        name=name,
        kind=kind,
        status=status,
        owner=owner if owner is not None else by,
        external_id=external_id,
        industry=industry,
        country=country,
        region=region,
        city=city,
        address=address,
        postal_code=postal_code,
        phone=phone,
        email=email,
        website=website,
        source_channel=source_channel,
        consent_email=consent_email,
        consent_sms=consent_sms,
        consent_phone=consent_phone,
        notes=notes,
    )
    add_built_customer(customer)
    _set_tags(customer, tags)
    index_search_terms([customer])
    return customer


@transaction.atomic
def add_built_customer(customer: Customer) -> Customer:
    """Save ``customer``, built but not saved yet (the admin's add form builds one),
    under the next unified code; its caller indexes its search terms once its tags
    are set (:func:`index_search_terms`)."""
    customer.code = next_customer_code()
    validate(customer)
    for attempt in range(5):
        try:
            with transaction.atomic():
                customer.save()
            return customer
        except IntegrityError:
            # another session took the same code between our read and our write
            if attempt == 4:
                raise
            customer.pk = None
            customer.code = next_customer_code()
    return customer


@transaction.atomic
def update_customer(
    customer: Customer,
    *,
    by: AbstractBaseUser | None = None,
    tags: Iterable[str] | None = None,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    status: str | Unset = UNSET,
    owner: AbstractBaseUser | None | Unset = UNSET,
    external_id: str | Unset = UNSET,
    industry: str | Unset = UNSET,
    country: str | Unset = UNSET,
    region: str | Unset = UNSET,
    city: str | Unset = UNSET,
    address: str | Unset = UNSET,
    postal_code: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    email: str | Unset = UNSET,
    website: str | Unset = UNSET,
    source_channel: str | Unset = UNSET,
    consent_email: bool | Unset = UNSET,
    consent_sms: bool | Unset = UNSET,
    consent_phone: bool | Unset = UNSET,
    notes: str | Unset = UNSET,
) -> Customer:
    """Change the fields given (see :func:`create_customer`); ``tags``, when given,
    replace the customer's tags; ``by``, when given, is who the change history names."""
    set_given(
        customer,
        name=name,
        kind=kind,
        status=status,
        owner=owner,
        external_id=external_id,
        industry=industry,
        country=country,
        region=region,
        city=city,
        address=address,
        postal_code=postal_code,
        phone=phone,
        email=email,
        website=website,
        source_channel=source_channel,
        consent_email=consent_email,
        consent_sms=consent_sms,
        consent_phone=consent_phone,
        notes=notes,
    )
    if by is not None:
        customer._history_user = by  # simple-history
    validate(customer)
    customer.save()
    _set_tags(customer, tags)
    index_search_terms([customer])
    return customer


@transaction.atomic
def add_contact(
    customer: Customer,
    *,
    name: str,
    title: str = "",
    department: str = "",
    email: str = "",
    phone: str = "",
    is_primary: bool = False,
) -> Contact:
    """Add a person at ``customer``; a primary contact takes over from the former one."""
    contact = Contact(
        customer=customer,
        name=name,
        title=title,
        department=department,
        email=email,
        phone=phone,
        is_primary=is_primary,
    )
    validate(contact)
    if contact.is_primary:
        customer.contacts.filter(is_primary=True).update(is_primary=False)
    contact.save()
    return contact


@transaction.atomic
def update_contact(
    contact: Contact,
    *,
    name: str | Unset = UNSET,
    title: str | Unset = UNSET,
    department: str | Unset = UNSET,
    email: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    is_primary: bool | Unset = UNSET,
) -> Contact:
    """Change the fields given (see :func:`add_contact`)."""
    set_given(
        contact,
        name=name,
        title=title,
        department=department,
        email=email,
        phone=phone,
        is_primary=is_primary,
    )
    validate(contact)
    if contact.is_primary:
        contact.customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(
            is_primary=False
        )
    contact.save()
    return contact
