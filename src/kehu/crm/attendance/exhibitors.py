"""Exhibitors over events (``events:exhibitors``, /events/exhibitors/): each exhibitor's
stage across the events it took part in (exploration, formation, stability, decline),
its satisfaction, loyalty, retention and contribution, and how likely it is not to come
to the next event, with why; filters, a CSV export and a chart of exhibitors by stage.

The computation is :func:`kehu.insight.exhibitors.exhibitor_history`, on a table read in
four queries: the exhibitors' participations (with their booths' prices and survey
answers) at the past events, and their orders in the window after each event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.attendance.followup import attended
from kehu.crm.attendance.models import Participant
from kehu.crm.attendance.results import NOT_REVENUE, WINDOW_DAYS
from kehu.crm.charts import PALETTE, Chart, ChartTable, link_points, plotly_text, styled
from kehu.crm.customers.models import Customer
from kehu.crm.events.models import Event
from kehu.crm.intelligence.views import can_run
from kehu.crm.lists import csv_response, list_filters, querystring_without
from kehu.crm.sales.models import Order
from kehu.crm.validation import Choice, Param, Share, Text
from kehu.insight.exhibitors import FEATURES, STAGES, ExhibitorHistory, exhibitor_history

STAGE_LABELS = {
    "exploration": gettext_lazy("Exploration"),
    "formation": gettext_lazy("Formation"),
    "stability": gettext_lazy("Stability"),
    "decline": gettext_lazy("Decline"),
}
DECLINE_LABELS = {
    "missed": gettext_lazy("missed the latest event"),
    "spend": gettext_lazy("booth spend fell"),
    "satisfaction": gettext_lazy("satisfaction fell"),
}
FEATURE_LABELS = {
    "attended": gettext_lazy("came to the latest event"),
    "events_attended": gettext_lazy("events so far"),
    "events_since_first": gettext_lazy("events since its first"),
    "loyalty": gettext_lazy("loyalty"),
    "retained": gettext_lazy("came to the two latest events"),
    "missed_in_a_row": gettext_lazy("events missed in a row"),
    "satisfaction_last": gettext_lazy("latest satisfaction"),
    "satisfaction_change": gettext_lazy("change in satisfaction"),
    "booth_spend_last": gettext_lazy("latest booth spend"),
    "booth_spend_change": gettext_lazy("change in booth spend"),
    "revenue_last": gettext_lazy("revenue after the latest event"),
    "would_return_last": gettext_lazy("would come again (1 yes, 0 no)"),
}
assert set(FEATURE_LABELS) == set(FEATURES)
PAGE_SIZE = 50
CACHE_SECONDS = 6 * 3600
SORTS = ("name", "-events", "-contribution", "-not_return", "-satisfaction", "-loyalty")
EXHIBITOR_FILTERS: dict[str, Param] = {
    "q": Text(),
    "stage": Choice(STAGES),
    "kind": Choice(Event.Kind.values),
    "min_not_return": Share(),
    "sort": Choice(SORTS),
}
SORT_COLUMNS = {
    "name": ("name", True),
    "-events": ("events_attended", False),
    "-contribution": ("contribution", False),
    "-not_return": ("not_return", False),
    "-satisfaction": ("satisfaction", False),
    "-loyalty": ("loyalty", False),
}


def _participations(kind: str | None) -> pd.DataFrame:
    today = timezone.localdate()
    rows = Participant.objects.filter(
        kind=Participant.Kind.EXHIBITOR,
        customer__isnull=False,
        customer__merged_into__isnull=True,
        event__starts_on__lte=today,
    ).exclude(event__status=Event.Status.CANCELLED)
    if kind:
        rows = rows.filter(event__kind=kind)
    values = (
        rows.annotate(
            came=ExpressionWrapper(attended(), output_field=BooleanField()),
            booth_spend=Sum("booths__price"),
        )
        .order_by()
        .values(
            "customer_id",
            "event_id",
            "event__starts_on",
            "event__ends_on",
            "came",
            "booth_spend",
            "survey_response__rating",
            "survey_response__would_return",
        )
    )
    frame = pd.DataFrame.from_records(
        list(values),
        columns=[
            "customer_id",
            "event_id",
            "event__starts_on",
            "event__ends_on",
            "came",
            "booth_spend",
            "survey_response__rating",
            "survey_response__would_return",
        ],
    )
    # the same customer twice at one event (two stands' people): one row, came if any did
    return (
        frame.groupby(["customer_id", "event_id"], as_index=False, sort=False)
        .agg(
            event_date=("event__starts_on", "first"),
            ends_on=("event__ends_on", "first"),
            attended=("came", "max"),
            booth_spend=("booth_spend", lambda s: float(pd.to_numeric(s).fillna(0).sum())),
            satisfaction=("survey_response__rating", "mean"),
            would_return=("survey_response__would_return", lambda s: pd.to_numeric(s).mean()),
        )
        .astype({"attended": bool})
    )


def _revenue(parts: pd.DataFrame) -> pd.Series:
    """Each participation's revenue: its customer's orders within the window after."""
    if parts.empty:
        return pd.Series(dtype=float)
    tz = timezone.get_current_timezone()
    first = pd.Timestamp(parts["event_date"].min()).tz_localize(tz)
    last = pd.Timestamp(parts["ends_on"].max()).tz_localize(tz) + timedelta(WINDOW_DAYS + 1)
    orders = pd.DataFrame.from_records(
        list(
            Order.objects.filter(
                customer_id__in=parts["customer_id"].unique().tolist(),
                ordered_at__gte=first,
                ordered_at__lt=last,
            )
            .exclude(status__in=NOT_REVENUE)
            .values_list("customer_id", "ordered_at", "total_amount")
        ),
        columns=["customer_id", "ordered_at", "total_amount"],
    )
    keyed = parts.reset_index()[["index", "customer_id", "event_date", "ends_on"]]
    joined = keyed.merge(orders, on="customer_id")
    day = pd.to_datetime(joined["ordered_at"], utc=True).dt.tz_convert(tz).dt.date
    inside = (day >= joined["event_date"]) & (
        day <= joined["ends_on"] + timedelta(days=WINDOW_DAYS)
    )
    amounts = joined.loc[inside].groupby("index")["total_amount"].sum().astype(float)
    return amounts.reindex(parts.index, fill_value=0.0)


@dataclass
class ExhibitorView:
    history: ExhibitorHistory
    table: pd.DataFrame  # the exhibitors with their names and events, for the page
    events: dict[int, Event]


def exhibitor_view(kind: str | None = None) -> ExhibitorView:
    """The exhibitors' history over the past events (of ``kind``, when given)."""
    parts = _participations(kind)
    parts["revenue"] = _revenue(parts)
    rows = parts.rename(columns={"customer_id": "exhibitor", "event_id": "event"}).drop(
        columns="ends_on"
    )
    # the outcome model takes seconds: learnt again only when the table it reads changed
    digest = hashlib.sha256(pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes())
    key = f"attendance:exhibitors:{digest.hexdigest()}"
    history = cache.get(key)
    if history is None:
        history = exhibitor_history(rows)
        cache.set(key, history, CACHE_SECONDS)
    table = history.exhibitors.copy()
    names = dict(Customer.objects.filter(pk__in=table.index.tolist()).values_list("pk", "name"))
    table["name"] = [names.get(i, "") for i in table.index]
    events = Event.objects.in_bulk(history.events["event"].tolist())
    return ExhibitorView(history, table, events)


