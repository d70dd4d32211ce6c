"""Writes of participants and booths: adding and registering participants (linked to the
customer or contact they are, or to the lead their registration captured), cancelling,
checking in at the door, booking and assigning booths, and a conversation at the booth
logged on the customer's timeline.

Invitations through a campaign are in :mod:`kehu.crm.attendance.invitations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from kehu.crm.attendance.matching import find_person
from kehu.crm.attendance.models import BADGE_ALPHABET, Booth, Participant, new_badge_code
from kehu.crm.choices import InteractionChannel
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.events.models import Event
from kehu.crm.validation import validate


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _free_badge_code() -> str:
    """A badge code no participant holds (a clash of random codes is all but
    impossible; checked all the same)."""
    while True:
        code = new_badge_code()
        if not Participant.objects.filter(badge_code=code).exists():
            return code


def places_taken(event: Event) -> int:
    """How many participants hold a place (registered, confirmed or checked in)."""
    return event.participants.filter(status__in=Participant.ATTENDING).count()


def _check_capacity(event: Event) -> None:
    if event.capacity is not None and places_taken(event) >= event.capacity:
        raise ValidationError(
            _("This event is full: all %(n)s places are taken.") % {"n": event.capacity},
            code="full",
        )


def _already(event: Event, *, customer: Any, contact: Any, email: str) -> Participant | None:
    """The participant of ``event`` who is the same person, if any: the same contact, the
    same customer without a contact, or the same email."""
    rows = event.participants.exclude(status=Participant.Status.CANCELLED)
    if contact is not None:
        return rows.filter(contact=contact).first()
    if customer is not None and not email:
        return rows.filter(customer=customer, contact__isnull=True).first()
    if email:
        return rows.filter(email__iexact=email).first()
    return None


@transaction.atomic
def add_participant(
    event: Event,
    *,
    name: str = "",
    kind: str = Participant.Kind.GENERAL,
    customer: Customer | None = None,
    contact: Contact | None = None,
    company: str = "",
    email: str = "",
    phone: str = "",
    status: str = Participant.Status.REGISTERED,
    source: str = Participant.Source.STAFF,
    lead: Any = None,
) -> Participant:
    """A participant of ``event`` added by staff (or an import): name, company, email and
    phone default to the contact's and the customer's. The same person twice (the same
    contact, or email) is refused, naming who is already there."""
    if contact is not None:
        if customer is None:
            customer = contact.customer
        elif contact.customer_id != customer.pk:
            raise _error("contact", _("This contact belongs to another customer."), "mismatch")
    person: Any = contact or customer
    name = name.strip() or (person.name if person else "")
    email = email.strip() or (person.email if person else "")
    phone = phone.strip() or (person.phone if person else "")
    company = company.strip() or (customer.name if customer and contact else "")
    if not name:
        raise _error("name", _("Give the participant's name, or pick a customer."), "required")
    if (other := _already(event, customer=customer, contact=contact, email=email)) is not None:
        raise _error(
            "name",
            _("%(name)s is already a participant of this event (%(status)s).")
            % {"name": other.name, "status": other.get_status_display()},
            "duplicate",
        )
    if status in Participant.ATTENDING:
        _check_capacity(event)
    participant = Participant(
        event=event,
        kind=kind,
        customer=customer,
        contact=contact,
        name=name,
        company=company,
        email=email,
        phone=phone,
        status=status,
        source=source,
        badge_code=_free_badge_code(),
        registered_at=timezone.now() if status in Participant.ATTENDING else None,
        lead=lead,
    )
    validate(participant)
    participant.save()
    return participant


@dataclass(frozen=True)
class Registration:
    """What a public registration did: the participant, and whether it was new (False:
    this email or mobile had registered already, or had been invited)."""

    participant: Participant
    created: bool


def _capture_lead(participant: Participant) -> Any:
    from kehu.crm.leads.actions import capture_lead

    event = participant.event
    result = capture_lead(
        name=participant.name,
        email=participant.email,
        phone=participant.phone,
        company=participant.company,
        source="event",
        source_detail=event.name,
        source_key=f"event:{event.pk}:{participant.pk}",
    )
    return result.lead


@transaction.atomic
def register(
    event: Event,
    *,
    name: str,
    email: str,
    phone: str = "",
    company: str = "",
    kind: str = Participant.Kind.GENERAL,
    source: str = Participant.Source.WEB,
) -> Registration:
    """Register someone for ``event`` from the public form (or the API): only while the
    event is open for registration and has places left. A registrant who is an existing
    customer or contact (by email or mobile) is linked to it; anyone else is captured as
    a lead from the event. An invited customer who registers takes up the invitation;
    registering twice returns the first registration."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    name, email, phone, company = name.strip(), email.strip(), phone.strip(), company.strip()
    errors: dict[str, ValidationError] = {}
    if event.status != Event.Status.OPEN:
        raise ValidationError(_("Registration for this event is closed."), code="closed")
    if not name:
        errors["name"] = ValidationError(_("Give your name."), code="required")
    if not email:
        errors["email"] = ValidationError(_("Give your email address."), code="required")
    if kind not in Participant.Kind.values:
        errors["kind"] = ValidationError(
            _("Choose one of: %(kinds)s.")
            % {"kinds": ", ".join(map(str, Participant.Kind.labels))},
            code="invalid",
        )
    if errors:
        raise ValidationError(errors)
    customer, contact = find_person(email=email, phone=phone)
    mine = event.participants.exclude(status=Participant.Status.CANCELLED)
    existing = mine.filter(email__iexact=email).first()
    if existing is None and contact is not None:
        existing = mine.filter(contact=contact).first()
    if existing is not None and existing.status != Participant.Status.INVITED:
        return Registration(existing, created=False)
    _check_capacity(event)
    if existing is not None:  # an invitation taken up
        existing.status, existing.registered_at = Participant.Status.REGISTERED, timezone.now()
        existing.kind = kind
        existing.phone = existing.phone or phone
        existing.save(update_fields=["status", "registered_at", "kind", "phone"])
        return Registration(existing, created=False)
    participant = add_participant(
        event,
        name=name,
        kind=kind,
        customer=customer,
        contact=contact,
        company=company,
        email=email,
        phone=phone,
        source=source,
    )
    if customer is None:
        participant.lead = _capture_lead(participant)
        participant.save(update_fields=["lead"])
    return Registration(participant, created=True)


