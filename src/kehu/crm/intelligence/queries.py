"""Reads of value runs and scores shared by the intelligence page, the customer list
and the customer 360 page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from kehu.crm.catalog.models import Product
from kehu.crm.intelligence.labels import label
from kehu.crm.intelligence.models import (
    CustomerInsight,
    CustomerScore,
    CustomerValue,
    Scores,
    Segment,
    SegmentName,
    ValueRun,
)

CATEGORIES = ("tier", "abc_class", "rfm_segment", "lifecycle_stage", "loyalty_stage")
RELATIVE = ("predicted_clv", "expected_purchases", "total_spend", "margin")
ABSOLUTE = ("p_alive", "value_score", "satisfaction")


def recent_runs(limit: int = 12) -> QuerySet[ValueRun]:
    return ValueRun.objects.select_related("requested_by").order_by("-id")[:limit]


def latest_done_run() -> ValueRun | None:
    return ValueRun.objects.filter(status=ValueRun.Status.DONE).order_by("-id").first()


def _move(name: str, before: object, now: object) -> str:
    """How one score moved: categories as "Iron → Gold", money as "+12%", shares and
    scores as "0.81 → 0.64"; empty when it did not move or one side is unknown."""
    if before is None or now is None or before == now or before == "" or now == "":
        return ""
    if name in CATEGORIES:
        return f"{label(str(before))} → {label(str(now))}"
    if name in RELATIVE and isinstance(before, float) and isinstance(now, float):
        if abs(before) < 1e-9:
            return f"{before:,.0f} → {now:,.0f}"
        change = (now - before) / abs(before)
        return f"{change:+.0%}" if abs(change) >= 0.005 else ""
    if name in ABSOLUTE and isinstance(before, float) and isinstance(now, float):
        return f"{before:.2f} → {now:.2f}" if round(before, 2) != round(now, 2) else ""
    if name in ("r_score", "f_score", "m_score", "frequency"):
        return f"{before} → {now}"
    return ""


@dataclass
class ValueProfile:
    """A customer's current scores, the run they come from and, when an earlier run
    scored the customer too, how each score moved since (``moves[field]``)."""

    current: CustomerScore
    previous: CustomerValue | None
    moves: dict[str, str] = field(default_factory=dict)

    @property
    def is_prospect(self) -> bool:
        return self.current.p_alive is None


def value_profile(customer_id: int) -> ValueProfile | None:
    """Two queries: the current score (with its run) and the latest earlier finished run's
    row of this customer."""
    current = CustomerScore.objects.select_related("run").filter(customer_id=customer_id).first()
    if current is None:
        return None
    previous = (
        CustomerValue.objects.select_related("run")
        .filter(
            customer_id=customer_id, run_id__lt=current.run_id, run__status=ValueRun.Status.DONE
        )
        .order_by("-run_id")
        .first()
    )
    moves: dict[str, str] = {}
    if previous is not None:
        for f in Scores._meta.local_fields:
            moves[f.name] = _move(f.name, getattr(previous, f.name), getattr(current, f.name))
    return ValueProfile(current, previous, moves)


@dataclass
class InsightCard:
    """What the 360 page shows from the data mining: segment, churn risk and its
    reasons, the products to offer next, and the deviation flags."""

    score: CustomerScore
    segment: Segment | None
    reasons: list[str]
    recommendations: list[dict]  # each with "product" (a Product) added
    flags: list[dict]


def named_segments() -> QuerySet[Segment]:
    """Segments with ``custom_name``: the name a user gave their key ("" for none)."""
    given = SegmentName.objects.filter(key=OuterRef("key")).values("name")[:1]
    return Segment.objects.annotate(custom_name=Coalesce(Subquery(given), Value("")))


def segments_of(run: ValueRun | None) -> list[Segment]:
    if run is None:
        return []
    return list(named_segments().filter(run=run).order_by("key"))


def insight_card(score: CustomerScore | None) -> InsightCard | None:
    """Three queries: the explanations, the segment, and the recommended products."""
    if score is None or (score.segment is None and score.churn_risk is None):
        return None
    insight = CustomerInsight.objects.filter(customer_id=score.customer_id).first()
    segment = (
        named_segments().filter(run_id=score.run_id, key=score.segment).first()
        if score.segment is not None
        else None
    )
    recommendations = list(insight.recommendations) if insight else []
    wanted = {r["product_id"] for r in recommendations} | {
        r["because_of"] for r in recommendations if r.get("because_of")
    }
    products = Product.objects.in_bulk(wanted) if wanted else {}
    for r in recommendations:
        r["product"] = products.get(r["product_id"])
        r["because"] = products.get(r.get("because_of"))
    return InsightCard(
        score=score,
        segment=segment,
        reasons=list(insight.churn_reasons) if insight else [],
        recommendations=[r for r in recommendations if r["product"] is not None],
        flags=list(insight.flags) if insight else [],
    )


def segment_members(run: ValueRun, key: int) -> QuerySet[CustomerScore]:
    """The customers of a segment, most valuable first (the segment index serves it)."""
    return (
        CustomerScore.objects.filter(run=run, segment=key)
        .select_related("customer")
        .order_by("-predicted_clv", "customer_id")
    )
