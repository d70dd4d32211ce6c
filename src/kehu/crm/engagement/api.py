"""REST endpoints of interactions: conversations with customers on every channel."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.customers.api import named_customer
from kehu.crm.customers.queries import customer_scope
from kehu.crm.engagement import actions
from kehu.crm.engagement.forms import FAR_FUTURE
from kehu.crm.engagement.models import Interaction
from kehu.crm.engagement.queries import may_change, may_delete
from kehu.crm.engagement.schemas import (
    InteractionFilters,
    InteractionIn,
    InteractionOut,
    InteractionPatch,
)
from kehu.crm.far_future import refuse_far_future
from kehu.crm.rest import (
    ERRORS,
    DbId,
    Pagination,
    fields_renamed,
    filter_given,
    filter_period,
    get_or_invalid,
    require_perm,
)

router = Router(tags=["engagement"])

FIELD_NAMES = {"customer": "customer_id", "contact": "contact_id"}


def visible_interactions(request: HttpRequest) -> QuerySet[Interaction]:
    return Interaction.objects.filter(customer_scope(request.user)).select_related("user")


@router.get("/interactions", response=list[InteractionOut], summary="List, newest first")
@paginate(Pagination)
def list_interactions(
    request: HttpRequest, filters: Query[InteractionFilters]
) -> QuerySet[Interaction]:
    require_perm(request, "engagement.view_interaction")
    interactions = visible_interactions(request)
    interactions = filter_given(interactions, filters, "customer_id", "channel", "direction")
    interactions = filter_period(interactions, "occurred_at", filters.since, filters.until)
    return interactions.order_by("-occurred_at", "-id")


@router.post("/interactions", response={201: InteractionOut, **ERRORS}, summary="Log one")
def create_interaction(request: HttpRequest, payload: InteractionIn) -> Status:
    require_perm(request, "engagement.add_interaction")
    customer = named_customer(request, payload.customer_id)
    fields = payload.model_dump(exclude={"customer_id", "contact_id"}, exclude_none=True)
    if not fields.pop("confirm_dates"):
        refuse_far_future(fields, FAR_FUTURE)
    fields["contact"] = get_or_invalid(
        customer.contacts.all(), payload.contact_id, "contact_id", "contact of this customer"
    )
    with fields_renamed(FIELD_NAMES):
        interaction = actions.log_interaction(customer, by=request.user, **fields)
    return Status(201, visible_interactions(request).get(pk=interaction.pk))


def _interaction(request: HttpRequest, interaction_id: int) -> Interaction:
    interaction = visible_interactions(request).filter(pk=interaction_id).first()
    if interaction is None:
        raise Http404(f"No interaction with id {interaction_id}.")
    return interaction


@router.patch(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **ERRORS},
    summary="Correct one (its author or an administrator)",
)
def update_interaction(
    request: HttpRequest, interaction_id: DbId, payload: InteractionPatch
) -> Interaction:
    require_perm(request, "engagement.change_interaction")
    interaction = _interaction(request, interaction_id)
    if not may_change(request.user, interaction):
        raise PermissionDenied("Only the author or an administrator may change this entry.")
    fields = payload.model_dump(exclude_unset=True, exclude={"contact_id"})
    if not fields.pop("confirm_dates", False):
        refuse_far_future(fields, FAR_FUTURE)
    if "contact_id" in payload.model_fields_set:
        fields["contact"] = get_or_invalid(
            interaction.customer.contacts.all(),
            payload.contact_id,
            "contact_id",
            "contact of this customer",
        )
    with fields_renamed(FIELD_NAMES):
        actions.update_interaction(interaction, **fields)
    return _interaction(request, interaction_id)


@router.delete(
    "/interactions/{interaction_id}",
    response={204: None, **ERRORS},
    summary="Delete one (its author or an administrator)",
)
def delete_interaction(request: HttpRequest, interaction_id: DbId) -> Status:
    interaction = _interaction(request, interaction_id)
    if not may_delete(request.user, interaction):
        raise PermissionDenied("Only the author or an administrator may delete this entry.")
    actions.delete_interaction(interaction)
    return Status(204, None)