@transaction.atomic
def cancel_participant(participant: Participant) -> Participant:
    """Cancel a participation: the badge no longer lets them in and the place is free.
    A participant already checked in cannot be cancelled."""
    participant.refresh_from_db(fields=["status"])
    if participant.status == Participant.Status.CHECKED_IN:
        raise ValidationError(
            _("%(name)s has already checked in and cannot be cancelled.")
            % {"name": participant.name},
            code="checked_in",
        )
    participant.status = Participant.Status.CANCELLED
    participant.save(update_fields=["status"])
    return participant


@transaction.atomic
def set_status(participant: Participant, *, status: str) -> Participant:
    """Move a participant to ``status`` (confirm, mark a no-show); checking in and
    cancelling have their own actions."""
    if status == Participant.Status.CHECKED_IN:
        return check_in(participant.event, participant.badge_code).participant
    if status == Participant.Status.CANCELLED:
        return cancel_participant(participant)
    if status not in Participant.Status.values:
        raise _error("status", _("Unknown status: %(s)s.") % {"s": status}, "invalid")
    participant.refresh_from_db(fields=["status"])
    if participant.status == Participant.Status.CHECKED_IN:
        # who came stays counted as come (the results read the check-in time)
        raise _error(
            "status",
            _("%(name)s has already checked in: the status stays %(status)s.")
            % {"name": participant.name, "status": Participant.Status.CHECKED_IN.label},
            "checked_in",
        )
    if status in Participant.ATTENDING and participant.status not in Participant.ATTENDING:
        _check_capacity(participant.event)
        participant.registered_at = participant.registered_at or timezone.now()
    participant.status = status
    participant.save(update_fields=["status", "registered_at"])
    return participant


