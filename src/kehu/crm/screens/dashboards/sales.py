"""The sales dashboard: the user's own open pipeline by stage, revenue by month this year
against last year, deals won this month, open and overdue activities, and customers at
high churn risk. Each figure is counted on the query its list page runs (the list's own
``filtered_*`` function with the filters of the link), so the two cannot disagree.

Queries: one per figure group (pipeline, revenue, won this month, activities, customers
at risk), each one aggregate over an index, whatever the number of rows."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from kehu.crm.customers.queries import filtered_customers
from kehu.crm.performance.queries import performance
from kehu.crm.sales.models import Activity, Opportunity, Order
from kehu.crm.sales.queries import filtered_activities, filtered_opportunities, filtered_orders
from kehu.crm.screens.dashboards.base import (
    Dashboard,
    Figure,
    Panel,
    Point,
    Series,
    list_url,
    month_end,
)
from kehu.crm.screens.dashboards.receivables import receivables_panel

#: a customer is at high churn risk from this probability on (a customer list step)
HIGH_CHURN = "0.5"


def pipeline_panel(user: AbstractBaseUser) -> Panel:
    """The user's open opportunities by stage: amount, with the count the list shows."""
    rows = (
        filtered_opportunities(user, state="open", mine="1")
        .order_by()
        .values("stage")
        .annotate(n=Count("id"), amount=Coalesce(Sum("amount"), Decimal(0)))
    )
    by_stage = {row["stage"]: row for row in rows}
    points = [
        Point(
            label=label,
            value=by_stage.get(stage, {}).get("amount", Decimal(0)),
            count=by_stage.get(stage, {}).get("n", 0),
            url=list_url("sales:opportunity_list", {"stage": stage, "mine": 1}),
        )
        for stage, label in Opportunity.Stage.choices
        if stage in Opportunity.OPEN_STAGES
    ]
    return Panel(
        key="sales-pipeline",
        title=_("My open pipeline by stage"),
        kind="bar",
        series=[Series(_("Amount"), points)],
        x_title=_("Stage"),
        y_title=_("Amount"),
        money=True,
        link=list_url("sales:opportunity_list", {"state": "open", "mine": 1}),
        link_label=_("Open my open opportunities"),
    )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def _in_month(year: int, month: int) -> Q:
    start = date(year, month, 1)
    end = month_end(start) + timedelta(days=1)
    return Q(ordered_at__gte=_midnight(start), ordered_at__lt=_midnight(end))


def revenue_panel(user: AbstractBaseUser, today: date, *, mine: bool, key: str) -> Panel:
    """Net sales by month of this year and of last year (the order list's net: every
    order but the cancelled ones, returns negative), each month linking to the order
    list of that month. One query: a sum per month between local midnights, which the
    ``ordered_at`` index serves (truncating each order's time to its month is a Python
    function per row on SQLite, half a second on the 10,000-customer demo)."""
    first = date(today.year - 1, 1, 1)
    # the list's own query; its date bounds (a date cast per row on SQLite) as times
    orders = filtered_orders(user, mine="1" if mine else "").filter(
        ordered_at__gte=_midnight(first), ordered_at__lt=_midnight(today + timedelta(days=1))
    )
    months = [(year, month) for year in (today.year - 1, today.year) for month in range(1, 13)]
    sums = (
        orders.exclude(status=Order.Status.CANCELLED)
        .order_by()
        .aggregate(
            **{
                f"m{year}_{month}": Sum("total_amount", filter=_in_month(year, month))
                for year, month in months
            }
        )
    )
    net = {(y, m): sums[f"m{y}_{m}"] or Decimal(0) for y, m in months}
    series = []
    for year in (today.year - 1, today.year):
        points = []
        for month in range(1, 13):
            start = date(year, month, 1)
            future = start > today
            points.append(
                Point(
                    label=date_format(start, "M"),
                    value=net.get((year, month), Decimal(0)),
                    url=None
                    if future
                    else list_url(
                        "sales:order_list",
                        {
                            "mine": 1 if mine else "",
                            "date_from": start.isoformat(),
                            "date_to": min(month_end(start), today).isoformat(),
                        },
                    ),
                )
            )
        series.append(Series(str(year), points))
    return Panel(
        key=key,
        title=_("My revenue by month") if mine else _("Revenue by month"),
        kind="bar",
        series=series,
        x_title=_("Month"),
        y_title=_("Net sales"),
        money=True,
        link=list_url("sales:order_list", {"mine": 1 if mine else ""}),
        link_label=_("Open the orders"),
        summary=_(
            "Net sales (returns subtracted, cancelled orders left out) by month, "
            "%(this)s against %(last)s."
        )
        % {"this": today.year, "last": today.year - 1},
    )


