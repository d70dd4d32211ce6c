"""Request and response bodies of the marketing API: campaigns and their results,
target lists, suppressed addresses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from kehu.crm.marketing.models import Campaign, Suppression, TargetList
from kehu.crm.marketing.results import CampaignResults, Comparison, GroupResult, Interval
from kehu.crm.rest import Day, DbId, InSchema, Username, choice, decimal, patch_schema, text

Goal = choice(Campaign.Goal)
ChannelName = choice(Campaign.Channel)
CampaignStatus = choice(Campaign.Status)
Money = decimal(12, 2, ge="0")
Name = text(200, min_length=1)
Subject = text(200)
Body = text()
FilterValue = text(200)
Address = text(254, min_length=1)
SuppressionReason = choice(Suppression.Reason)

DEFAULT_TEXT = "Defaults to the goal's starting message"


class CampaignIn(InSchema):
    name: Name
    goal: Goal
    channels: list[ChannelName] = Field(
        min_length=1,
        max_length=4,
        description="In order of preference: each customer is reached on the first one "
        "they consented to and have an address for",
    )
    starts_on: Day
    ends_on: Day = Field(description="Orders and replies until this day count as results")
    owner: Username | None = Field(None, description="Username; defaults to you")
    target_list_id: DbId | None = None
    budget: Money = Decimal(0)
    cost: Money = Decimal(0)
    control_share: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)] = Field(
        0.1, description="Share of the target list held out as the control group"
    )
    quiet_days: Annotated[int, Field(ge=0, le=365)] = 7
    always_on: bool = False
    subject_en: Subject | None = Field(None, description=DEFAULT_TEXT)
    body_en: Body | None = Field(None, description=DEFAULT_TEXT)
    subject_zh: Subject | None = Field(None, description=DEFAULT_TEXT)
    body_zh: Body | None = Field(None, description=DEFAULT_TEXT)


CampaignPatch = patch_schema(CampaignIn, "CampaignPatch")


class CampaignOut(Schema):
    id: int
    name: str
    goal: str
    channels: list[str]
    status: str
    target_list_id: int | None
    owner: str | None
    budget: Decimal
    cost: Decimal
    starts_on: date
    ends_on: date
    control_share: float
    quiet_days: int
    always_on: bool
    subject_en: str
    body_en: str
    subject_zh: str
    body_zh: str
    n_members: int
    send_started_at: datetime | None
    send_finished_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_owner(obj: Campaign) -> str | None:
        return obj.owner.get_username() if obj.owner is not None else None

    @staticmethod
    def resolve_n_members(obj: Campaign) -> int:
        n = getattr(obj, "n_members", None)
        return n if n is not None else obj.members.count()


class CampaignFilters(Schema):
    status: CampaignStatus | None = None
    goal: Goal | None = None


class EnrolOut(Schema):
    enrolled: int = Field(description="Customers added now (those who cannot be reached too)")
    members: int = Field(description="Members of the campaign in all")


class IntervalOut(Schema):
    value: float
    low: float
    high: float
    significant: bool = Field(description="The 95% interval leaves out zero")


class GroupOut(Schema):
    n: int
    sent: int
    opened: int
    clicked: int
    responded: int
    unsubscribed: int
    converted: int
    revenue: float
    conversion_rate: float | None
    revenue_per_customer: float | None


class ComparisonOut(Schema):
    label: str = Field(description="The tier or segment key; blank overall")
    treated: GroupOut
    control: GroupOut
    conversion_uplift: IntervalOut | None
    revenue_uplift: IntervalOut | None


class ResultsOut(Schema):
    overall: ComparisonOut
    by_tier: list[ComparisonOut]
    by_segment: list[ComparisonOut]
    status_counts: dict[str, int]
    skip_reasons: dict[str, int]
    cost: float
    incremental_orders: IntervalOut | None
    incremental_revenue: IntervalOut | None
    roi: IntervalOut | None
    control_too_small: bool = Field(
        description="The control group has fewer than two customers: no uplift can be measured"
    )


def _interval(i: Interval | None) -> dict[str, Any] | None:
    if i is None:
        return None
    return {"value": i.value, "low": i.low, "high": i.high, "significant": i.significant}


def _group(g: GroupResult) -> dict[str, Any]:
    fields = ("n", "sent", "opened", "clicked", "responded", "unsubscribed", "converted")
    return {
        **{f: getattr(g, f) for f in fields},
        "revenue": g.revenue,
        "conversion_rate": g.conversion_rate,
        "revenue_per_customer": g.revenue_per_customer,
    }


def _comparison(c: Comparison) -> dict[str, Any]:
    return {
        "label": c.label,
        "treated": _group(c.treated),
        "control": _group(c.control),
        "conversion_uplift": _interval(c.conversion_uplift),
        "revenue_uplift": _interval(c.revenue_uplift),
    }


def results_body(results: CampaignResults) -> dict[str, Any]:
    """``campaign_results`` as the API returns it."""
    return {
        "overall": _comparison(results.overall),
        "by_tier": [_comparison(c) for c in results.by_tier],
        "by_segment": [_comparison(c) for c in results.by_segment],
        "status_counts": results.status_counts,
        "skip_reasons": results.skip_reasons,
        "cost": results.cost,
        "incremental_orders": _interval(results.incremental_orders),
        "incremental_revenue": _interval(results.incremental_revenue),
        "roi": _interval(results.roi),
        "control_too_small": results.overall.control.n < 2,
    }


class TargetListIn(InSchema):
    name: Name
    filters: dict[str, FilterValue] = Field(
        default_factory=dict,
        description="The customer list's filters (tier, abc, segment, cluster, lifecycle, "
        "loyalty, min_p_alive, min_clv, min_churn, min_flags, flag, region, country, "
        "status, kind, owner, tag, q)",
    )
    dynamic: bool = Field(False, description="Run the filter again at each send")
    rank_by_uplift: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(
        None, description="Keep only the top N customers by predicted uplift"
    )


class TargetListOut(Schema):
    id: int
    name: str
    filters: dict[str, str]
    dynamic: bool
    rank_by_uplift: int | None
    size: int
    evaluated_at: datetime | None
    created_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_created_by(obj: TargetList) -> str | None:
        return obj.created_by.get_username() if obj.created_by is not None else None


class SuppressionIn(InSchema):
    channel: ChannelName
    address: Address = Field(
        description="An email, a phone number, or for letters the customer's code"
    )
    reason: SuppressionReason = Suppression.Reason.MANUAL.value


class SuppressionOut(Schema):
    id: int
    channel: str
    address: str
    reason: str
    customer_id: int | None
    campaign_id: int | None
    created_at: datetime


class SuppressionFilters(Schema):
    channel: ChannelName | None = None
