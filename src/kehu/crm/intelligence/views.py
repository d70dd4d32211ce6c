"""The intelligence page: run history, the latest run's overview and evaluation
indices, the "Run analysis now" button, its progress (polled with htmx) and the CSV of a
run's customer scores."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.accounts.roles import Role, roles_of, sees_all_customers
from kehu.crm.intelligence import actions, queries
from kehu.crm.intelligence.charts import overview_charts
from kehu.crm.intelligence.forms import ScheduleForm
from kehu.crm.intelligence.models import SCORE_FIELDS, CustomerValue, ValueRun
from kehu.crm.lists import csv_response, csv_rows

RUNNERS = {Role.ADMIN.value, Role.ANALYST.value}


def can_run(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Analysts and administrators run analyses and download their results."""
    return bool(roles_of(user) & RUNNERS)


def _viewer(request: HttpRequest) -> None:
    # the overview summarises every customer: for those who work with all of them
    if not (sees_all_customers(request.user) or can_run(request.user)):
        raise PermissionDenied


MODELS = (
    ("MBG/NBD", "mbg_nbd", ("r", "alpha", "a", "b")),
    ("BG/NBD", "bg_nbd", ("r", "alpha", "a", "b")),
    ("Pareto/NBD", "pareto_nbd", ("r", "alpha", "s", "beta")),
    ("Gamma-Gamma", "gamma_gamma", ("p", "q", "v")),
)


def _fits(models: dict[str, Any]) -> list[dict[str, Any]]:
    """The fitted models' parameters (paper symbols) and fit statistics, for display."""
    return [
        {"title": title, "section": models[key], "params": [(p, models[key].get(p)) for p in ps]}
        for title, key, ps in MODELS
        if models.get(key)
    ]


def _overview(request: HttpRequest, run: ValueRun | None, latest: bool) -> HttpResponse:
    _viewer(request)
    context = {
        "runs": queries.recent_runs(actions.KEEP_RUNS),
        "run": run,
        "active": actions.active_run(),
        "can_run": can_run(request.user),
    }
    if can_run(request.user):
        context["schedule_form"] = ScheduleForm(instance=actions.schedule())
    if run is not None:
        context["segments"] = queries.segments_of(run)
        context["mining"] = run.mining
        context["overview"] = run.overview
        context["fit"] = run.analysis_models
        # the as-of date's note is shown translated (|dates_text), not in English
        dates_note = (run.analysis_models.get("dates") or {}).get("note")
        context["notes"] = [n for n in run.analysis_models.get("notes", []) if n != dates_note]
        context["fits"] = _fits(run.analysis_models)
        context["charts"] = overview_charts(run, context["segments"], latest)
    return render(request, "intelligence/overview.html", context)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return _overview(request, queries.latest_done_run(), latest=True)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ValueRun, pk=pk, status=ValueRun.Status.DONE)
    latest = queries.latest_done_run()
    return _overview(request, run, latest=latest is not None and latest.pk == run.pk)


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    if not can_run(request.user):
        raise PermissionDenied
    try:
        run = actions.start_run(request.user)
    except actions.RunRefusedError as e:
        messages.error(request, _(str(e)))
    else:
        messages.success(request, _("Analysis run #%(id)s started.") % {"id": run.pk})
    return redirect("intelligence:overview")


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; it polls itself while the run is active, and asks htmx to
    reload the page once the run it was watching has ended."""
    _viewer(request)
    run = get_object_or_404(ValueRun, pk=pk)
    response = render(request, "intelligence/partials/run_progress.html", {"active": run})
    if request.htmx and not run.is_active:
        response["HX-Refresh"] = "true"
    return response


EXPORT_COLUMNS = [
    ("customer_code", lambda v: v.customer.code),
    ("customer_name", lambda v: v.customer.name),
    *[(name, lambda v, name=name: getattr(v, name)) for name in SCORE_FIELDS],
]


@login_required
def run_export(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_run(request.user):
        raise PermissionDenied
    run = get_object_or_404(ValueRun, pk=pk, status=ValueRun.Status.DONE)
    values = (
        CustomerValue.objects.filter(run=run)
        .select_related("customer")
        .only("customer__code", "customer__name", *SCORE_FIELDS)
        .order_by("customer_id")
    )
    return csv_response(f"customer-values-run{run.pk}", csv_rows(values, EXPORT_COLUMNS))


@login_required
@require_POST
def schedule_save(request: HttpRequest) -> HttpResponse:
    if not can_run(request.user):
        raise PermissionDenied
    form = ScheduleForm(request.POST, instance=actions.schedule())
    if form.is_valid():
        actions.set_schedule(every=form.cleaned_data["every"], at_hour=form.cleaned_data["at_hour"])
        messages.success(request, _("Analysis schedule saved."))
    else:
        messages.error(
            request,
            _("The schedule was not saved: %(errors)s")
            % {"errors": "; ".join(str(e) for errors in form.errors.values() for e in errors)},
        )
    return redirect("intelligence:overview")
