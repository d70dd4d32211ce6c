"""The ready-made reports with pages of their own: new, repeat and lost customers per
month; products with no sale in N days; new products' share of sales."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kehu.crm.charts import Chart, ChartTable, styled
from kehu.crm.lists import csv_response
from kehu.crm.reports import flows
from kehu.crm.reports.access import open_engine, require_viewer
from kehu.crm.reports.presets import year_back
from kehu.crm.validation import Day, InvalidParameter, Param, clean_params
from kehu.insight import olap
from kehu.insight.engine import Engine

MAX_DAYS = 3650


class Days(Param):
    """A number of days from 1 to ten years."""

    def allowed(self) -> str:
        return _("a whole number of days from 1 to %(max)s") % {"max": MAX_DAYS}

    def clean(self, name: str, value: str) -> str:
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_DAYS):
            raise self.fail(name, value)
        return str(int(value))


PERIOD = {"date_from": Day(), "date_to": Day()}


def _period(engine: Engine, params: dict[str, str]) -> tuple[date, date]:
    """The period asked for, else the twelve months up to the last sale."""
    default_from, default_to = year_back(olap.date_span(engine)[1] or date.today())
    start = date.fromisoformat(params["date_from"]) if "date_from" in params else default_from
    end = date.fromisoformat(params["date_to"]) if "date_to" in params else default_to
    if start > end:
        raise InvalidParameter("date_to", end.isoformat(), _("a date not before date_from"))
    return start, end


def _page(
    request: HttpRequest, template: str, fill: Any, spec: dict[str, Param], as_csv: bool
) -> HttpResponse:
    """The report's page, or with ``as_csv`` its table as a CSV (what the page shows)."""
    require_viewer(request)
    params = clean_params(request.GET, spec)
    engine = open_engine()
    context: dict[str, Any] = {"params": params, "not_built": engine is None}
    if engine is not None:
        with engine:
            context |= fill(engine, params)
    if as_csv and engine is not None:
        name, headers, rows = context["export"]
        return csv_response(name, [[str(h) for h in headers], *rows])
    return render(request, template, context, status=409 if as_csv else 200)