def reasons_text(reasons: list[str]) -> str:
    """The model's or the rule's reasons (``feature = value``) in the user's words."""
    words = []
    for reason in reasons:
        feature, _sep, value = reason.partition(" = ")
        shown = _("unknown") if value == "(missing)" else value
        words.append(f"{FEATURE_LABELS.get(feature, feature)}: {shown}")
    return "; ".join(words)


def _filtered(table: pd.DataFrame, filters: dict[str, str]) -> pd.DataFrame:
    if q := filters.get("q", "").strip().lower():
        table = table[table["name"].str.lower().str.contains(q, regex=False)]
    if stage := filters.get("stage"):
        table = table[table["stage"] == stage]
    if "min_not_return" in filters:
        table = table[table["not_return"] >= float(filters["min_not_return"])]
    column, ascending = SORT_COLUMNS[filters.get("sort", "-not_return")]
    return table.sort_values([column, "name"], ascending=[ascending, True], na_position="last")


def stage_chart(view: ExhibitorView, querystring: str) -> Chart:
    """Exhibitors by stage at each past event, stacked; a bar of the latest event opens
    the list of its stage."""
    history = view.history
    events = history.events
    dates = pd.to_datetime(events["event_date"])
    labels = [f"{d:%Y-%m-%d}" for d in dates]
    names = [plotly_text(view.events[e].name) for e in events["event"]]
    base = reverse("events:exhibitors")
    figure = go.Figure()
    rows: list[list[Any]] = []
    colours = {"exploration": PALETTE[4], "formation": PALETTE[0], "stability": PALETTE[2]}
    colours["decline"] = PALETTE[5]
    counts = {s: (history.stages == s).sum(axis=0).to_numpy() for s in STAGES}
    for stage in STAGES:
        trace = go.Bar(
            name=str(STAGE_LABELS[stage]),
            x=labels,
            y=counts[stage].tolist(),
            marker_color=colours[stage],
            hovertext=names,
            hovertemplate=f"%{{hovertext}}<br>{STAGE_LABELS[stage]}: %{{y}}<extra></extra>",
        )
        urls = [None] * len(labels)
        if urls:
            urls[-1] = (
                f"{base}?{querystring}&stage={stage}" if querystring else f"{base}?stage={stage}"
            )
        figure.add_trace(link_points(trace, urls))
    for i, label in enumerate(labels):
        rows.append(
            [f"{view.events[events['event'].iloc[i]].name} ({label})"]
            + [int(counts[s][i]) for s in STAGES]
        )
    figure.update_layout(barmode="stack", legend_traceorder="normal")
    figure.update_xaxes(type="category")
    most = max((int(sum(counts[s][i] for s in STAGES)) for i in range(len(labels))), default=0)
    figure.update_yaxes(
        title_text=_("Exhibitors"), rangemode="tozero", dtick=1 if most <= 10 else None
    )
    return Chart(
        key="exhibitor-stages",
        title=_("Exhibitors by stage at each event"),
        figure=styled(figure),
        table=ChartTable(headers=[_("Event"), *[STAGE_LABELS[s] for s in STAGES]], rows=rows),
        summary=_("A bar of the latest event opens the exhibitors in that stage."),
    )


