"""Writes of tickets: open, reply, move through the workflow, rate, visit."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone

from kehu.crm.choices import InteractionChannel
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.service import sla
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent
from kehu.crm.unset import UNSET, Unset, set_given
from kehu.crm.validation import validate


def next_ticket_number() -> str:
    latest = Ticket.objects.filter(number__startswith="T").aggregate(m=Max("number"))["m"]
    number = int(latest[1:]) + 1 if latest and latest[1:].isdigit() else 1
    return f"T{number:08d}"


def _invalid(field: str, message: str, code: str) -> ValidationError:
    """A field-keyed error whose stable code survives (a dict of plain strings drops it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _check_belongs_to_customer(ticket: Ticket) -> None:
    """A ticket's contact and order must be the ticket customer's own."""
    if ticket.contact_id is not None and ticket.contact.customer_id != ticket.customer_id:
        raise _invalid("contact", "this contact belongs to another customer", "wrong_customer")
    if ticket.order_id is not None and ticket.order.customer_id != ticket.customer_id:
        raise _invalid("order", "this order belongs to another customer", "wrong_customer")


def _save_new(ticket: Ticket) -> None:
    """Save a new ticket, taking the next number again if another session took ours."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                ticket.save()
            return
        except IntegrityError:
            if attempt == 4:
                raise
            ticket.pk = None
            ticket.number = next_ticket_number()


def _event(
    ticket: Ticket,
    kind: str,
    by: AbstractBaseUser | None,
    *,
    message: str = "",
    from_status: str = "",
    to_status: str = "",
    occurred_at: datetime | None = None,
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        user=by,
        message=message,
        from_status=from_status,
        to_status=to_status,
        occurred_at=occurred_at or timezone.now(),
    )


@transaction.atomic
def open_ticket(
    customer: Customer,
    *,
    subject: str,
    by: AbstractBaseUser | None = None,
    opened_at: datetime | None = None,
    type: str = Ticket.Type.INQUIRY,
    priority: str = Ticket.Priority.NORMAL,
    channel: str = InteractionChannel.PHONE,
    description: str = "",
    contact: Contact | None = None,
    order: Model | None = None,  # a sales.Order (related by label: no import of sales)
    assignee: AbstractBaseUser | None = None,
) -> Ticket:
    """Open a ticket for ``customer`` (see :func:`open_built_ticket`).

    ``contact`` and ``order``, when given, are the customer's own; ``channel`` is how
    the customer reached us, ``opened_at`` when (now when None), ``by`` who opens it.
    """
    ticket = Ticket(
        customer=customer,
        subject=subject,
        opened_at=opened_at or timezone.now(),
        type=type,
        priority=priority,
        channel=channel,
        description=description,
        contact=contact,
        order=order,
        assignee=assignee,
    )
    return open_built_ticket(ticket, by=by)


@transaction.atomic
def open_built_ticket(ticket: Ticket, *, by: AbstractBaseUser | None = None) -> Ticket:
    """Open ``ticket``, built but not saved yet (the admin's add form builds one): it
    takes the next number and the status new, is checked, saved, and its creation logged."""
    ticket.number = next_ticket_number()
    ticket.opened_at = ticket.opened_at or timezone.now()
    _check_belongs_to_customer(ticket)
    ticket.status = Ticket.Status.NEW
    sla.start_clock(ticket)  # the customer's tier now, and the due times of its policy
    validate(ticket)
    _save_new(ticket)
    _event(
        ticket,
        TicketEvent.Kind.CREATED,
        by,
        to_status=ticket.status,
        message=ticket.description,
        occurred_at=ticket.opened_at,
    )
    return ticket


@transaction.atomic
def change_status(
    ticket: Ticket, status: str, *, by: AbstractBaseUser | None = None, message: str = ""
) -> Ticket:
    """Move a ticket along its workflow; stamps resolution and closing times."""
    if status not in Ticket.Status.values:
        raise _invalid(
            "status",
            f"status must be one of {Ticket.Status.values}, got {status!r}",
            "invalid_choice",
        )
    status = str(status)  # a Status member and its value are the same status
    if status == ticket.status:
        return ticket
    if status not in ticket.allowed_transitions():
        raise _invalid(
            "status",
            f"a ticket that is {str(ticket.status)!r} can move to "
            f"{[str(s) for s in ticket.allowed_transitions()]}, not {status!r}",
            "invalid_transition",
        )
    now = timezone.now()
    previous = ticket.status
    ticket.status = status
    if status == Ticket.Status.RESOLVED:
        ticket.resolved_at = now
    elif status == Ticket.Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif status == Ticket.Status.OPEN:
        ticket.resolved_at = None
        ticket.closed_at = None
    if ticket.first_response_at is None and status != Ticket.Status.NEW:
        ticket.first_response_at = now
    ticket.save()
    _event(
        ticket,
        TicketEvent.Kind.STATUS,
        by,
        from_status=previous,
        to_status=status,
        message=message,
        occurred_at=now,
    )
    return ticket


@transaction.atomic
def add_comment(
    ticket: Ticket, message: str, *, by: AbstractBaseUser | None = None, to_customer: bool = False
) -> Ticket:
    """Add an internal note, or a reply to the customer (which counts as first response)."""
    if not message.strip():
        raise _invalid("message", "write a message", "required")
    now = timezone.now()
    if to_customer and ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.save(update_fields=["first_response_at"])
    kind = TicketEvent.Kind.RESPONSE if to_customer else TicketEvent.Kind.COMMENT
    _event(ticket, kind, by, message=message.strip(), occurred_at=now)
    return ticket


@transaction.atomic
def assign(
    ticket: Ticket, assignee: AbstractBaseUser | None, *, by: AbstractBaseUser | None = None
) -> Ticket:
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    _event(ticket, TicketEvent.Kind.ASSIGNED, by, message=str(assignee or "-"))
    return ticket


RATEABLE_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


@transaction.atomic
def rate(ticket: Ticket, score: int, *, by: AbstractBaseUser | None = None) -> Ticket:
    """Record the customer's satisfaction (1-5) with a resolved or closed ticket."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise _invalid(
            "satisfaction_score", f"score must be 1 to 5, got {score!r}", "invalid_score"
        )
    if ticket.status not in RATEABLE_STATUSES:
        raise _invalid(
            "satisfaction_score",
            f"only a ticket that is {[str(s) for s in RATEABLE_STATUSES]} can be rated, "
            f"this one is {str(ticket.status)!r}",
            "not_resolved",
        )
    ticket.satisfaction_score = score
    ticket.save(update_fields=["satisfaction_score"])
    _event(ticket, TicketEvent.Kind.RATED, by, message=str(score))
    return ticket


@transaction.atomic
def update_ticket(
    ticket: Ticket,
    *,
    by: AbstractBaseUser | None = None,
    customer: Customer | Unset = UNSET,
    contact: Contact | None | Unset = UNSET,
    order: Model | None | Unset = UNSET,
    type: str | Unset = UNSET,
    priority: str | Unset = UNSET,
    channel: str | Unset = UNSET,
    subject: str | Unset = UNSET,
    description: str | Unset = UNSET,
    assignee: AbstractBaseUser | None | Unset = UNSET,
    status: str | None | Unset = UNSET,
) -> Ticket:
    """Change the fields given (see :func:`open_ticket`); a new assignee goes through
    :func:`assign` and a new status through :func:`change_status`, both logged; a new
    priority gives the ticket the due times of its policy, counted from its opening."""
    old_priority = ticket.priority
    set_given(
        ticket,
        customer=customer,
        contact=contact,
        order=order,
        type=type,
        priority=priority,
        channel=channel,
        subject=subject,
        description=description,
    )
    _check_belongs_to_customer(ticket)
    if ticket.priority != old_priority:
        sla.set_due_times(ticket)
    validate(ticket)
    ticket.save()
    if assignee is not UNSET and assignee != ticket.assignee:
        assign(ticket, assignee, by=by)
    if status is not UNSET and status is not None:
        change_status(ticket, status, by=by)
    return ticket


@transaction.atomic
def schedule_visit(
    ticket: Ticket,
    *,
    scheduled_at: datetime,
    by: AbstractBaseUser | None = None,
    technician: AbstractBaseUser | None = None,
    address: str = "",
) -> TechnicianVisit:
    """Plan a ``technician``'s visit for ``ticket`` (at the customer's address when no
    ``address`` is given), logged on the ticket."""
    visit = TechnicianVisit(
        ticket=ticket, scheduled_at=scheduled_at, technician=technician, address=address
    )
    if not visit.address:
        visit.address = ticket.customer.address
    validate(visit)
    visit.save()
    _event(
        ticket,
        TicketEvent.Kind.VISIT,
        by,
        message=f"visit scheduled for {scheduled_at:%Y-%m-%d %H:%M}",
    )
    return visit


@transaction.atomic
def record_visit(
    visit: TechnicianVisit,
    *,
    outcome: str,
    visited_at: datetime | None = None,
    by: AbstractBaseUser | None = None,
) -> TechnicianVisit:
    """Record what happened at a visit; a cancelled visit cannot be recorded."""
    if visit.status == TechnicianVisit.Status.CANCELLED:
        raise _invalid("status", "a cancelled visit cannot be recorded", "visit_cancelled")
    if not outcome.strip():
        raise _invalid("outcome", "describe the outcome of the visit", "required")
    visit.visited_at = visited_at or timezone.now()
    visit.outcome = outcome
    visit.status = TechnicianVisit.Status.DONE
    validate(visit)
    visit.save()
    _event(visit.ticket, TicketEvent.Kind.VISIT, by, message=outcome)
    return visit
