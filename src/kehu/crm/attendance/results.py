"""What an event gave: the funnel (invited, registered, checked in), the satisfaction
survey, the costs by category against the revenue (booth income, and the orders of the
customers who came, within :data:`WINDOW_DAYS` after the event) and the pipeline
(opportunities opened for them in that window, leads captured at the event and
converted), and the ROI. Each figure is one aggregate query, whatever the event's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kehu.crm.attendance.followup import attended
from kehu.crm.attendance.models import Booth, EventCost, FollowUp, Participant, SurveyResponse
from kehu.crm.events.models import Event
from kehu.crm.leads.models import Lead
from kehu.crm.sales.models import Opportunity, Order

#: days after the event's last day in which the orders and opportunities of the customers
#: who came count as the event's (the results page can be asked for another window)
WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 730
RATINGS = (1, 2, 3, 4, 5)
#: orders that count as revenue (a draft is not one yet, a cancelled one no more)
NOT_REVENUE = (Order.Status.DRAFT, Order.Status.CANCELLED)
BOOKED = (Booth.Status.BOOKED, Booth.Status.ASSIGNED)
ZERO = Decimal(0)


def window(event: Event, days: int = WINDOW_DAYS) -> tuple[datetime, datetime]:
    """From the start of the event's first day to the end of ``days`` after its last."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(event.starts_on, time.min, tzinfo=tz)
    end = datetime.combine(event.ends_on + timedelta(days=days + 1), time.min, tzinfo=tz)
    return start, end


def customers_who_came(event: Event) -> QuerySet[Any]:
    """The customer ids of the participants who came (a subquery)."""
    return (
        event.participants.filter(attended(), customer__isnull=False)
        .order_by()
        .values("customer_id")
    )


def revenue_orders(event: Event, days: int = WINDOW_DAYS) -> QuerySet[Order]:
    """The orders counted as the event's revenue."""
    start, end = window(event, days)
    return Order.objects.filter(
        customer_id__in=customers_who_came(event), ordered_at__gte=start, ordered_at__lt=end
    ).exclude(status__in=NOT_REVENUE)


def pipeline_opportunities(event: Event, days: int = WINDOW_DAYS) -> QuerySet[Opportunity]:
    """The opportunities opened for the customers who came, in the window."""
    start, end = window(event, days)
    return Opportunity.objects.filter(
        customer_id__in=customers_who_came(event), created_at__gte=start, created_at__lt=end
    )


def event_leads(event: Event) -> QuerySet[Lead]:
    """The leads captured at the event (its registrants who matched no customer)."""
    return Lead.objects.filter(
        pk__in=event.participants.filter(lead__isnull=False).order_by().values("lead_id")
    )


def funnel_participants(event: Event, stage: str) -> QuerySet[Participant]:
    """The participants behind a step of the funnel."""
    rows = event.participants.all()
    if stage == "registered":
        return rows.filter(registered_at__isnull=False)
    if stage == "checked_in":
        return rows.filter(checked_in_at__isnull=False)
    return rows


def responses(event: Event) -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.filter(participant__event=event)


@dataclass
class Satisfaction:
    n: int = 0
    invited: int = 0
    mean: float | None = None
    by_rating: dict[int, int] = field(default_factory=dict)
    would_return: int = 0

    @property
    def response_rate(self) -> float | None:
        return self.n / self.invited if self.invited else None

    @property
    def would_return_share(self) -> float | None:
        return self.would_return / self.n if self.n else None

    @property
    def would_return_pct(self) -> float | None:
        share = self.would_return_share
        return None if share is None else 100 * share


@dataclass
class EventResults:
    event: Event
    days: int
    start: date
    end: date
    funnel: dict[str, int]
    satisfaction: Satisfaction
    costs: list[tuple[str, Any, Decimal]]  # category, its label, amount
    booth_income: Decimal
    n_booths: int
    orders: dict[str, Any]  # n, customers, revenue
    pipeline: dict[str, Any]  # n, total, open, won (amounts)
    leads: dict[str, int]  # captured, converted
    follow_up: FollowUp | None

    @property
    def cost(self) -> Decimal:
        return sum((amount for _c, _l, amount in self.costs), ZERO)

    @property
    def revenue(self) -> Decimal:
        return self.booth_income + self.orders["revenue"]

    @property
    def roi(self) -> float | None:
        """(revenue - cost) / cost; None without a cost."""
        if not self.cost:
            return None
        return float((self.revenue - self.cost) / self.cost)

    @property
    def roi_pct(self) -> float | None:
        return None if self.roi is None else 100 * self.roi


def _funnel(event: Event) -> tuple[dict[str, int], int]:
    counts = event.participants.aggregate(
        invited=Count("pk"),
        registered=Count("pk", filter=Q(registered_at__isnull=False)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        surveyed=Count("pk", filter=Q(survey_sent_at__isnull=False)),
    )
    surveyed = counts.pop("surveyed")
    return counts, surveyed


def _satisfaction(event: Event, invited: int) -> Satisfaction:
    rows = responses(event).values("rating", "would_return").annotate(n=Count("pk")).order_by()
    result = Satisfaction(invited=invited, by_rating=dict.fromkeys(RATINGS, 0))
    total = 0
    for row in rows:
        result.by_rating[row["rating"]] += row["n"]
        result.n += row["n"]
        result.would_return += row["n"] if row["would_return"] else 0
        total += row["rating"] * row["n"]
    result.invited = max(invited, result.n)
    result.mean = total / result.n if result.n else None
    return result


def _costs(event: Event) -> list[tuple[str, Any, Decimal]]:
    sums = dict(
        EventCost.objects.filter(event=event)
        .values("category")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("category", "total")
    )
    return [(c.value, c.label, sums[c.value]) for c in EventCost.Category if c.value in sums]


def event_results(event: Event, days: int = WINDOW_DAYS) -> EventResults:
    """The event's results, ``days`` after it (eight queries)."""
    funnel, surveyed = _funnel(event)
    booths = Booth.objects.filter(event=event, status__in=BOOKED).aggregate(
        income=Sum("price"), n=Count("pk")
    )
    orders = revenue_orders(event, days).aggregate(
        n=Count("pk", filter=Q(kind=Order.Kind.SALE)),
        customers=Count("customer", distinct=True),
        revenue=Sum("total_amount"),
    )
    orders["revenue"] = orders["revenue"] or ZERO
    pipeline = pipeline_opportunities(event, days).aggregate(
        n=Count("pk"),
        total=Sum("amount"),
        open=Sum("amount", filter=Q(stage__in=Opportunity.OPEN_STAGES)),
        won=Sum("amount", filter=Q(stage=Opportunity.Stage.WON)),
    )
    for key in ("total", "open", "won"):
        pipeline[key] = pipeline[key] or ZERO
    leads = event_leads(event).aggregate(
        captured=Count("pk"), converted=Count("pk", filter=Q(status=Lead.Status.CONVERTED))
    )
    _start, end = window(event, days)
    return EventResults(
        event=event,
        days=days,
        start=event.starts_on,
        end=(end - timedelta(days=1)).date(),
        funnel=funnel,
        satisfaction=_satisfaction(event, surveyed),
        costs=_costs(event),
        booth_income=booths["income"] or ZERO,
        n_booths=booths["n"],
        orders=orders,
        pipeline=pipeline,
        leads=leads,
        follow_up=FollowUp.objects.filter(event=event).select_related("campaign").first(),
    )
