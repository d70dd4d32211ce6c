"""The charts of the service-level page (kehu.crm.charts draws them): attainment of the
first-response and resolution targets over time, with the targets missed in each
period, and attainment by customer tier. Counted in SQL like the page's tables (one
grouped query by period, :mod:`sla_queries`' counts); the periods without tickets are
filled in here, a loop over at most 53 periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import plotly.graph_objects as go
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models.functions import Trunc
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.crm.charts import PALETTE, Chart, ChartTable, styled
from kehu.crm.service.queries import visible_tickets
from kehu.crm.service.sla_queries import Row, _counts


def period_kind(days: int) -> str:
    """Days for a week, weeks up to a quarter, months for longer periods."""
    if days <= 14:
        return "day"
    return "week" if days <= 120 else "month"


def period_starts(since: date, until: date, kind: str) -> list[date]:
    """Every period that meets ``[since, until]``: days, weeks from Monday, months."""
    if kind == "week":
        since -= timedelta(days=since.weekday())
    elif kind == "month":
        since = since.replace(day=1)
    starts = []
    while since <= until:
        starts.append(since)
        if kind == "day":
            since += timedelta(days=1)
        elif kind == "week":
            since += timedelta(days=7)
        else:
            since = (since.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


@dataclass(frozen=True)
class Period:
    start: date
    counts: Row

    @property
    def n_missed(self) -> int:
        """Targets missed in the period: first responses and resolutions."""
        c = self.counts
        return (c.n_response - c.n_response_met) + (c.n_resolution - c.n_resolution_met)


def fill_periods(found: dict[date, Row], starts: list[date]) -> list[Period]:
    """One period per start, with no tickets where the query found none."""
    empty = Row(
        key=None, label="", n=0, n_response=0, n_response_met=0, n_resolution=0, n_resolution_met=0
    )
    return [Period(start, found.get(start, empty)) for start in starts]


def attainment_by_period(
    user: AbstractBaseUser | AnonymousUser, *, days: int, now: datetime | None = None
) -> list[Period]:
    """The tickets ``user`` may see opened in the ``days`` before ``now`` (as the page's
    tables count them), by day, week or month opened: one grouped query."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    kind = period_kind(days)
    zone = timezone.get_current_timezone()
    tickets = visible_tickets(user).filter(
        opened_at__gte=since, opened_at__lt=now, first_response_due__isnull=False
    )
    grouped = (
        tickets.annotate(period=Trunc("opened_at", kind, tzinfo=zone))
        .values("period")
        .annotate(**_counts(now))
        .order_by("period")
    )
    found = {}
    for counts in grouped:
        start = timezone.localtime(counts.pop("period"), zone).date()
        found[start] = Row(key=start, label="", **counts)
    starts = period_starts(
        timezone.localtime(since, zone).date(), timezone.localtime(now, zone).date(), kind
    )
    return fill_periods(found, starts)


def _rate(met: int, n: int) -> float | None:
    return met / n if n else None


def _pct(share: float | None) -> str | None:
    return None if share is None else f"{100 * share:.0f}%"


def over_time_chart(periods: list[Period], kind: str) -> Chart:
    """Attainment lines (left axis) over bars of the targets missed (right axis)."""
    labels = [p.start.isoformat()[:7] if kind == "month" else p.start.isoformat() for p in periods]
    response = [_rate(p.counts.n_response_met, p.counts.n_response) for p in periods]
    resolution = [_rate(p.counts.n_resolution_met, p.counts.n_resolution) for p in periods]
    missed = [p.n_missed for p in periods]
    figure = go.Figure()
    figure.add_bar(
        x=labels,
        y=missed,
        name=_("Targets missed"),
        marker_color="rgba(213,94,0,0.35)",
        yaxis="y2",
        hovertemplate=_("%{x}: %{y:,} targets missed") + "<extra></extra>",
    )
    for name, values, colour in (
        (_("First response on time"), response, PALETTE[0]),
        (_("Resolved on time"), resolution, PALETTE[2]),
    ):
        figure.add_scatter(
            x=labels,
            y=values,
            name=name,
            mode="lines+markers",
            line={"color": colour},
            connectgaps=False,
            hovertemplate="%{x}: %{y:.0%}<extra>" + name + "</extra>",
        )
    period = {"day": _("Day opened"), "week": _("Week opened"), "month": _("Month opened")}[kind]
    figure.update_layout(
        yaxis={"title": {"text": _("On time")}, "tickformat": ".0%", "range": [0, 1.05]},
        yaxis2={
            "title": {"text": _("Targets missed")},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickmode": "auto",  # not synced to the left axis' ticks: whole numbers
            "tickformat": ",~r",
        },
        xaxis={"title": {"text": period}, "type": "category"},
    )
    return Chart(
        key="sla-over-time",
        title=_("Service-level attainment over time"),
        figure=styled(figure, legend=True),
        table=ChartTable(
            headers=[
                period,
                _("Tickets"),
                _("First response on time"),
                _("Resolved on time"),
                _("Targets missed"),
            ],
            rows=[
                [label, p.counts.n, _pct(r), _pct(s), m]
                for label, p, r, s, m in zip(
                    labels, periods, response, resolution, missed, strict=True
                )
            ],
        ),
        link=f"{reverse('service:ticket_list')}?sla=breached",
        link_label=_("Open the breached tickets"),
        summary=_(
            "Share of decided targets met, by when the tickets were opened; bars: targets missed."
        ),
        height=360,
    )


def by_tier_chart(rows: list[Row]) -> Chart | None:
    """Attainment of each target per customer tier, from the page's tier table."""
    if not rows:
        return None
    labels = [r.label for r in rows]
    figure = go.Figure()
    for name, values, colour in (
        (_("First response on time"), [r.response_rate for r in rows], PALETTE[0]),
        (_("Resolved on time"), [r.resolution_rate for r in rows], PALETTE[2]),
    ):
        figure.add_bar(
            x=labels,
            y=values,
            name=name,
            marker_color=colour,
            hovertemplate="%{x}: %{y:.0%}<extra>" + name + "</extra>",
        )
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text=_("On time"), tickformat=".0%", range=[0, 1.05])
    figure.update_xaxes(title_text=_("Customer tier"))
    return Chart(
        key="sla-by-tier",
        title=_("Attainment by customer tier"),
        figure=styled(figure, legend=True),
        table=ChartTable(
            headers=[
                _("Customer tier"),
                _("Tickets"),
                _("First response on time"),
                _("Resolved on time"),
            ],
            rows=[[r.label, r.n, _pct(r.response_rate), _pct(r.resolution_rate)] for r in rows],
        ),
    )