@dataclass(frozen=True)
class CheckIn:
    """A badge let in: ``already`` when it had been checked in before (at
    ``participant.checked_in_at``)."""

    participant: Participant
    already: bool


def normalise_badge(code: str) -> str:
    """A badge code as typed: upper case, without spaces or dashes."""
    return "".join(c for c in code.upper() if c.isalnum())


@transaction.atomic
def check_in(event: Event, badge_code: str, *, by: AbstractBaseUser | None = None) -> CheckIn:
    """Let the holder of ``badge_code`` into ``event``. Checking in twice is not an
    error (the first time is kept); a closed or cancelled event, an unknown code, another
    event's badge or a cancelled participation is refused with a message saying which."""
    if event.status in (Event.Status.CANCELLED, Event.Status.CLOSED):
        raise _error(
            "code",
            _("%(event)s is %(status)s: nobody can be checked in.")
            % {"event": event.name, "status": event.get_status_display().lower()},
            "event_closed",
        )
    code = normalise_badge(badge_code)
    if not code:
        raise _error("code", _("Type or scan a badge code."), "required")
    if set(code) - set(BADGE_ALPHABET):
        raise _error("code", _("%(code)s is not a badge code.") % {"code": code}, "unknown")
    participant = (
        Participant.objects.select_for_update().select_related("event").filter(badge_code=code)
    ).first()
    if participant is None:
        raise _error("code", _("No badge has the code %(code)s.") % {"code": code}, "unknown")
    if participant.event_id != event.pk:
        raise _error(
            "code",
            _("%(name)s's badge is for another event: %(event)s.")
            % {"name": participant.name, "event": participant.event.name},
            "other_event",
        )
    if participant.status == Participant.Status.CANCELLED:
        raise _error(
            "code",
            _("%(name)s's registration was cancelled.") % {"name": participant.name},
            "cancelled",
        )
    if participant.status == Participant.Status.CHECKED_IN:
        return CheckIn(participant, already=True)
    participant.status, participant.checked_in_at = Participant.Status.CHECKED_IN, timezone.now()
    participant.registered_at = participant.registered_at or participant.checked_in_at
    participant.save(update_fields=["status", "checked_in_at", "registered_at"])
    return CheckIn(participant, already=False)


def checked_in_time(participant: Participant) -> str:
    """When a participant checked in, as HH:MM in the current time zone."""
    at = participant.checked_in_at
    return time_format(timezone.localtime(at), "H:i") if at else ""


# Booths


@transaction.atomic
def create_booth(
    event: Event, *, code: str, size_m2: Decimal, price: Decimal = Decimal(0), hall: str = ""
) -> Booth:
    """A booth on the floor of ``event``, available to book."""
    booth = Booth(event=event, code=code.strip(), hall=hall.strip(), size_m2=size_m2, price=price)
    validate(booth)
    booth.save()
    return booth


def _check_exhibitor(booth: Booth, exhibitor: Participant) -> None:
    if exhibitor.event_id != booth.event_id:
        raise _error(
            "exhibitor", _("%(name)s is not at this event.") % {"name": exhibitor}, "other_event"
        )
    if exhibitor.kind != Participant.Kind.EXHIBITOR:
        raise _error(
            "exhibitor",
            _("Only an exhibitor can have a booth; %(name)s is a %(kind)s.")
            % {"name": exhibitor, "kind": exhibitor.get_kind_display().lower()},
            "not_exhibitor",
        )
    if exhibitor.status == Participant.Status.CANCELLED:
        raise _error(
            "exhibitor",
            _("%(name)s's participation was cancelled.") % {"name": exhibitor},
            "cancelled",
        )


