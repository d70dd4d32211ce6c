"""REST endpoints of an event's participants: list them, add one (staff), check in a
badge. Bad input is a 4xx naming the field, with a stable code (a badge refused at the
door: ``unknown``, ``other_event``, ``cancelled``)."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.attendance import actions, queries
from kehu.crm.attendance.models import Participant
from kehu.crm.attendance.schemas import (
    CheckInIn,
    CheckInOut,
    ParticipantFilters,
    ParticipantIn,
    ParticipantOut,
)
from kehu.crm.customers.models import Contact
from kehu.crm.customers.queries import visible_customers
from kehu.crm.events.models import Event
from kehu.crm.rest import ERRORS, DbId, Pagination, get_or_invalid, require_perm

router = Router(tags=["attendance"])


def _event(event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise Http404(f"No event with id {event_id}.")
    return event


@router.get(
    "/events/{event_id}/participants",
    response={200: list[ParticipantOut], **ERRORS},
    summary="List the participants of an event",
)
@paginate(Pagination)
def list_participants(
    request: HttpRequest, event_id: DbId, filters: Query[ParticipantFilters]
) -> QuerySet[Participant]:
    require_perm(request, "attendance.view_participant")
    return queries.filtered_participants(
        _event(event_id), q=filters.q or "", kind=filters.kind or "", status=filters.status or ""
    )


@router.post(
    "/events/{event_id}/participants",
    response={201: ParticipantOut, **ERRORS},
    summary="Add a participant to an event (staff)",
)
def add_participant(request: HttpRequest, event_id: DbId, payload: ParticipantIn) -> Status:
    require_perm(request, "attendance.add_participant")
    event = _event(event_id)
    customers = visible_customers(request.user)
    customer = get_or_invalid(customers, payload.customer_id, "customer_id", "customer")
    contacts = Contact.objects.filter(customer__in=customers)
    contact = get_or_invalid(contacts, payload.contact_id, "contact_id", "contact")
    participant = actions.add_participant(
        event,
        customer=customer,
        contact=contact,
        name=payload.name,
        company=payload.company,
        email=payload.email,
        phone=payload.phone,
        kind=payload.kind,
        status=payload.status,
    )
    return Status(201, participant)


@router.post(
    "/events/{event_id}/check-in",
    response={200: CheckInOut, **ERRORS},
    summary="Check in a badge at the door",
)
def check_in(request: HttpRequest, event_id: DbId, payload: CheckInIn) -> CheckInOut:
    """Idempotent: a badge checked in before answers ``already: true`` with the time it
    was first checked in."""
    require_perm(request, "attendance.change_participant")
    done = actions.check_in(_event(event_id), payload.code, by=request.user)
    return CheckInOut(already=done.already, participant=ParticipantOut.from_orm(done.participant))
