"""Overdue receivables by how long they are past due (the aged report's buckets but the
current one), for the sales dashboard (the customers the user owns) and the
administrator's (every customer). Each bar is the open amount of the invoice list
filtered by its bucket (``billing.queries.filtered_invoices`` with ``age``), which the
bar links to; one aggregate for all the buckets (``billing.queries.bucket_totals``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from kehu.crm.billing.queries import BUCKETS, bucket_totals, filtered_invoices
from kehu.crm.screens.dashboards.base import Panel, Point, Series, list_url

OVERDUE_BUCKETS = [bucket for bucket in BUCKETS if bucket.key != "current"]


def receivables_panel(user: AbstractBaseUser, *, mine: bool, key: str) -> Panel | None:
    """None for a user who may not see invoices."""
    if not user.has_perm("billing.view_invoice"):
        return None
    owner = str(user.pk) if mine else ""
    totals_of = bucket_totals(filtered_invoices(user, owner=owner))
    points = []
    for bucket in OVERDUE_BUCKETS:
        totals = totals_of[bucket.key]
        url = list_url("billing:invoice_list", {"age": bucket.key, "owner": owner})
        points.append(Point(bucket.label, totals["open"], url, count=totals["n"]))
    return Panel(
        key=key,
        title=_("Overdue receivables of my customers") if mine else _("Overdue receivables"),
        kind="bar",
        series=[Series(_("Open amount"), points)],
        x_title=_("Days past due"),
        y_title=_("Open amount"),
        money=True,
        link=list_url("billing:invoice_list", {"overdue": 1, "owner": owner}),
        link_label=_("Open the overdue invoices"),
    )
