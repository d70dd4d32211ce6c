"""REST endpoints of the loyalty programme: a customer's membership and balance, its
ledger (newest first), and redeeming a reward. A sales user reaches the members among
the customers they own only; a refused redemption is a 422 that says why (``balance``,
``stock``, ``inactive``, ``cancelled``)."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.customers.queries import customer_scope
from kehu.crm.loyalty import actions, queries
from kehu.crm.loyalty.models import Membership, PointsEntry, Reward
from kehu.crm.loyalty.schemas import EntryOut, MemberOut, RedeemIn
from kehu.crm.rest import ERRORS, DbId, Pagination, fields_renamed, get_or_invalid, require_perm

router = Router(tags=["loyalty"])


def _membership(request: HttpRequest, customer_id: int) -> Membership:
    membership = (
        Membership.objects.filter(customer_scope(request.user), customer_id=customer_id)
        .select_related("customer")
        .first()
    )
    if membership is None:
        raise Http404(f"Customer {customer_id} is not a member (or not one you may see).")
    return membership


def _member_out(membership: Membership) -> dict[str, object]:
    summary = queries.member_summary(membership.customer)
    assert summary is not None
    m = summary.membership
    return {
        "id": m.pk,
        "customer_id": m.customer_id,
        "mobile": m.mobile,
        "level": m.level.name if m.level else None,
        "status": m.status,
        "joined_on": m.joined_on,
        "channel": m.channel,
        "balance": summary.balance,
        "expiring_points": summary.expiring_points,
        "expiring_on": summary.expiring_on,
        "recent": summary.recent,
    }


@router.get(
    "/customers/{customer_id}/membership",
    response={200: MemberOut, **ERRORS},
    summary="A customer's membership and balance",
)
def get_membership(request: HttpRequest, customer_id: DbId) -> dict[str, object]:
    require_perm(request, "loyalty.view_membership")
    return _member_out(_membership(request, customer_id))


@router.get(
    "/customers/{customer_id}/membership/ledger",
    response={200: list[EntryOut], **ERRORS},
    summary="A member's points ledger, newest first",
)
@paginate(Pagination)
def get_ledger(request: HttpRequest, customer_id: DbId) -> QuerySet[PointsEntry]:
    require_perm(request, "loyalty.view_pointsentry")
    return PointsEntry.objects.filter(membership=_membership(request, customer_id))


@router.post(
    "/customers/{customer_id}/membership/redeem",
    response={201: MemberOut, **ERRORS},
    summary="Spend points on a reward",
)
def redeem(request: HttpRequest, customer_id: DbId, payload: RedeemIn) -> Status:
    """Refused with a 422 when the balance is short, the reward out of stock or no
    longer offered, or the membership cancelled."""
    require_perm(request, "loyalty.add_pointsentry")
    membership = _membership(request, customer_id)
    reward = get_or_invalid(Reward.objects.all(), payload.reward_id, "reward_id", "reward")
    with fields_renamed({"reward": "reward_id"}):
        actions.redeem(membership, reward, by=request.user)
    return Status(201, _member_out(membership))
