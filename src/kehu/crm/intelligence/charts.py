"""The charts of the intelligence pages (kehu.crm.charts draws them): the value pyramid,
the Pareto curve, cohort retention, the P(alive) and CLV distributions, the segments'
size against value, each segment's traits, the main churn reasons and the sales
forecast. Each chart's table is the same data for those who cannot see the plot; the
tables of the page stay as they were. Bars lead to the customer list filtered by what
they count, on the latest run only (the list shows the current scores)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kehu.crm.charts import (
    PALETTE,
    SEQUENTIAL,
    Chart,
    ChartTable,
    link_points,
    plotly_text,
    styled,
)
from kehu.crm.intelligence import chart_data
from kehu.crm.intelligence.chart_data import Bar, ParetoCurve
from kehu.crm.intelligence.labels import label
from kehu.crm.intelligence.mining_labels import feature_name
from kehu.crm.intelligence.models import Segment, ValueRun
from kehu.crm.intelligence.templatetags.intelligence import segment_label


def _pct(share: float | None, digits: int = 1) -> str:
    return "" if share is None else f"{100 * share:.{digits}f}%"


def _decimal(value: float) -> str:
    """0.3 -> "0.3", 20.0 -> "20", 1e-05 -> "0.00001": as the list's filters read it."""
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def customers_url(**filters: Any) -> str:
    return f"{reverse('customers:list')}?{urlencode(filters)}"


def pyramid_chart(tiers: list[dict[str, Any]], linked: bool) -> Chart:
    """The value pyramid: per tier (top tier on top), its share of customers to the left
    and its share of spend to the right, so the widest tier sits at the bottom."""
    names = [str(label(t["tier"])) for t in tiers]
    hover = _(
        "%(tier)s: %(n)s customers (%(customers)s), %(spend)s of spend, %(clv)s of predicted CLV"
    )
    texts = [
        hover
        % {
            "tier": name,
            "n": f"{t['n']:,}",
            "customers": _pct(t["customer_share"]),
            "spend": _pct(t["spend_share"]),
            "clv": _pct(t["clv_share"]),
        }
        for name, t in zip(names, tiers, strict=True)
    ]
    left = go.Bar(
        y=names,
        x=[-t["customer_share"] for t in tiers],
        orientation="h",
        name=_("Share of customers"),
        marker_color=PALETTE[0],
        text=[_pct(t["customer_share"]) for t in tiers],
        textposition="auto",  # inside a wide bar, clear of the tier names
        cliponaxis=False,
        hovertext=texts,
        hoverinfo="text",
    )
    right = go.Bar(
        y=names,
        x=[t["spend_share"] for t in tiers],
        orientation="h",
        name=_("Share of spend"),
        marker_color=PALETTE[1],
        text=[_pct(t["spend_share"]) for t in tiers],
        textposition="auto",  # inside a wide bar, clear of the tier names
        cliponaxis=False,
        hovertext=texts,
        hoverinfo="text",
    )
    if linked:
        urls = [customers_url(tier=t["tier"]) for t in tiers]
        link_points(left, urls)
        link_points(right, urls)
    widest = max([t["customer_share"] for t in tiers] + [t["spend_share"] for t in tiers] + [0.1])
    ticks = [-1.0, -0.5, 0.0, 0.5, 1.0] if widest > 0.5 else [-0.5, -0.25, 0.0, 0.25, 0.5]
    ticks = [v for v in ticks if abs(v) <= widest * 1.45]
    figure = go.Figure([left, right])
    figure.update_layout(barmode="relative", bargap=0.15)
    figure.update_yaxes(categoryorder="array", categoryarray=names[::-1])
    figure.update_xaxes(
        range=[-widest * 1.45, widest * 1.45],
        tickvals=ticks,
        ticktext=[_pct(abs(v), 0) for v in ticks],
        title_text=_("← share of customers · share of spend →"),
    )
    return Chart(
        key="value-pyramid",
        title=_("Customers and spend by tier"),
        figure=styled(figure),
        table=ChartTable(
            headers=[
                _("Tier"),
                _("Customers"),
                _("Share of customers"),
                _("Share of spend"),
                _("Share of predicted CLV"),
            ],
            rows=[
                [
                    name,
                    t["n"],
                    _pct(t["customer_share"]),
                    _pct(t["spend_share"]),
                    _pct(t["clv_share"]),
                ]
                for name, t in zip(names, tiers, strict=True)
            ],
        ),
        link=customers_url(sort="-value") if linked else None,
        link_label=_("Open the customers by value"),
        summary=_("Click a tier to open its customers.") if linked else None,
    )


