"""What a campaign achieved, measured against its control group.

The targeted and the control group were drawn at random from the same reachable
customers, so the difference between them is what the campaign caused (uplift): the
conversion rate's difference with a 95% confidence interval (normal approximation to
the difference of two proportions), the revenue per customer's difference (Welch), both
computed by :mod:`kehu.insight.uplift` from the groups' counts and sums, the incremental
orders and revenue they imply for the targeted group, and the return on
the campaign's cost. Results compare everyone assigned to each group (intention to
treat): a targeted customer skipped later (quiet period, unsubscribed) stays in the
targeted group, so that skipping cannot flatter the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.insight.uplift import Effect, mean_difference, proportion_difference


@dataclass
class Interval:
    value: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """The interval leaves out zero."""
        return self.low > 0 or self.high < 0


@dataclass
class GroupResult:
    n: int = 0
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    responded: int = 0
    unsubscribed: int = 0
    converted: int = 0
    revenue: float = 0.0
    revenue_sq: float = 0.0

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.n if self.n else None

    @property
    def revenue_per_customer(self) -> float | None:
        return self.revenue / self.n if self.n else None

    def rate(self, count: int) -> float | None:
        return count / self.n if self.n else None

    def add(self, other: GroupResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Comparison:
    label: str
    treated: GroupResult
    control: GroupResult
    conversion_uplift: Interval | None
    revenue_uplift: Interval | None


@dataclass
class CampaignResults:
    overall: Comparison
    by_tier: list[Comparison]
    by_segment: list[Comparison]
    status_counts: dict[str, int]
    skip_reasons: dict[str, int]
    cost: float
    incremental_orders: Interval | None = None
    incremental_revenue: Interval | None = None
    roi: Interval | None = None
    notes: list[str] = field(default_factory=list)


def _interval(effect: Effect) -> Interval:
    return Interval(effect.estimate, effect.low, effect.high)


def conversion_uplift(treated: GroupResult, control: GroupResult) -> Interval | None:
    """Difference of the two conversion rates with its 95% interval
    (:func:`kehu.insight.uplift.proportion_difference`); None when a group has fewer
    than two customers."""
    if treated.n < 2 or control.n < 2:
        return None
    return _interval(
        proportion_difference(treated.converted, treated.n, control.converted, control.n)
    )


def _moments(group: GroupResult) -> tuple[float, float, int]:
    mean = group.revenue / group.n
    variance = max(group.revenue_sq - group.n * mean * mean, 0.0) / (group.n - 1)
    return mean, variance, group.n


def revenue_uplift(treated: GroupResult, control: GroupResult) -> Interval | None:
    """Difference of revenue per customer with its 95% Welch interval
    (:func:`kehu.insight.uplift.mean_difference`, from the groups' sums and sums of
    squares)."""
    if treated.n < 2 or control.n < 2:
        return None
    return _interval(mean_difference(_moments(treated), _moments(control)))


def group_results(
    members: QuerySet[CampaignMember], by: str | None = None
) -> dict[tuple[object, str], GroupResult]:
    """Each group's counts (targeted, control) in one aggregate query over ``members``,
    keyed by ``(value of by, group)`` (``None`` without ``by``): ``by="campaign"`` gives
    several campaigns' groups at once, ``by="tier"`` one campaign's by tier."""
    members = members.exclude(group="")
    keys = ["group"] + ([by] if by else [])
    revenue = Cast("revenue", FloatField())
    rows = (
        members.order_by()
        .values(*keys)
        .annotate(
            n=Count("id"),
            sent=Count("id", filter=Q(status=CampaignMember.Status.SENT)),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            responded=Count("id", filter=Q(responded_at__isnull=False)),
            unsubscribed=Count("id", filter=Q(unsubscribed_at__isnull=False)),
            converted=Count("id", filter=Q(converted=True)),
            total=Sum(revenue),
            total_sq=Sum(revenue * F("revenue"), output_field=FloatField()),
        )
    )
    out: dict[tuple[object, str], GroupResult] = {}
    for row in rows:
        key = (row[by] if by else None, row["group"])
        out[key] = GroupResult(
            n=row["n"],
            sent=row["sent"],
            opened=row["opened"],
            clicked=row["clicked"],
            responded=row["responded"],
            unsubscribed=row["unsubscribed"],
            converted=row["converted"],
            revenue=float(row["total"] or 0),
            revenue_sq=float(row["total_sq"] or 0),
        )
    return out


def _compare(label: str, treated: GroupResult, control: GroupResult) -> Comparison:
    return Comparison(
        label,
        treated,
        control,
        conversion_uplift(treated, control),
        revenue_uplift(treated, control),
    )


def _breakdown(campaign: Campaign, by: str) -> list[Comparison]:
    groups = group_results(CampaignMember.objects.filter(campaign=campaign), by)
    values = sorted({k for k, _g in groups}, key=lambda v: (v is None, str(v)))
    return [
        _compare(
            "" if value is None else str(value),
            groups.get((value, CampaignMember.Group.TREATED), GroupResult()),
            groups.get((value, CampaignMember.Group.CONTROL), GroupResult()),
        )
        for value in values
    ]


def campaign_results(campaign: Campaign) -> CampaignResults:
    """Reach, responses, revenue and uplift against control, overall, by tier and by
    analysis segment at enrolment; a handful of grouped queries whatever the size."""
    overall_groups = group_results(CampaignMember.objects.filter(campaign=campaign))
    treated = overall_groups.get((None, CampaignMember.Group.TREATED), GroupResult())
    control = overall_groups.get((None, CampaignMember.Group.CONTROL), GroupResult())
    members = CampaignMember.objects.filter(campaign=campaign).order_by()
    status_counts = dict(members.values_list("status").annotate(n=Count("id")))
    skip_reasons = dict(
        members.filter(status=CampaignMember.Status.SKIPPED)
        .values_list("skip_reason")
        .annotate(n=Count("id"))
    )
    cost = float(campaign.cost or Decimal(0))
    results = CampaignResults(
        overall=_compare("", treated, control),
        by_tier=_breakdown(campaign, "tier"),
        by_segment=_breakdown(campaign, "segment"),
        status_counts=status_counts,
        skip_reasons=skip_reasons,
        cost=cost,
    )
    conversion, revenue = results.overall.conversion_uplift, results.overall.revenue_uplift
    if conversion is not None:
        results.incremental_orders = Interval(
            conversion.value * treated.n, conversion.low * treated.n, conversion.high * treated.n
        )
    if revenue is not None:
        incremental = Interval(
            revenue.value * treated.n, revenue.low * treated.n, revenue.high * treated.n
        )
        results.incremental_revenue = incremental
        if cost > 0:
            results.roi = Interval(
                (incremental.value - cost) / cost,
                (incremental.low - cost) / cost,
                (incremental.high - cost) / cost,
            )
    return results
