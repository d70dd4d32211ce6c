"""Staff performance over a period, per person and in total: one grouped SQL query per
table (opportunities, activities, tickets, the median response, orders, targets),
whatever the number of people.

What each figure counts, for a person and a period (both days included):

- pipeline created: the opportunities they own that were created in the period (count
  and amount);
- won and lost: the opportunities they own closed won or lost in the period (amounts);
  win rate = won / (won + lost), by count;
- average sales cycle: days from creation to close of the deals won in the period;
- activities: of their activities due in the period, those done (done / planned);
- tickets: of the tickets assigned to them and opened in the period, the median hours to
  the first response (on the clock) and the share answered within the service level
  (of those whose target is decided: answered, or past due);
- revenue: the net total of the orders they are the sales owner of (``Order.owner``,
  set when the order is taken: a later change of the customer's owner does not move
  past revenue), placed in the period, returns counting negative, drafts and cancelled
  orders not counted;
- target: the targets set for them, each counted for the share of its days that falls
  in the period (a quarter's target counts a third in each month of it); attainment =
  revenue / target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Greatest, Least, TruncMonth
from django.utils import timezone

from kehu.crm.accounts.models import Team
from kehu.crm.accounts.roles import is_admin
from kehu.crm.performance.periods import Period, month_end, month_start, months_of
from kehu.crm.sales.models import Activity, Opportunity, Order, SalesTarget
from kehu.crm.service.models import Ticket

NOT_REVENUE = (Order.Status.DRAFT, Order.Status.CANCELLED)
CENT = Decimal("0.01")


class DaysBetween(Func):
    """Days from the second date or time to the first, as a number (fractions of a day
    for times): ``julianday`` on SQLite, the difference in seconds on PostgreSQL."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        later, earlier = (compiler.compile(e) for e in self.source_expressions)
        params = (*later[1], *earlier[1])
        if connection.vendor == "sqlite":
            return f"(julianday({later[0]}) - julianday({earlier[0]}))", params
        return f"(EXTRACT(EPOCH FROM ({later[0]}) - ({earlier[0]})) / 86400.0)::float", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        later, earlier = (compiler.compile(e) for e in self.source_expressions)
        # a date minus a date is a number of days on PostgreSQL, not an interval
        if self.source_expressions[0].output_field.get_internal_type() == "DateField":
            return f"(({later[0]}) - ({earlier[0]}))::float", (*later[1], *earlier[1])
        return self.as_sql(compiler, connection, **extra)


@dataclass(frozen=True)
class Figures:
    """One person's figures over a period (``user_id`` None: a group's total)."""

    user_id: int | None = None
    name: str = ""
    n_created: int = 0
    created_amount: Decimal = Decimal(0)
    n_won: int = 0
    won_amount: Decimal = Decimal(0)
    n_lost: int = 0
    lost_amount: Decimal = Decimal(0)
    cycle_days: float | None = None
    activities_done: int = 0
    activities_planned: int = 0
    n_tickets: int = 0
    response_hours: float | None = None  # median
    n_response: int = 0  # tickets whose first-response target is decided
    n_response_met: int = 0
    revenue: Decimal = Decimal(0)
    target: Decimal | None = None

    @property
    def win_rate(self) -> float | None:
        closed = self.n_won + self.n_lost
        return self.n_won / closed if closed else None

    @property
    def activity_rate(self) -> float | None:
        return self.activities_done / self.activities_planned if self.activities_planned else None

    @property
    def response_within_sla(self) -> float | None:
        return self.n_response_met / self.n_response if self.n_response else None

    @property
    def attainment(self) -> float | None:
        return float(self.revenue / self.target) if self.target else None


FIELDS = tuple(f.name for f in fields(Figures))


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _grouped(queryset: QuerySet[Any], key: str | None, **aggregates: Any) -> dict[Any, dict]:
    """``aggregates`` of ``queryset`` per value of ``key`` (one GROUP BY query), or over
    all of it under the key None."""
    if key is None:
        return {None: queryset.aggregate(**aggregates)}
    rows = queryset.values(key).annotate(**aggregates).order_by()
    return {row.pop(key): row for row in rows}


def _opportunities(ids: list[int], period: Period, key: str | None) -> dict[Any, dict]:
    within = {"created_at__gte": period.since, "created_at__lt": period.until}
    created = Q(**within)
    closed = Q(closed_at__gte=period.since, closed_at__lt=period.until)
    won, lost = closed & Q(stage=Opportunity.Stage.WON), closed & Q(stage=Opportunity.Stage.LOST)
    return _grouped(
        Opportunity.objects.filter(created | closed, owner_id__in=ids),
        key and "owner_id",
        n_created=Count("id", filter=created),
        created_amount=Sum("amount", filter=created),
        n_won=Count("id", filter=won),
        won_amount=Sum("amount", filter=won),
        n_lost=Count("id", filter=lost),
        lost_amount=Sum("amount", filter=lost),
        cycle_days=Avg(DaysBetween("closed_at", "created_at"), filter=won),
    )