def pareto_chart(curve: ParetoCurve, top20: float | None = None) -> Chart | None:
    """Share of customers (most valuable first) against their cumulative share of spend,
    with the diagonal of equal spend and the 20% point marked."""
    if curve.top20 is None:
        return None
    # the run's own figure where it stored one (exact at any number of customers)
    top20 = curve.top20 if top20 is None else top20
    figure = go.Figure()
    figure.add_scatter(
        x=curve.customers,
        y=curve.value,
        mode="lines",
        name=_("Share of spend"),
        hovertemplate=_("top %{x:.0%} of customers: %{y:.1%} of spend") + "<extra></extra>",
    )
    figure.add_scatter(
        x=[0, 1],
        y=[0, 1],
        mode="lines",
        name=_("Equal spend"),
        line={"dash": "dot", "color": "#999"},
        hoverinfo="skip",
    )
    figure.add_scatter(
        x=[0.2],
        y=[top20],
        mode="markers+text",
        name=_("Top 20%"),
        marker={"size": 10, "color": PALETTE[5]},
        text=[_("top 20%%: %(share)s") % {"share": _pct(top20, 0)}],
        textposition="middle right",
        hovertemplate=_("top 20%% of customers: %(share)s of spend") % {"share": _pct(top20)}
        + "<extra></extra>",
    )
    figure.update_xaxes(
        title_text=_("Share of customers, most valuable first"), tickformat=".0%", range=[0, 1]
    )
    figure.update_yaxes(
        title_text=_("Cumulative share of spend"), tickformat=".0%", range=[0, 1.02]
    )
    rows = [[_pct(x, 0), _pct(y)] for x, y in chart_data.curve_steps(curve)]
    return Chart(
        key="pareto",
        title=_("Pareto curve of customer spend"),
        figure=styled(figure, legend=False),
        table=ChartTable(headers=[_("Top share of customers"), _("Share of spend")], rows=rows),
        summary=_("The top 20%% of customers make %(share)s of spend.") % {"share": _pct(top20)},
    )


def cohort_chart(cohorts: dict[str, Any]) -> Chart | None:
    """Retention as a heatmap: one row per monthly cohort (newest at the bottom), one
    column per month after acquisition, the share buying again in it."""
    rows = cohorts.get("rows") or []
    if not rows:
        return None
    months = [f"+{m}" for m in cohorts["months"]]
    names = [f"{r['cohort']} ({r['size']:,})" for r in rows]
    z = [r["shares"] for r in rows]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=names,
            colorscale=[list(stop) for stop in SEQUENTIAL],
            zmin=0,
            colorbar={"tickformat": ".0%", "thickness": 12},
            hovertemplate=_("cohort %{y}, month %{x}: %{z:.1%} bought again") + "<extra></extra>",
            hoverongaps=False,
        )
    )
    figure.update_yaxes(autorange="reversed", title_text=_("Cohort (customers)"), type="category")
    figure.update_xaxes(
        title_text=_("Months after the first purchase"), side="top", type="category"
    )
    figure.update_layout(margin={"t": 56})
    return Chart(
        key="cohorts",
        title=_("Cohort retention"),
        figure=styled(figure),
        table=ChartTable(
            headers=[_("Cohort"), _("Customers"), *months],
            rows=[[r["cohort"], r["size"], *[_pct(s, 0) for s in r["shares"]]] for r in rows],
        ),
        summary=_(
            "Share of each monthly cohort buying again in each month after acquisition; "
            "blank: not reached yet."
        ),
        height=max(320, 60 + 22 * len(rows)),
    )


def _bar_label(bar: Bar, share: bool) -> str:
    if share:
        return f"{bar.low:.1f}–{bar.high:.1f}" if bar.high is not None else f"≥ {bar.low:.1f}"
    if bar.high is None:
        return f"≥ {bar.low:,.0f}"
    return f"{bar.low:,.0f}–{bar.high:,.0f}"


def distribution_chart(key: str, bars: list[Bar], *, share: bool, linked: bool) -> Chart | None:
    """A histogram of P(alive) (``share``) or predicted CLV; each bar opens the customers
    at least at its low end, lowest first (the list filters from a minimum)."""
    if not bars:
        return None
    names = [_bar_label(b, share) for b in bars]
    trace = go.Bar(
        x=names,
        y=[b.n for b in bars],
        marker_color=PALETTE[2] if share else PALETTE[0],
        hovertemplate=_("%{x}: %{y:,} customers") + "<extra></extra>",
    )
    param, sort = ("min_p_alive", "p_alive") if share else ("min_clv", "clv")
    if linked:
        link_points(trace, [customers_url(**{param: _decimal(b.low), "sort": sort}) for b in bars])
    figure = go.Figure(trace)
    title = _("P(alive)") if share else _("Predicted CLV")
    figure.update_xaxes(title_text=title, type="category")
    figure.update_yaxes(title_text=_("Customers"))
    return Chart(
        key=key,
        title=_("Distribution of P(alive)") if share else _("Distribution of predicted CLV"),
        figure=styled(figure, legend=False),
        table=ChartTable(
            headers=[title, _("Customers")],
            rows=[[n, b.n] for n, b in zip(names, bars, strict=True)],
        ),
        summary=_("Click a bar to open the customers from that value up.") if linked else None,
    )


