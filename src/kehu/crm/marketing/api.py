"""REST endpoints of the marketing app, mounted on ``/api/`` by :mod:`kehu.crm.api`:
campaigns (list, create, read, change, enrol the target list, results against the
control group), target lists and the suppression list. Sending is the web page's and
``kehu campaign send``'s, which run it in the background."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.marketing import actions
from kehu.crm.marketing.models import Campaign, Suppression, TargetList
from kehu.crm.marketing.results import campaign_results
from kehu.crm.marketing.schemas import (
    CampaignFilters,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    EnrolOut,
    ResultsOut,
    SuppressionFilters,
    SuppressionIn,
    SuppressionOut,
    TargetListIn,
    TargetListOut,
    results_body,
)
from kehu.crm.rest import (
    ERRORS,
    DbId,
    Pagination,
    fields_renamed,
    get_or_invalid,
    require_perm,
    user_by_username,
)

router = Router(tags=["marketing"])
FIELD_NAMES = {"target_list": "target_list_id"}


def _campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("owner").annotate(n_members=Count("members"))


def _campaign(pk: int) -> Campaign:
    campaign = _campaigns().filter(pk=pk).first()
    if campaign is None:
        raise Http404(f"No campaign with id {pk}.")
    return campaign


def _resolve(fields: dict[str, Any]) -> None:
    """Usernames and ids of the body to the records the actions take."""
    if "owner" in fields:
        fields["owner"] = user_by_username(fields["owner"], "owner")
    if "target_list_id" in fields:
        fields["target_list"] = get_or_invalid(
            TargetList.objects.all(), fields.pop("target_list_id"), "target_list_id", "target list"
        )


@router.get("/campaigns", response=list[CampaignOut], summary="List campaigns, latest first")
@paginate(Pagination)
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilters]) -> QuerySet[Campaign]:
    require_perm(request, "marketing.view_campaign")
    campaigns = _campaigns()
    if filters.status is not None:
        campaigns = campaigns.filter(status=filters.status)
    if filters.goal is not None:
        campaigns = campaigns.filter(goal=filters.goal)
    return campaigns.order_by("-starts_on", "-id")


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, summary="Create a campaign")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    """A draft campaign; messages left out start from the goal's default text."""
    require_perm(request, "marketing.add_campaign")
    fields = payload.model_dump()
    _resolve(fields)
    if payload.owner is None:
        fields["owner"] = request.user
    for name in ("subject_en", "body_en", "subject_zh", "body_zh"):
        if fields[name] is None:
            fields.pop(name)
    with fields_renamed(FIELD_NAMES):
        campaign = actions.create_campaign(**fields)
    return Status(201, _campaign(campaign.pk))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS})
def get_campaign(request: HttpRequest, campaign_id: DbId) -> Campaign:
    require_perm(request, "marketing.view_campaign")
    return _campaign(campaign_id)


@router.patch("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS})
def update_campaign(request: HttpRequest, campaign_id: DbId, payload: CampaignPatch) -> Campaign:
    """Change the fields given. Once the campaign has members, its target list,
    channels and control share are fixed (a 422 says so)."""
    require_perm(request, "marketing.change_campaign")
    campaign = _campaign(campaign_id)
    fields = payload.model_dump(exclude_unset=True)
    _resolve(fields)
    with fields_renamed(FIELD_NAMES):
        actions.update_campaign(campaign, **fields)
    return _campaign(campaign_id)


@router.post("/campaigns/{campaign_id}/enrol", response={200: EnrolOut, **ERRORS})
def enrol(request: HttpRequest, campaign_id: DbId) -> dict[str, int]:
    """Enrol everyone the campaign's target list holds now, each in the targeted or
    the control group (or skipped, with the reason, when no channel reaches them)."""
    require_perm(request, "marketing.change_campaign")
    campaign = _campaign(campaign_id)
    with fields_renamed(FIELD_NAMES):
        added = actions.enrol_target_list(campaign, by=request.user)
    return {"enrolled": added, "members": campaign.members.count()}


@router.get("/campaigns/{campaign_id}/results", response={200: ResultsOut, **ERRORS})
def results(request: HttpRequest, campaign_id: DbId, refresh: bool = False) -> dict[str, Any]:
    """Reach, responses, revenue and uplift against the control group with 95%
    intervals, overall, by tier and by segment. ``refresh=true`` counts the orders and
    replies in the window again first (needs the permission to change campaigns)."""
    require_perm(request, "marketing.view_campaign")
    campaign = _campaign(campaign_id)
    if refresh:
        require_perm(request, "marketing.change_campaign")
        actions.refresh_outcomes(campaign)
    return results_body(campaign_results(campaign))


# --- target lists -------------------------------------------------------------------


def _target_list(pk: int) -> TargetList:
    target_list = TargetList.objects.select_related("created_by").filter(pk=pk).first()
    if target_list is None:
        raise Http404(f"No target list with id {pk}.")
    return target_list


@router.post(
    "/target-lists", response={201: TargetListOut, **ERRORS}, summary="Create a target list"
)
def create_target_list(request: HttpRequest, payload: TargetListIn) -> Status:
    """A target list from the customer list's filters; a static one freezes its
    members now (``size``)."""
    require_perm(request, "marketing.add_targetlist")
    target_list = actions.create_target_list(by=request.user, **payload.model_dump())
    return Status(201, _target_list(target_list.pk))


@router.get("/target-lists/{target_list_id}", response={200: TargetListOut, **ERRORS})
def get_target_list(request: HttpRequest, target_list_id: DbId) -> TargetList:
    require_perm(request, "marketing.view_targetlist")
    return _target_list(target_list_id)


# --- suppression list ---------------------------------------------------------------


@router.get("/suppressions", response=list[SuppressionOut], summary="List suppressed addresses")
@paginate(Pagination)
def list_suppressions(
    request: HttpRequest, filters: Query[SuppressionFilters]
) -> QuerySet[Suppression]:
    require_perm(request, "marketing.view_suppression")
    entries = Suppression.objects.all()
    if filters.channel is not None:
        entries = entries.filter(channel=filters.channel)
    return entries.order_by("-created_at", "-id")


@router.post(
    "/suppressions", response={201: SuppressionOut, **ERRORS}, summary="Suppress an address"
)
def create_suppression(request: HttpRequest, payload: SuppressionIn) -> Status:
    """Never send campaign messages to this address on this channel again (an address
    already suppressed is returned as it is)."""
    require_perm(request, "marketing.add_suppression")
    return Status(201, actions.suppress(**payload.model_dump()))
