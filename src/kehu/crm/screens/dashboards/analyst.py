"""The analyst dashboard: the last analysis run (its status, when, a link), the value
pyramid with each tier linking to its customers, revenue by month this year against
last year, and what the last run warns about its models (dates left out, weak segments,
steps that did not run, a churn model that ranks poorly).

Queries: the last run and the last finished one (two), the tiers (one grouped query
over the customers), revenue by month (one)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kehu.crm.customers.queries import visible_customers
from kehu.crm.intelligence import labels
from kehu.crm.intelligence.mining_labels import skip_text
from kehu.crm.intelligence.models import ValueRun
from kehu.crm.intelligence.queries import latest_done_run
from kehu.crm.intelligence.segment_views import quality
from kehu.crm.screens.dashboards.base import (
    Dashboard,
    Figure,
    Panel,
    Point,
    Series,
    Text,
    list_url,
)
from kehu.crm.screens.dashboards.sales import revenue_panel

#: a churn model whose cross-validated ROC AUC is under this ranks customers poorly
WEAK_AUC = 0.7
MINING_STEPS = ("segments", "churn", "deviations", "products", "sales")


def last_run_figure() -> Figure:
    """The latest run whatever its status: the run page once it is done, the
    intelligence page (with its progress or error) before."""
    run = ValueRun.objects.order_by("-id").first()
    if run is None:
        return Figure(
            "last-run",
            _("Last analysis run"),
            None,
            list_url("intelligence:overview"),
            kind="text",
            text=_("No analysis has run yet."),
            alert=True,
        )
    when = run.finished_at or run.started_at or run.created_at
    done = run.status == ValueRun.Status.DONE
    return Figure(
        "last-run",
        _("Last analysis run"),
        None,
        run.get_absolute_url() if done else list_url("intelligence:overview"),
        kind="text",
        text=_("#%(id)s %(status)s, %(when)s")
        % {
            "id": run.pk,
            "status": run.get_status_display(),
            "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
        },
        alert=run.status == ValueRun.Status.FAILED,
    )


def pyramid_panel(user: AbstractBaseUser) -> Panel:
    """Customers per value tier (one grouped query over the customer list's own rows),
    each tier linking to the customer list filtered by it."""
    counts = dict(
        visible_customers(user)
        .filter(score__tier__in=labels.TIERS)
        .order_by()
        .values_list("score__tier")
        .annotate(n=Count("pk"))
    )
    points = [
        Point(labels.label(tier), counts.get(tier, 0), list_url("customers:list", {"tier": tier}))
        for tier in reversed(labels.TIERS)  # drawn bottom up: the broad base first
    ]
    return Panel(
        key="analyst-pyramid",
        title=_("Value pyramid"),
        kind="hbar",
        series=[Series(_("Customers"), points)],
        x_title=_("Customers"),
        y_title=_("Tier"),
        link=list_url("intelligence:overview"),
        link_label=_("Open the analysis"),
    )


def fit_warnings(run: ValueRun | None) -> list[Text]:
    """What the last finished run says to distrust, in words."""
    if run is None:
        return []
    warnings: list[Text] = []
    if why := labels.dates_text(run.analysis_models.get("dates") or {}):
        warnings.append(why)
    mining: dict[str, Any] = run.mining or {}
    for step in MINING_STEPS:
        summary = mining.get(step) or {}
        if summary.get("skipped"):
            warnings.append(skip_text(summary))
    seg = quality(mining)
    if seg["weak"]:
        warnings.append(
            _("The segments separate weakly (silhouette %(s)s, under %(bound)s).")
            % {"s": f"{seg['silhouette']:.2f}", "bound": f"{seg['bound']:.2f}"}
        )
    auc = (mining.get("churn") or {}).get("cv_roc_auc")
    if auc is not None and auc < WEAK_AUC:
        warnings.append(
            _("The churn model ranks customers poorly (ROC AUC %(auc)s, under %(bound)s).")
            % {"auc": f"{auc:.2f}", "bound": f"{WEAK_AUC:.2f}"}
        )
    return warnings


def analyst_dashboard(user: AbstractBaseUser, today: date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    run = latest_done_run()
    warnings = fit_warnings(run)
    return Dashboard(
        role="analyst",
        title=pgettext("dashboard", "Analysis"),
        figures=[
            last_run_figure(),
            Figure(
                "fit-warnings",
                _("Model warnings"),
                len(warnings),
                alert=bool(warnings),
            ),
        ],
        panels=[
            pyramid_panel(user),
            revenue_panel(user, today, mine=False, key="analyst-revenue"),
        ],
        notes=warnings,
    )