def segments_chart(segments: list[Segment], *, to_list: bool = True) -> Chart | None:
    """Per segment: its share of customers beside its share of value; a segment's bars
    open its page (and the chart the segment list, ``to_list``)."""
    if not segments:
        return None
    names = [segment_label(s) for s in segments]
    # a user's names may repeat (one bar each) and hold "<" (Plotly reads tags in text)
    axis = [
        plotly_text(f"{n} #{s.key}" if names.count(n) > 1 else n)
        for n, s in zip(names, segments, strict=True)
    ]
    urls = [reverse("intelligence:segment", args=[s.key]) for s in segments]
    figure = go.Figure()
    for name, values, colour in (
        (_("Share of customers"), [s.share for s in segments], PALETTE[0]),
        (_("Share of value"), [s.value_share for s in segments], PALETTE[1]),
    ):
        trace = go.Bar(
            y=axis,
            x=values,
            name=name,
            orientation="h",
            marker_color=colour,
            hovertemplate="%{y}: %{x:.1%}<extra>" + name + "</extra>",
        )
        figure.add_trace(link_points(trace, urls))
    figure.update_layout(barmode="group", legend={"traceorder": "normal"})
    figure.update_xaxes(tickformat=".0%", title_text=_("Share"))
    figure.update_yaxes(autorange="reversed")
    return Chart(
        key="segments",
        title=_("Segments: size against value"),
        figure=styled(figure, legend=True),
        table=ChartTable(
            headers=[_("Segment"), _("Customers"), _("Share of customers"), _("Share of value")],
            rows=[
                [n, s.size, _pct(s.share), _pct(s.value_share)]
                for n, s in zip(names, segments, strict=True)
            ],
        ),
        link=reverse("intelligence:segments") if to_list else None,
        link_label=_("All segments and their profiles"),
        summary=_("Click a segment to open its profile."),
        height=max(320, 110 + 44 * len(segments)),
    )


def _median(feature: str, value: float | None) -> str:
    if value is None:
        return "–"
    if "share" in feature or ": " in feature:
        return _pct(value, 0)
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def traits_chart(segment: Segment) -> Chart | None:
    """What sets a segment apart: per trait, how many standard deviations its median lies
    from every customer's (right: more, left: less)."""
    traits = list(segment.traits or [])
    if not traits:
        return None
    traits.sort(key=lambda t: t["z"])
    names = [feature_name(t["feature"]) for t in traits]
    texts = [
        _("%(feature)s: median %(segment)s vs %(overall)s for all customers")
        % {
            "feature": n,
            "segment": _median(t["feature"], t["segment"]),
            "overall": _median(t["feature"], t["overall"]),
        }
        for n, t in zip(names, traits, strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            y=names,
            x=[t["z"] for t in traits],
            orientation="h",
            marker_color=[PALETTE[0] if t["z"] >= 0 else PALETTE[5] for t in traits],
            hovertext=texts,
            hoverinfo="text",
        )
    )
    figure.update_xaxes(title_text=_("Standard deviations from all customers"), zeroline=True)
    return Chart(
        key="segment-traits",
        title=_("Traits against all customers"),
        figure=styled(figure, legend=False),
        table=ChartTable(
            headers=[
                _("Feature"),
                _("Segment median"),
                _("All customers"),
                _("Standard deviations"),
            ],
            rows=[
                [
                    n,
                    _median(t["feature"], t["segment"]),
                    _median(t["feature"], t["overall"]),
                    round(t["z"], 2),
                ]
                for n, t in zip(names, traits, strict=True)
            ],
        ),
        height=max(220, 80 + 36 * len(traits)),
    )


