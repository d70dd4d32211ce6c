"""The charts of an event's results page; each point opens the list behind it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kehu.crm.attendance.models import EventCost
from kehu.crm.attendance.results import RATINGS, EventResults
from kehu.crm.charts import PALETTE, Chart, ChartTable, link_points, styled

# the costs in colours of their own: purple, vermillion, orange, yellow, black, grey; the
# revenue in sky blue (booths) and green (orders), the pipeline in blue
COST_COLOURS = (PALETTE[3], PALETTE[5], PALETTE[1], PALETTE[6], PALETTE[7], "#999999")


def _money(value: Any) -> str:
    return number_format(Decimal(value or 0), 2, force_grouping=True)


def _list_url(results: EventResults, what: str, **params: Any) -> str:
    url = reverse("events:results_list", args=[results.event.pk, what])
    query = "&".join(f"{k}={v}" for k, v in {"days": results.days, **params}.items())
    return f"{url}?{query}"


def funnel_chart(results: EventResults) -> Chart:
    """Invited, registered, checked in: a bar each, opening the participants."""
    steps = [
        ("invited", _("Invited")),
        ("registered", _("Registered")),
        ("checked_in", _("Checked in")),
    ]
    labels = [str(label) for _key, label in steps]
    counts = [results.funnel[key] for key, _label in steps]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=counts,
            marker_color=[PALETTE[4], PALETTE[0], PALETTE[2]],
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    link_points(figure.data[0], [_list_url(results, "participants", stage=k) for k, _l in steps])
    figure.update_yaxes(title_text=_("Participants"), rangemode="tozero")
    return Chart(
        key="event-funnel",
        title=_("From invitation to the door"),
        figure=styled(figure, legend=False),
        table=ChartTable(
            headers=[_("Step"), _("Participants")],
            rows=[list(p) for p in zip(labels, counts, strict=True)],
        ),
        height=280,
    )


def satisfaction_chart(results: EventResults) -> Chart:
    """How many gave each rating; a bar opens their answers."""
    s = results.satisfaction
    counts = [s.by_rating[r] for r in RATINGS]
    labels = [str(r) for r in RATINGS]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=counts,
            marker_color=PALETTE[1],
            hovertemplate=_("Rating %{x}: %{y}") + "<extra></extra>",
        )
    )
    link_points(figure.data[0], [_list_url(results, "responses", rating=r) for r in RATINGS])
    figure.update_xaxes(title_text=_("Rating (1 = poor, 5 = excellent)"), type="category")
    figure.update_yaxes(title_text=_("Answers"), rangemode="tozero")
    summary = (
        _("Mean %(mean)s of 5 from %(n)s answers.") % {"mean": number_format(s.mean, 2), "n": s.n}
        if s.mean is not None
        else _("No answers yet.")
    )
    return Chart(
        key="event-satisfaction",
        title=_("Satisfaction"),
        figure=styled(figure, legend=False),
        table=ChartTable(
            headers=[_("Rating"), _("Answers")],
            rows=[list(p) for p in zip(labels, counts, strict=True)],
        ),
        link=_list_url(results, "responses"),
        link_label=_("Open the answers"),
        summary=summary,
        height=280,
    )


def money_chart(results: EventResults) -> Chart:
    """The costs by category beside the revenue and the pipeline, stacked."""
    cost_x, revenue_x, pipeline_x = str(_("Cost")), str(_("Revenue")), str(_("Pipeline"))
    figure = go.Figure()
    costs_url = reverse("events:results", args=[results.event.pk]) + "#costs"
    rows: list[list[Any]] = []
    colours = dict(zip(EventCost.Category.values, COST_COLOURS, strict=True))
    for category, label, amount in results.costs:
        trace = go.Bar(
            name=str(label),
            x=[cost_x],
            y=[float(amount)],
            marker_color=colours[category],
            hovertemplate=f"{label}: %{{y:,.2f}}<extra></extra>",
        )
        figure.add_trace(link_points(trace, [costs_url]))
        rows.append([cost_x, str(label), _money(amount)])
    parts = [
        (revenue_x, _("Booth income"), results.booth_income, PALETTE[4], None),  # sky blue
        (
            revenue_x,
            _("Orders after the event"),
            results.orders["revenue"],
            PALETTE[2],
            _list_url(results, "orders"),
        ),
        (
            pipeline_x,
            _("Open opportunities"),
            results.pipeline["open"],
            PALETTE[0],
            _list_url(results, "opportunities"),
        ),
    ]
    booths = reverse("events:booths", args=[results.event.pk]) if results.n_booths else None
    for x, label, amount, colour, url in parts:
        trace = go.Bar(
            name=str(label),
            x=[x],
            y=[float(amount)],
            marker_color=colour,
            hovertemplate=f"{label}: %{{y:,.2f}}<extra></extra>",
        )
        figure.add_trace(link_points(trace, [url or booths]))
        rows.append([x, str(label), _money(amount)])
    figure.update_layout(barmode="stack", legend_traceorder="normal")
    figure.update_yaxes(title_text=_("Amount"), rangemode="tozero")
    roi = results.roi
    summary = (
        _("Return on the event's cost: %(roi)s%%.") % {"roi": number_format(round(roi * 100))}
        if roi is not None
        else _("Enter the event's costs to see its return.")
    )
    return Chart(
        key="event-money",
        title=_("Cost against revenue and pipeline"),
        figure=styled(figure),
        table=ChartTable(headers=[_("Bar"), _("Part"), _("Amount")], rows=rows),
        summary=summary,
        height=380,
    )
