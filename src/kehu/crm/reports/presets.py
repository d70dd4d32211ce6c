"""The ready-made reports: each a pivot the explorer opens (a preset query string), or
a page of its own for what a pivot does not answer (lost customers, products with no
sale, new products' share)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kehu.crm.reports import state
from kehu.insight import olap


@dataclass(frozen=True)
class Report:
    key: str
    title: str | Promise
    description: str | Promise
    url: str


def year_back(last: date) -> tuple[date, date]:
    """The twelve whole months up to the month of ``last``: the default period of the
    reports by month."""
    first_month = date(last.year - 1, last.month, 1)
    start = date(first_month.year + (first_month.month // 12), first_month.month % 12 + 1, 1)
    return start, last


def _explore(**params: object) -> str:
    query = olap.PivotQuery(**params)  # type: ignore[arg-type]
    return reverse("reports:explore") + state.querystring(query)


def reports(last_sale: date | None) -> list[Report]:
    """The reports, the periods they default to ending with the warehouse's last sale
    (today when it holds none)."""
    start, end = year_back(last_sale or date.today())
    money = ("net_sales", "orders", "margin")
    return [
        Report(
            "sales-by-customer",
            _("Sales by customer"),
            _("Net sales, orders and margin of the 50 best customers, the rest summed."),
            _explore(measures=money, rows=("customer",), top_n=50, other=True),
        ),
        Report(
            "sales-by-product",
            _("Sales by product"),
            _("Net sales, orders and margin per product category; click one for its products."),
            _explore(measures=money, rows=("category",)),
        ),
        Report(
            "sales-by-region",
            _("Sales by region"),
            _("Net sales per region and year; click a region for its cities."),
            _explore(measures=("net_sales",), rows=("region",), columns=("year",)),
        ),
        Report(
            "sales-by-period",
            _("Sales by month, year over year"),
            _("Net sales, orders and customers of the last twelve months against a year before."),
            _explore(
                measures=("net_sales", "orders", "customers"),
                rows=("month",),
                date_from=start,
                date_to=end,
                compare_previous_year=True,
            ),
        ),
        Report(
            "customer-ranking",
            _("Customer ranking"),
            _("The 20 customers with the most net sales and their share of all sales."),
            _explore(
                measures=("net_sales", "orders"), rows=("customer",), top_n=20, share_of_total=True
            ),
        ),
        Report(
            "product-ranking",
            _("Product ranking"),
            _("The 20 products with the most net sales and their share of all sales."),
            _explore(
                measures=("net_sales", "margin"), rows=("product",), top_n=20, share_of_total=True
            ),
        ),
        Report(
            "customer-flow",
            _("New, repeat and lost customers"),
            _("Per month: customers who bought for the first time, again, or stopped buying."),
            reverse("reports:customer_flow"),
        ),
        Report(
            "idle-products",
            _("Products with no sale"),
            _("Active products not sold in the last N days (90 unless you choose)."),
            reverse("reports:idle_products"),
        ),
        Report(
            "new-products",
            _("New products' share of sales"),
            _("How much of the period's sales came from products first sold in it."),
            reverse("reports:new_products"),
        ),
    ]
