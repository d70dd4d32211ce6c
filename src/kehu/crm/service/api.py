"""REST endpoints of service tickets: open, edit, move through the workflow, comment,
and read the event log."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.customers.api import named_customer
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import customer_scope
from kehu.crm.rest import (
    ERRORS,
    DbId,
    Pagination,
    fields_renamed,
    filter_given,
    get_or_invalid,
    require_perm,
    user_by_username,
)
from kehu.crm.service import actions
from kehu.crm.service.models import Ticket, TicketEvent
from kehu.crm.service.schemas import (
    TicketCommentIn,
    TicketEventOut,
    TicketFilters,
    TicketIn,
    TicketOut,
    TicketPatch,
    TicketTransitionIn,
)

router = Router(tags=["service"])

FIELD_NAMES = {"customer": "customer_id", "contact": "contact_id", "order": "order_id"}
CLOSED = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
User = AbstractBaseUser | AnonymousUser


def visible_tickets(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer_scope(user)).select_related("assignee")


def _ticket(user: User, pk: int) -> Ticket:
    ticket = visible_tickets(user).select_related("customer").filter(pk=pk).first()
    if ticket is None:
        raise Http404(f"No ticket with id {pk}.")
    return ticket


def _related(customer: Customer, fields: dict[str, Any]) -> None:
    """Contact, order and assignee ids/usernames to rows; a contact or order must be the
    customer's own."""
    if "contact_id" in fields:
        fields["contact"] = get_or_invalid(
            customer.contacts.all(), fields.pop("contact_id"), "contact_id", "contact"
        )
    if "order_id" in fields:
        fields["order"] = get_or_invalid(
            customer.orders.all(), fields.pop("order_id"), "order_id", "order"
        )
    if "assignee" in fields:
        fields["assignee"] = user_by_username(fields["assignee"], "assignee")


@router.get("/tickets", response=list[TicketOut], summary="List tickets, newest first")
@paginate(Pagination)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> QuerySet[Ticket]:
    require_perm(request, "service.view_ticket")
    tickets = visible_tickets(request.user)
    tickets = filter_given(tickets, filters, "customer_id", "status", "priority", "type")
    if filters.open is True:
        tickets = tickets.exclude(status__in=CLOSED)
    elif filters.open is False:
        tickets = tickets.filter(status__in=CLOSED)
    if filters.assignee == "me":
        tickets = tickets.filter(assignee_id=request.user.pk)
    elif filters.assignee is not None:
        tickets = tickets.filter(assignee__username=filters.assignee)
    return tickets.order_by("-opened_at", "-id")


@router.post("/tickets", response={201: TicketOut, **ERRORS}, summary="Open a ticket")
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status:
    require_perm(request, "service.add_ticket")
    customer = named_customer(request, payload.customer_id)
    fields = payload.model_dump(exclude={"customer_id"}, exclude_none=True)
    _related(customer, fields)
    with fields_renamed(FIELD_NAMES):
        ticket = actions.open_ticket(customer, by=request.user, **fields)
    return Status(201, _ticket(request.user, ticket.pk))


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request: HttpRequest, ticket_id: DbId) -> Ticket:
    require_perm(request, "service.view_ticket")
    return _ticket(request.user, ticket_id)


@router.patch("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def update_ticket(request: HttpRequest, ticket_id: DbId, payload: TicketPatch) -> Ticket:
    """Edit fields, reassign, or rate (``satisfaction_score``, once resolved). The status
    moves only by ``POST /tickets/{id}/transition``."""
    require_perm(request, "service.change_ticket")
    ticket = _ticket(request.user, ticket_id)
    fields = payload.model_dump(exclude_unset=True)
    score = fields.pop("satisfaction_score", None)
    _related(ticket.customer, fields)
    with transaction.atomic(), fields_renamed(FIELD_NAMES):
        actions.update_ticket(ticket, by=request.user, **fields)
        if score is not None:
            actions.rate(ticket, score, by=request.user)
    return _ticket(request.user, ticket_id)


@router.post("/tickets/{ticket_id}/transition", response={200: TicketOut, **ERRORS})
def transition_ticket(request: HttpRequest, ticket_id: DbId, payload: TicketTransitionIn) -> Ticket:
    """Move the ticket along its workflow (``allowed_transitions`` says where to)."""
    require_perm(request, "service.change_ticket")
    ticket = _ticket(request.user, ticket_id)
    actions.change_status(ticket, payload.status, by=request.user, message=payload.message)
    return _ticket(request.user, ticket_id)


@router.post(
    "/tickets/{ticket_id}/comments", response={201: TicketEventOut, **ERRORS}, summary="Comment"
)
def comment_ticket(request: HttpRequest, ticket_id: DbId, payload: TicketCommentIn) -> Status:
    """An internal note, or a reply to the customer (``to_customer``)."""
    require_perm(request, "service.change_ticket")
    ticket = _ticket(request.user, ticket_id)
    actions.add_comment(ticket, payload.message, by=request.user, to_customer=payload.to_customer)
    event = ticket.events.select_related("user").order_by("-occurred_at", "-id").first()
    return Status(201, event)


@router.get("/tickets/{ticket_id}/events", response=list[TicketEventOut], summary="Event log")
@paginate(Pagination)
def ticket_events(request: HttpRequest, ticket_id: DbId) -> QuerySet[TicketEvent]:
    require_perm(request, "service.view_ticket")
    ticket = _ticket(request.user, ticket_id)
    return ticket.events.select_related("user").order_by("occurred_at", "id")
