"""What a signed-in contact may read: every query starts from the contact's customer,
so an id of another company's order, invoice or ticket finds nothing (a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from kehu.crm.billing.models import Invoice
from kehu.crm.customers.models import Contact
from kehu.crm.portal.models import PortalAccess, PortalChange
from kehu.crm.sales.models import Order, OrderLine
from kehu.crm.service.models import Ticket, TicketEvent

#: what a customer sees of a ticket's log: their request, replies to them, status moves
PUBLIC_EVENTS = (
    TicketEvent.Kind.CREATED,
    TicketEvent.Kind.RESPONSE,
    TicketEvent.Kind.STATUS,
    TicketEvent.Kind.RATED,
)
OPEN_TICKET_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)


def signed_in_contact(contact_id: Any) -> Contact | None:
    """The contact of a portal session, while their access is enabled (None when it was
    revoked or the contact deleted: the session ends)."""
    if not isinstance(contact_id, int):
        return None
    access = (
        PortalAccess.objects.filter(contact_id=contact_id, enabled=True)
        .select_related("contact__customer")
        .first()
    )
    return access.contact if access else None


def orders(contact: Contact) -> QuerySet[Order]:
    """The company's orders and returns (not drafts: they are not orders yet)."""
    return Order.objects.filter(customer_id=contact.customer_id).exclude(status=Order.Status.DRAFT)


def order_with_lines(contact: Contact, pk: int) -> Order | None:
    lines = OrderLine.objects.select_related("product").order_by("id")
    return orders(contact).prefetch_related(Prefetch("lines", queryset=lines)).filter(pk=pk).first()


def invoices(contact: Contact) -> QuerySet[Invoice]:
    """The company's invoices (not drafts), with their orders."""
    return (
        Invoice.objects.filter(customer_id=contact.customer_id)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("order")
    )


def invoice(contact: Contact, pk: int) -> Invoice | None:
    return invoices(contact).prefetch_related("payments").filter(pk=pk).first()


def tickets(contact: Contact) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer_id=contact.customer_id).select_related("order")


def ticket_with_log(contact: Contact, pk: int) -> Ticket | None:
    public = TicketEvent.objects.filter(kind__in=PUBLIC_EVENTS).order_by("occurred_at", "id")
    return (
        tickets(contact)
        .prefetch_related(Prefetch("events", queryset=public, to_attr="public_events"))
        .filter(pk=pk)
        .first()
    )


def changes(contact: Contact, limit: int = 20) -> list[PortalChange]:
    return list(PortalChange.objects.filter(customer_id=contact.customer_id)[:limit])


def access_of_contacts(customer_id: int) -> list[tuple[Contact, PortalAccess | None]]:
    """Each contact of a customer with their portal access, if any (the staff page)."""
    contacts = Contact.objects.filter(customer_id=customer_id).select_related("portal_access")
    return [(c, getattr(c, "portal_access", None)) for c in contacts]


def changes_of_customer(customer_id: int, limit: int = 20) -> list[PortalChange]:
    """What the customer's contacts changed on the portal, newest first (the staff page)."""
    return list(
        PortalChange.objects.filter(customer_id=customer_id).select_related("contact")[:limit]
    )