def _activities(ids: list[int], period: Period, key: str | None) -> dict[Any, dict]:
    return _grouped(
        Activity.objects.filter(
            owner_id__in=ids, due_at__gte=period.since, due_at__lt=period.until
        ),
        key and "owner_id",
        activities_planned=Count("id"),
        activities_done=Count("id", filter=Q(completed_at__isnull=False)),
    )


def _tickets(ids: list[int], period: Period, key: str | None, now: datetime) -> dict[Any, dict]:
    met = Q(first_response_at__lte=F("first_response_due"))
    missed = Q(first_response_at__gt=F("first_response_due")) | Q(
        first_response_at__isnull=True, first_response_due__lte=now
    )
    return _grouped(
        _tickets_of(ids, period),
        key and "assignee_id",
        n_tickets=Count("id"),
        n_response=Count("id", filter=met | missed),
        n_response_met=Count("id", filter=met),
    )


def _tickets_of(ids: list[int], period: Period) -> QuerySet[Ticket]:
    return Ticket.objects.filter(
        assignee_id__in=ids, opened_at__gte=period.since, opened_at__lt=period.until
    )


def _median_response_hours(ids: list[int], period: Period, key: str | None) -> dict[Any, dict]:
    """The median hours from opening to first response, per assignee (or overall): the
    middle one or two of each group's answered tickets, ranked by a window function."""
    answered = _tickets_of(ids, period).filter(first_response_at__isnull=False)
    hours = (
        answered.annotate(
            hours=ExpressionWrapper(
                DaysBetween("first_response_at", "opened_at") * Value(24.0),
                output_field=FloatField(),
            )
        )
        .values("assignee_id", "hours")
        .order_by()
    )
    inner, params = hours.query.sql_with_params()
    group = "assignee_id" if key else "0"
    sql = f"""
        SELECT grp, AVG(hours) FROM (
            SELECT {group} AS grp, hours,
                   ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY hours) AS rn,
                   COUNT(*) OVER (PARTITION BY {group}) AS n
            FROM ({inner}) answered
        ) ranked
        WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
        GROUP BY grp"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {(grp if key else None): {"response_hours": float(median)} for grp, median in rows}


def _orders(ids: list[int], period: Period, key: str | None) -> dict[Any, dict]:
    return _grouped(
        Order.objects.filter(
            owner_id__in=ids, ordered_at__gte=period.since, ordered_at__lt=period.until
        ).exclude(status__in=NOT_REVENUE),
        key and "owner_id",
        revenue=Sum("total_amount"),
    )


def prorated_target(start: date, end: date) -> Sum:
    """The sum of the targets' amounts, each for the share of its days within ``start``
    to ``end`` (both included): for a query set of the targets that overlap them."""
    overlap = DaysBetween(Least("period_end", Value(end)), Greatest("period_start", Value(start)))
    length = DaysBetween("period_end", "period_start")
    share = ExpressionWrapper(
        F("amount") * (overlap + Value(1.0)) / (length + Value(1.0)),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    return Sum(share, filter=Q(period_start__lte=end, period_end__gte=start))


def _targets(ids: list[int], period: Period, key: str | None) -> dict[Any, dict]:
    return _grouped(
        SalesTarget.objects.filter(
            user_id__in=ids, period_start__lte=period.end, period_end__gte=period.start
        ),
        key and "user_id",
        target=prorated_target(period.start, period.end),
    )


def _figures(user_id: int | None, name: str, parts: Iterable[dict[Any, dict]]) -> Figures:
    values: dict[str, Any] = {}
    for part in parts:
        values.update(part.get(user_id, {}))
    figures = Figures(
        user_id=user_id,
        name=name,
        **{field: value for field, value in values.items() if value is not None},
    )
    return replace(
        figures,
        created_amount=_money(figures.created_amount),
        won_amount=_money(figures.won_amount),
        lost_amount=_money(figures.lost_amount),
        revenue=_money(figures.revenue),
        target=_money(figures.target) if figures.target else None,
    )


def _parts(
    ids: list[int], period: Period, key: str | None, now: datetime | None
) -> list[dict[Any, dict]]:
    return [
        _opportunities(ids, period, key),
        _activities(ids, period, key),
        _tickets(ids, period, key, now or timezone.now()),
        _median_response_hours(ids, period, key),
        _orders(ids, period, key),
        _targets(ids, period, key),
    ]


def _people(users: Iterable[AbstractBaseUser] | QuerySet[Any]) -> list[tuple[int, str]]:
    if isinstance(users, QuerySet):
        return list(users.values_list("pk", "username"))
    return [(u.pk, u.get_username()) for u in users]


def performance(
    users: Iterable[AbstractBaseUser] | QuerySet[Any],
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> list[Figures]:
    """Each of ``users``' figures from ``start`` to ``end`` (both included), in the
    order given: seven queries in all (see the module docstring for what each counts).
    ``now`` decides which unanswered tickets are past their due time."""
    people = _people(users)
    period = Period("custom", start, end)
    parts = _parts([pk for pk, _name in people], period, "user", now)
    return [_figures(pk, name, parts) for pk, name in people]


def totals(
    users: Iterable[AbstractBaseUser] | QuerySet[Any],
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> Figures:
    """The figures of ``users`` together (the team's row): counts and amounts summed,
    rates of the sums, the median over all their tickets."""
    ids = [pk for pk, _name in _people(users)]
    return _figures(None, "", _parts(ids, Period("custom", start, end), None, now))


def visible_people(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Any]:
    """The active people ``user`` may see the figures of: everyone for an
    administrator; otherwise themselves and the members of the teams they manage."""
    people = get_user_model().objects.filter(is_active=True)
    if not user.is_authenticated:
        return people.none()
    if is_admin(user):
        return people
    return people.filter(Q(pk=user.pk) | Q(profile__team__manager=user)).distinct()


def may_see(viewer: AbstractBaseUser | AnonymousUser, person: AbstractBaseUser) -> bool:
    return visible_people(viewer).filter(pk=person.pk).exists()


def manages(viewer: AbstractBaseUser | AnonymousUser, team: Team) -> bool:
    """Whether ``viewer`` sets the targets of ``team``'s members: its manager, or an
    administrator."""
    return viewer.is_authenticated and (is_admin(viewer) or team.manager_id == viewer.pk)


@dataclass(frozen=True)
class Month:
    start: date
    created_amount: Decimal
    n_created: int
    n_won: int
    n_lost: int
    revenue: Decimal
    target: Decimal | None

    @property
    def win_rate(self) -> float | None:
        closed = self.n_won + self.n_lost
        return self.n_won / closed if closed else None

    @property
    def attainment(self) -> float | None:
        return float(self.revenue / self.target) if self.target else None


def _by_month(queryset: QuerySet[Any], field: str, **aggregates: Any) -> dict[date, dict]:
    rows = queryset.annotate(month=TruncMonth(field)).values("month").annotate(**aggregates)
    return {_as_date(row.pop("month")): row for row in rows.order_by()}


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def monthly(person: AbstractBaseUser, start: date, end: date) -> list[Month]:
    """``person``'s figures month by month from ``start``'s month to ``end``'s: pipeline
    created, deals won and lost, revenue and target (four queries)."""
    months = months_of(start, end)
    period = Period("custom", months[0], month_end(months[-1]))
    in_period = {"__gte": period.since, "__lt": period.until}
    opportunities = Opportunity.objects.filter(owner=person)
    created = _by_month(
        opportunities.filter(**{f"created_at{k}": v for k, v in in_period.items()}),
        "created_at",
        n_created=Count("id"),
        created_amount=Sum("amount"),
    )
    closed = _by_month(
        opportunities.filter(**{f"closed_at{k}": v for k, v in in_period.items()}),
        "closed_at",
        n_won=Count("id", filter=Q(stage=Opportunity.Stage.WON)),
        n_lost=Count("id", filter=Q(stage=Opportunity.Stage.LOST)),
    )
    revenue = _by_month(
        Order.objects.filter(
            owner=person, **{f"ordered_at{k}": v for k, v in in_period.items()}
        ).exclude(status__in=NOT_REVENUE),
        "ordered_at",
        revenue=Sum("total_amount"),
    )
    targets = SalesTarget.objects.filter(
        user=person, period_start__lte=period.end, period_end__gte=period.start
    ).aggregate(**{f"m{i}": prorated_target(m, month_end(m)) for i, m in enumerate(months)})
    return [
        Month(
            start=m,
            created_amount=_money(created.get(m, {}).get("created_amount")),
            n_created=created.get(m, {}).get("n_created", 0),
            n_won=closed.get(m, {}).get("n_won", 0),
            n_lost=closed.get(m, {}).get("n_lost", 0),
            revenue=_money(revenue.get(m, {}).get("revenue")),
            target=_money(targets[f"m{i}"]) if targets[f"m{i}"] else None,
        )
        for i, m in enumerate(months)
    ]


def chart_months(period: Period, n: int = 12) -> tuple[date, date]:
    """The months a person's charts show: the period's, and at least the ``n`` months
    up to its end."""
    return min(month_start(period.end, n - 1), period.start), period.end
