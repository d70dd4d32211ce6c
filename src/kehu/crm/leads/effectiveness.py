"""Source and campaign effectiveness: per source and per campaign, the leads, how many
were qualified and converted, the conversion rate, the cost per lead (a campaign's cost
over its leads; a source without a campaign has no cost, and none is invented) and the
revenue of the converted leads' customers' orders since their conversion.

Two grouped queries (one per source, one per campaign); the revenue of each lead is a
correlated subquery inside the sum, so no lead is fetched on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kehu.crm.leads.models import Lead
from kehu.crm.sales.models import Order

_MONEY = DecimalField(max_digits=14, decimal_places=2)
QUALIFIED = (Lead.Status.QUALIFIED, Lead.Status.CONVERTED)


@dataclass(frozen=True)
class Effectiveness:
    """One row of the page: a source or a campaign."""

    key: str
    label: str
    n_leads: int
    n_qualified: int
    n_converted: int
    revenue: Decimal
    cost: Decimal | None  # None: no cost known (a source, or leads without a campaign)
    campaign_id: int | None = None

    @property
    def conversion_rate(self) -> float | None:
        return self.n_converted / self.n_leads if self.n_leads else None

    @property
    def cost_per_lead(self) -> Decimal | None:
        if self.cost is None or not self.n_leads:
            return None
        return (self.cost / self.n_leads).quantize(Decimal("0.01"))


def _cents(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _revenue_since_conversion() -> Subquery:
    orders = (
        Order.objects.filter(
            customer=OuterRef("customer"),
            ordered_at__gte=OuterRef("converted_at"),
        )
        .exclude(status__in=(Order.Status.CANCELLED, Order.Status.DRAFT))
        .order_by()
        .values("customer")
        .annotate(total=Sum("total_amount"))
        .values("total")
    )
    return Subquery(orders, output_field=_MONEY)


def _leads(since: date | None, until: date | None) -> QuerySet[Lead]:
    leads = Lead.objects.all()
    if since:
        leads = leads.filter(created_at__date__gte=since)
    if until:
        leads = leads.filter(created_at__date__lte=until)
    return leads.annotate(
        lead_revenue=Coalesce(_revenue_since_conversion(), Value(Decimal("0")), output_field=_MONEY)
    )


def _counts() -> dict[str, Any]:
    converted = Q(status=Lead.Status.CONVERTED)
    return {
        "n_leads": Count("id"),
        "n_qualified": Count("id", filter=Q(status__in=QUALIFIED)),
        "n_converted": Count("id", filter=converted),
        "revenue": Coalesce(
            Sum("lead_revenue", filter=converted), Value(Decimal("0")), output_field=_MONEY
        ),
    }


def by_source(since: date | None = None, until: date | None = None) -> list[Effectiveness]:
    """One row per source, most leads first."""
    rows = (
        _leads(since, until)
        .order_by()
        .values("source")
        .annotate(**_counts())
        .order_by("-n_leads", "source")
    )
    labels = dict(Lead.Source.choices)
    return [
        Effectiveness(
            key=r["source"],
            label=str(labels.get(r["source"], r["source"])),
            n_leads=r["n_leads"],
            n_qualified=r["n_qualified"],
            n_converted=r["n_converted"],
            revenue=_cents(r["revenue"]),
            cost=None,
        )
        for r in rows
    ]


def by_campaign(since: date | None = None, until: date | None = None) -> list[Effectiveness]:
    """One row per campaign that brought leads, most leads first, with the campaign's
    cost so far."""
    rows = (
        _leads(since, until)
        .filter(campaign__isnull=False)
        .order_by()
        .values("campaign_id", campaign_name=F("campaign__name"), campaign_cost=F("campaign__cost"))
        .annotate(**_counts())
        .order_by("-n_leads", "campaign_name")
    )
    return [
        Effectiveness(
            key=str(r["campaign_id"]),
            label=r["campaign_name"],
            n_leads=r["n_leads"],
            n_qualified=r["n_qualified"],
            n_converted=r["n_converted"],
            revenue=_cents(r["revenue"]),
            cost=r["campaign_cost"],
            campaign_id=r["campaign_id"],
        )
        for r in rows
    ]