def churn_chart(counts: list[tuple[str, int]], linked: bool, top: int = 8) -> Chart | None:
    """The main churn reason of the customers at risk: how many have each feature first."""
    if not counts:
        return None
    shown = counts[:top]
    names = [feature_name(f) for f, _n in shown][::-1]
    figure = go.Figure(
        go.Bar(
            y=names,
            x=[n for _f, n in shown][::-1],
            orientation="h",
            marker_color=PALETTE[5],
            hovertemplate=_("%{y}: main reason for %{x:,} customers") + "<extra></extra>",
        )
    )
    figure.update_xaxes(title_text=_("Customers at risk"))
    risk = _pct(chart_data.AT_RISK, 0)
    return Chart(
        key="churn-reasons",
        title=_("Main churn reasons"),
        figure=styled(figure, legend=False),
        table=ChartTable(
            headers=[_("Main reason"), _("Customers at risk")],
            rows=[[feature_name(f), n] for f, n in counts],
        ),
        link=customers_url(min_churn=f"{chart_data.AT_RISK:g}", sort="-churn") if linked else None,
        link_label=_("Open the customers at risk"),
        summary=_(
            "Customers with a churn risk of %(risk)s or more, by the feature that raises "
            "their risk most."
        )
        % {"risk": risk},
        height=max(240, 80 + 30 * len(shown)),
    )


def forecast_chart(series: dict[str, Any]) -> Chart:
    """Monthly sales: the actual months, then the forecast with its 80% interval."""
    rows = chart_data.forecast_rows(series)
    past = [r for r in rows if r["actual"] is not None]
    ahead = [r for r in rows if r["forecast"] is not None]
    # the forecast line starts at the last actual month, so the two lines join
    joint = past[-1:]
    months = [r["month"] for r in joint + ahead]
    low = [r["actual"] for r in joint] + [r["low"] for r in ahead]
    high = [r["actual"] for r in joint] + [r["high"] for r in ahead]
    band = _("80% interval")
    figure = go.Figure()
    figure.add_scatter(
        x=months, y=high, mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False
    )
    figure.add_scatter(
        x=months,
        y=low,
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(230,159,0,0.25)",
        name=band,
        hoverinfo="skip",
    )
    figure.add_scatter(
        x=[r["month"] for r in past],
        y=[r["actual"] for r in past],
        mode="lines+markers",
        name=_("Actual"),
        line={"color": PALETTE[0]},
        hovertemplate="%{x}: %{y:,.0f}<extra>" + _("Actual") + "</extra>",
    )
    figure.add_scatter(
        x=months,
        y=[r["actual"] for r in joint] + [r["forecast"] for r in ahead],
        mode="lines+markers",
        name=_("Forecast"),
        line={"color": PALETTE[1], "dash": "dash"},
        customdata=[[r["actual"], r["actual"]] for r in joint]
        + [[r["low"], r["high"]] for r in ahead],
        hovertemplate="%{x}: %{y:,.0f} (%{customdata[0]:,.0f}–%{customdata[1]:,.0f})<extra>"
        + _("Forecast")
        + "</extra>",
    )
    figure.update_xaxes(
        title_text=_("Month"),
        type="category",
        categoryorder="array",
        categoryarray=[r["month"] for r in rows],
    )
    figure.update_yaxes(title_text=_("Sales"), rangemode="tozero")
    return Chart(
        key="sales-forecast",
        title=_("All sales: actual and forecast"),
        figure=styled(figure, legend=True),
        table=ChartTable(
            headers=[_("Month"), _("Actual"), _("Forecast"), _("80% low"), _("80% high")],
            rows=[[r["month"], r["actual"], r["forecast"], r["low"], r["high"]] for r in rows],
        ),
        # the model's name (e.g. "mean(ets(A,Ad,N),theta)") is in the forecast table below
        summary=_("The band holds the next months' sales with 80% probability."),
        height=360,
    )


def overview_charts(run: ValueRun, segments: list[Segment], latest: bool) -> dict[str, Chart]:
    """Every chart of a run's overview that has data, by name; bars link to the customer
    list only for the ``latest`` run (the list filters on the current scores)."""
    overview = run.overview or {}
    series = chart_data.run_series(run)
    forecast = chart_data.total_forecast(run.mining or {})
    made: dict[str, Chart | None] = {
        "pyramid": pyramid_chart(overview["pyramid"], latest) if overview.get("pyramid") else None,
        "pareto": pareto_chart(series.pareto, (overview.get("pareto") or {}).get("top20_share")),
        "cohorts": cohort_chart(overview.get("cohorts") or {}),
        "p_alive": distribution_chart("p-alive", series.p_alive, share=True, linked=latest),
        "clv": distribution_chart("clv", series.clv, share=False, linked=latest),
        "segments": segments_chart(segments),
        "churn": churn_chart(series.churn, latest),
        "forecast": forecast_chart(forecast) if forecast else None,
    }
    return {name: chart for name, chart in made.items() if chart is not None}