CSV_COLUMNS = [
    "customer_id",
    "name",
    "events_attended",
    "events_since_first",
    "first_event",
    "last_event",
    "stage",
    "decline_reason",
    "satisfaction",
    "loyalty",
    "retained",
    "retention_rate",
    "booth_spend",
    "revenue",
    "contribution",
    "contribution_share",
    "not_return",
    "not_return_reasons",
]


def _csv(view: ExhibitorView, table: pd.DataFrame) -> HttpResponse:
    def rows() -> Any:
        yield CSV_COLUMNS
        for customer_id, row in table.iterrows():
            first, last = view.events.get(row["first_event"]), view.events.get(row["last_event"])
            values = {
                **row.to_dict(),
                "customer_id": customer_id,
                "first_event": first.name if first else "",
                "last_event": last.name if last else "",
                "not_return_reasons": "; ".join(row["not_return_reasons"]),
            }
            yield [_cell(values[c]) for c in CSV_COLUMNS]

    return csv_response("exhibitors", rows())


def _cell(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return ""
    if isinstance(value, float | np.floating):
        return round(float(value), 4)
    return value


@login_required
@permission_required("attendance.view_participant", raise_exception=True)
def exhibitors(request: HttpRequest) -> HttpResponse:
    # every exhibitor's revenue: for those who work with all customers, and analysts
    if not (sees_all_customers(request.user) or can_run(request.user)):
        raise PermissionDenied
    filters = list_filters(request.GET, EXHIBITOR_FILTERS)
    view = exhibitor_view(filters.get("kind"))
    table = _filtered(view.table, filters)
    if request.GET.get("format") == "csv":
        return _csv(view, table)
    page = Paginator(range(len(table)), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "customer_id": int(customer_id),
            **row.to_dict(),
            "stage_label": STAGE_LABELS.get(row["stage"], ""),
            "decline_label": DECLINE_LABELS.get(row["decline_reason"], ""),
            "reasons": reasons_text(row["not_return_reasons"]),
            "first": view.events.get(row["first_event"]),
            "last": view.events.get(row["last_event"]),
        }
        for customer_id, row in table.iloc[page.start_index() - 1 : page.end_index()].iterrows()
    ]
    history = view.history
    context = {
        "filters": filters,
        "rows": rows,
        "n_rows": len(table),
        "n_exhibitors": len(view.table),
        "n_events": len(history.events),
        "method": history.method,
        "metrics": history.metrics,
        "stages": [(s, STAGE_LABELS[s]) for s in STAGES],
        "kinds": Event.Kind.choices,
        "sorts": SORTS,
        "chart": stage_chart(view, querystring_without(request, "page", "stage", "format"))
        if len(history.events)
        else None,
        "page": page,
        "sort": filters.get("sort", "-not_return"),
        "querystring": querystring_without(request, "page", "format"),
        "sort_querystring": querystring_without(request, "page", "format", "sort"),
        "window_days": WINDOW_DAYS,
    }
    return render(request, "attendance/exhibitors.html", context)