@login_required
@require_GET
def customer_flow(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    spec = {**PERIOD, "days": Days()}
    return _page(request, "reports/customer_flow.html", _customer_flow, spec, as_csv)


def _customer_flow(engine: Engine, params: dict[str, str]) -> dict[str, Any]:
    start, end = _period(engine, params)
    days = int(params.get("days", 180))
    query = olap.PivotQuery(
        measures=("customers", "new_customers", "repeat_customers"),
        rows=("month",),
        date_from=start,
        date_to=end,
    )
    cells = olap.run_pivot(engine, query).cells
    # a customer is lost once the days have passed: never counted ahead of today
    lost = flows.lost_customers(engine, days, start, min(end, timezone.localdate()))
    lost_by_month = dict(zip(lost["month"], lost["lost"], strict=True))
    bought = {row["month"]: row for row in cells.to_dict("records")}
    months = sorted(set(bought) | set(lost_by_month))
    rows = [
        {
            "month": month,
            "customers": int(bought.get(month, {}).get("customers", 0) or 0),
            "new": int(bought.get(month, {}).get("new_customers", 0) or 0),
            "repeat": int(bought.get(month, {}).get("repeat_customers", 0) or 0),
            "lost": int(lost_by_month.get(month, 0)),
        }
        for month in months
    ]
    series = [
        ("new", _("New customers")),
        ("repeat", _("Repeat customers")),
        ("lost", _("Lost customers")),
    ]
    figure = go.Figure(
        [go.Bar(x=months, y=[r[key] for r in rows], name=str(name)) for key, name in series]
    )
    figure.update_layout(barmode="group", xaxis_title=_("Month"), yaxis_title=_("Customers"))
    figure.update_xaxes(type="category")
    chart = Chart(
        key="customer-flow",
        title=_("New, repeat and lost customers per month"),
        figure=styled(figure, legend=True),
        table=ChartTable(
            headers=[_("Month"), *[name for _key, name in series]],
            rows=[[r["month"], r["new"], r["repeat"], r["lost"]] for r in rows],
        ),
    )
    export = (
        "customers-per-month",
        [_("Month"), _("Customers"), *[name for _key, name in series]],
        [[r["month"], r["customers"], r["new"], r["repeat"], r["lost"]] for r in rows],
    )
    return {
        "rows": rows,
        "chart": chart,
        "date_from": start,
        "date_to": end,
        "days": days,
        "export": export,
    }


@login_required
@require_GET
def idle_products(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    spec = {"days": Days()}
    return _page(request, "reports/idle_products.html", _idle_products, spec, as_csv)


def _idle_products(engine: Engine, params: dict[str, str]) -> dict[str, Any]:
    days = int(params.get("days", 90))
    as_of = olap.date_span(engine)[1] or date.today()
    found = olap.idle_products(engine, days, as_of)
    rows = [
        {
            "product": r["product"],
            "category": r["category"],
            "last_sold": None if _missing(r["last_sold"]) else r["last_sold"],
            "days_since": None if _missing(r["days_since"]) else int(r["days_since"]),
        }
        for r in found.to_dict("records")
    ]
    export = (
        "products-without-sales",
        [_("Product"), _("Category"), _("Last sold"), _("Days since")],
        [
            [r["product"], r["category"], _iso(r["last_sold"]), _blank(r["days_since"])]
            for r in rows
        ],
    )
    return {"rows": rows, "days": days, "as_of": as_of, "export": export}


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


@login_required
@require_GET
def new_products(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    return _page(request, "reports/new_products.html", _new_products, PERIOD, as_csv)


def _new_products(engine: Engine, params: dict[str, str]) -> dict[str, Any]:
    start, end = _period(engine, params)
    share = flows.new_product_share(engine, start, end)
    months = [
        {
            "month": r["month"],
            "net_sales": float(r["net_sales"] or 0),
            "new_sales": float(r["new_sales"] or 0),
        }
        for r in share.to_dict("records")
    ]
    for m in months:
        m["share"] = m["new_sales"] / m["net_sales"] if m["net_sales"] else None
    total = sum(m["net_sales"] for m in months)
    new_total = sum(m["new_sales"] for m in months)
    products = flows.new_products(engine, start, end).to_dict("records")
    x = [m["month"] for m in months]
    figure = go.Figure(
        [
            go.Bar(
                x=x, y=[m["net_sales"] - m["new_sales"] for m in months], name=_("Other products")
            ),
            go.Bar(x=x, y=[m["new_sales"] for m in months], name=_("New products")),
        ]
    )
    figure.update_layout(barmode="stack", xaxis_title=_("Month"), yaxis_title=_("Net sales"))
    figure.update_xaxes(type="category")
    chart = Chart(
        key="new-products",
        title=_("Net sales per month: new products and the rest"),
        figure=styled(figure, legend=True),
        table=ChartTable(
            headers=[_("Month"), _("Net sales"), _("New products"), _("Share")],
            rows=[
                [m["month"], m["net_sales"], m["new_sales"], _percent(m["share"])] for m in months
            ],
        ),
    )
    export = (
        "new-products-share",
        [_("Month"), _("Net sales"), _("New products"), _("Share") + " (%)"],
        [
            [
                m["month"],
                _money(m["net_sales"]),
                _money(m["new_sales"]),
                _percent_number(m["share"]),
            ]
            for m in months
        ],
    )
    return {
        "export": export,
        "months": months,
        "products": products,
        "chart": chart,
        "total": total,
        "new_total": new_total,
        "share": new_total / total if total else None,
        "share_text": _percent(new_total / total if total else None),
        "date_from": start,
        "date_to": end,
    }


def _iso(value: Any) -> str:
    return "" if value is None else value.isoformat()[:10]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _percent_number(value: float | None) -> Decimal | str:
    if value is None:
        return ""
    return (Decimal(str(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _percent(value: float | None) -> str:
    return "—" if value is None else number_format(value * 100, 1, force_grouping=True) + "%"