def month_figures(user: AbstractBaseUser, today: date) -> list[Figure]:
    """Deals won since the first of the month and the revenue against the month's
    target, as staff performance counts them (:mod:`kehu.crm.performance.queries`) for
    the whole month, as the performance page this links to shows "this month" (a target
    counted only to today would read as a different attainment there)."""
    first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    mine = performance([user], first, last)[0]
    attainment = mine.attainment
    page = list_url("performance:person", {"period": "month"}, user.pk)
    return [
        Figure(
            "won-this-month",
            ngettext("Won this month (%(n)s deal)", "Won this month (%(n)s deals)", mine.n_won)
            % {"n": mine.n_won},
            mine.won_amount,
            page,
            kind="money",
        ),
        Figure(
            "target-attainment",
            _("Revenue against this month's target"),
            attainment,
            page,
            kind="share" if attainment is not None else "text",
            text="" if attainment is not None else _("No target set for this month."),
        ),
    ]


def activities_panel(user: AbstractBaseUser, now: datetime) -> tuple[Panel, int, int]:
    """The user's open activities by kind, the overdue ones apart; and the totals."""
    rows = (
        filtered_activities(user)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    )
    by_kind = {row["kind"]: row for row in rows}
    overdue, later = [], []
    for kind, label in Activity.Kind.choices:
        row = by_kind.get(kind, {"n": 0, "overdue": 0})
        overdue.append(
            Point(
                label, row["overdue"], list_url("sales:activity_list", {"overdue": 1, "kind": kind})
            )
        )
        # the list of a kind shows all its open activities, the overdue ones first
        later.append(
            Point(
                label,
                row["n"] - row["overdue"],
                list_url("sales:activity_list", {"kind": kind}),
                count=row["n"],
            )
        )
    panel = Panel(
        key="sales-activities",
        title=_("My open activities"),
        kind="stack",
        series=[Series(_("Overdue"), overdue), Series(_("Not yet due"), later)],
        x_title=_("Kind"),
        y_title=_("Activities"),
        link=list_url("sales:activity_list"),
        link_label=_("Open my activities"),
    )
    return panel, sum(r["n"] for r in rows), sum(r["overdue"] for r in rows)


def sales_dashboard(user: AbstractBaseUser, today: date | None = None) -> Dashboard:
    now = timezone.now()
    today = today or timezone.localdate(now)
    activities, n_open, n_overdue = activities_panel(user, now)
    n_at_risk = filtered_customers(user, owner="me", min_churn=HIGH_CHURN).count()
    return Dashboard(
        role="sales",
        title=pgettext("dashboard", "Sales"),
        figures=[
            *month_figures(user, today),
            Figure(
                "open-activities", _("My open activities"), n_open, list_url("sales:activity_list")
            ),
            Figure(
                "overdue-activities",
                _("Overdue activities"),
                n_overdue,
                list_url("sales:activity_list", {"overdue": 1}),
                alert=n_overdue > 0,
            ),
            Figure(
                "customers-at-risk",
                _("My customers at high churn risk"),
                n_at_risk,
                list_url("customers:list", {"owner": "me", "min_churn": HIGH_CHURN}),
                alert=n_at_risk > 0,
            ),
        ],
        panels=[
            panel
            for panel in (
                pipeline_panel(user),
                revenue_panel(user, today, mine=True, key="sales-revenue"),
                activities,
                receivables_panel(user, mine=True, key="sales-receivables"),
            )
            if panel is not None
        ],
    )
