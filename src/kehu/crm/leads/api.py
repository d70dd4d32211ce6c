"""REST endpoints of leads: capture, list with filters, get, qualify, disqualify and
convert. Bad input is a 422 naming the field; a lead that cannot move (a converted lead
qualified, a disqualified one converted) is a 422 saying why."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.customers.queries import visible_customers
from kehu.crm.leads import actions, queries
from kehu.crm.leads.models import Lead
from kehu.crm.leads.schemas import (
    ActivityIn,
    AssignIn,
    CaptureOut,
    ConvertIn,
    DisqualifyIn,
    LeadFilters,
    LeadIn,
    LeadOut,
)
from kehu.crm.marketing.models import Campaign
from kehu.crm.rest import (
    ERRORS,
    DbId,
    Pagination,
    filter_given,
    get_or_invalid,
    require_perm,
    user_by_username,
)

router = Router(tags=["leads"])


def _leads() -> QuerySet[Lead]:
    return Lead.objects.select_related("owner")


def _lead(pk: int) -> Lead:
    lead = _leads().filter(pk=pk).first()
    if lead is None:
        raise Http404(f"No lead with id {pk}.")
    return lead


@router.post(
    "/leads", response={201: CaptureOut, 200: CaptureOut, **ERRORS}, summary="Capture a lead"
)
def capture(request: HttpRequest, payload: LeadIn) -> Status:
    """201 with ``created: true`` for a new lead; 200 with ``created: false`` when an
    open lead with the same email or phone (or the same ``source_key``) was updated."""
    require_perm(request, "leads.add_lead")
    campaign = get_or_invalid(
        Campaign.objects.all(), payload.campaign_id, "campaign_id", "campaign"
    )
    owner = user_by_username(payload.owner, "owner")
    fields = payload.model_dump(exclude={"campaign_id", "owner", "source_key"})
    result = actions.capture_lead(
        **fields, campaign=campaign, owner=owner, actor=request.user, source_key=payload.source_key
    )
    body = {
        "created": result.created,
        "matching_customer_id": result.matching_customer.pk if result.matching_customer else None,
        "lead": _lead(result.lead.pk),
    }
    return Status(201 if result.created else 200, body)


@router.get("/leads", response=list[LeadOut], summary="List leads, newest first")
@paginate(Pagination)
def list_leads(request: HttpRequest, filters: Query[LeadFilters]) -> QuerySet[Lead]:
    require_perm(request, "leads.view_lead")
    leads = filter_given(_leads(), filters, "status", "source", "campaign_id")
    if filters.owner is not None:
        leads = leads.filter(owner__username=filters.owner)
    if filters.min_score is not None:
        leads = leads.filter(score__gte=filters.min_score)
    if filters.q:
        leads = leads.filter(pk__in=queries.filtered_leads(q=filters.q).values("pk"))
    return leads.order_by("-created_at", "-id")


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS})
def get_lead(request: HttpRequest, lead_id: DbId) -> Lead:
    require_perm(request, "leads.view_lead")
    return _lead(lead_id)


@router.post("/leads/{lead_id}/qualify", response={200: LeadOut, **ERRORS})
def qualify(request: HttpRequest, lead_id: DbId) -> Lead:
    require_perm(request, "leads.change_lead")
    actions.qualify(_lead(lead_id), actor=request.user)
    return _lead(lead_id)


@router.post("/leads/{lead_id}/disqualify", response={200: LeadOut, **ERRORS})
def disqualify(request: HttpRequest, lead_id: DbId, payload: DisqualifyIn) -> Lead:
    require_perm(request, "leads.change_lead")
    actions.disqualify(_lead(lead_id), reason=payload.reason, note=payload.note, actor=request.user)
    return _lead(lead_id)


@router.post("/leads/{lead_id}/convert", response={200: LeadOut, **ERRORS})
def convert(request: HttpRequest, lead_id: DbId, payload: ConvertIn) -> Lead:
    """Into a new customer, or the existing ``customer_id``; with an opportunity unless
    ``create_opportunity`` is false."""
    require_perm(request, "leads.change_lead", "customers.add_customer")
    lead = _lead(lead_id)
    customer = get_or_invalid(
        visible_customers(request.user), payload.customer_id, "customer_id", "customer"
    )
    actions.convert_lead(
        lead,
        actor=request.user,
        customer=customer,
        create_opportunity=payload.create_opportunity,
        opportunity_name=payload.opportunity_name,
        amount=payload.amount,
    )
    return _lead(lead_id)


@router.post("/leads/{lead_id}/reopen", response={200: LeadOut, **ERRORS})
def reopen(request: HttpRequest, lead_id: DbId) -> Lead:
    """Take a disqualified lead back to working."""
    require_perm(request, "leads.change_lead")
    actions.reopen(_lead(lead_id), actor=request.user)
    return _lead(lead_id)


@router.post("/leads/{lead_id}/assign", response={200: LeadOut, **ERRORS})
def assign(request: HttpRequest, lead_id: DbId, payload: AssignIn) -> Lead:
    """Give the lead to ``owner`` (a username; null: nobody)."""
    require_perm(request, "leads.change_lead")
    owner = user_by_username(payload.owner, "owner")
    actions.assign(_lead(lead_id), owner=owner, actor=request.user)
    return _lead(lead_id)


@router.post("/leads/{lead_id}/activities", response={201: LeadOut, **ERRORS})
def log_activity(request: HttpRequest, lead_id: DbId, payload: ActivityIn) -> Status:
    """Log a call, email, meeting or note on the lead's timeline."""
    require_perm(request, "leads.change_lead")
    actions.log_activity(_lead(lead_id), kind=payload.kind, note=payload.note, actor=request.user)
    return Status(201, _lead(lead_id))