@transaction.atomic
def book_booth(booth: Booth, *, exhibitor: Participant | None = None) -> Booth:
    """Reserve an available booth (for ``exhibitor`` when known)."""
    booth = Booth.objects.select_for_update().get(pk=booth.pk)
    if booth.status != Booth.Status.AVAILABLE:
        raise _error(
            "booth",
            _("Booth %(code)s is already %(status)s.")
            % {"code": booth.code, "status": booth.get_status_display().lower()},
            "taken",
        )
    if exhibitor is not None:
        _check_exhibitor(booth, exhibitor)
    booth.status, booth.exhibitor, booth.booked_at = Booth.Status.BOOKED, exhibitor, timezone.now()
    booth.save(update_fields=["status", "exhibitor", "booked_at"])
    return booth


@transaction.atomic
def assign_booth(booth: Booth, *, exhibitor: Participant) -> Booth:
    """Give a booked booth to an exhibitor of its event: a booth must be booked before it
    is assigned, and only to an exhibitor."""
    booth = Booth.objects.select_for_update().get(pk=booth.pk)
    if booth.status == Booth.Status.AVAILABLE:
        raise _error(
            "booth",
            _("Book booth %(code)s before assigning it.") % {"code": booth.code},
            "not_booked",
        )
    _check_exhibitor(booth, exhibitor)
    booth.status, booth.exhibitor = Booth.Status.ASSIGNED, exhibitor
    booth.save(update_fields=["status", "exhibitor"])
    return booth


@transaction.atomic
def release_booth(booth: Booth) -> Booth:
    """Make a booth available again."""
    booth.status, booth.exhibitor, booth.booked_at = Booth.Status.AVAILABLE, None, None
    booth.save(update_fields=["status", "exhibitor", "booked_at"])
    return booth


# Conversations at the booth


def log_conversation(
    participant: Participant, *, subject: str, body: str = "", by: AbstractBaseUser | None = None
) -> Interaction:
    """A conversation with a participant at the event, on its customer's timeline
    (channel exhibition). A participant who is no customer yet must become one first
    (:func:`make_customer`)."""
    from kehu.crm.engagement.actions import log_interaction

    if participant.customer_id is None:
        raise _error(
            "participant",
            _("%(name)s is not a customer yet: create the customer first.")
            % {"name": participant.name},
            "no_customer",
        )
    subject = subject.strip() or _("Conversation at %(event)s") % {"event": participant.event}
    return log_interaction(
        participant.customer,
        channel=InteractionChannel.EXHIBITION,
        direction=Interaction.Direction.INBOUND,
        subject=subject,
        body=body,
        contact=participant.contact,
        by=by,
    )


@transaction.atomic
def make_customer(participant: Participant, *, by: AbstractBaseUser | None = None) -> Participant:
    """Make a participant without a customer into one: by converting its lead (the
    lead's customer and contact), or from the participant's own details (a company with
    the participant as its contact, or a person)."""
    from kehu.crm.customers.actions import add_contact, create_customer

    if participant.customer_id is not None:
        return participant
    lead = participant.lead
    if lead is not None and lead.customer_id is not None:  # converted (or matched) since
        participant.customer, participant.contact = lead.customer, lead.contact
    elif lead is not None and by is not None:
        from kehu.crm.leads.actions import convert_lead

        lead = convert_lead(lead, actor=by, create_opportunity=False)
        participant.customer, participant.contact = lead.customer, lead.contact
    else:
        company = participant.company
        customer = create_customer(
            name=company or participant.name,
            kind=Customer.Kind.COMPANY if company else Customer.Kind.PERSON,
            email="" if company else participant.email,
            phone="" if company else participant.phone,
            source_channel=Customer.Channel.EXHIBITION,
            owner=by,
            by=by,
        )
        participant.customer = customer
        if company:
            participant.contact = add_contact(
                customer,
                name=participant.name,
                email=participant.email,
                phone=participant.phone,
                is_primary=True,
            )
    participant.save(update_fields=["customer", "contact"])
    return participant
