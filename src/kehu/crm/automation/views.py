"""The automation pages: the rules with their last run and hits, a rule's form, a
rule's page (its log, its latest hits, enable/disable, a dry run), a run's page (who it
hit, or would hit, and why), and each user's notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.crm.automation import actions, queries
from kehu.crm.automation.forms import ACTION_FIELDS, RuleForm, initial_of
from kehu.crm.automation.models import Rule, RuleRun
from kehu.crm.automation.queries import CONDITION_KEYS
from kehu.crm.automation.reasons import reason_text
from kehu.crm.automation.triggers import FAMILY_LABELS, TRIGGERS
from kehu.crm.validation import attach_errors

VIEW, ADD, CHANGE = "automation.view_rule", "automation.add_rule", "automation.change_rule"


def trigger_label(rule: Rule) -> str:
    trigger = TRIGGERS.get(rule.trigger)
    if trigger is None:
        return rule.trigger
    return f"{FAMILY_LABELS[trigger.family]}: {trigger.label}"


@login_required
@permission_required(VIEW, raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(queries.rules_with_stats())
    for rule in rules:
        rule.trigger_text = trigger_label(rule)
    return render(request, "automation/rules.html", {"rules": rules})


def _save(request: HttpRequest, form: RuleForm, rule: Rule | None) -> Rule | None:
    if not form.is_valid():
        return None
    fields = form.rule_fields()
    try:
        if rule is None:
            return actions.create_rule(by=request.user, **fields)
        return actions.update_rule(rule, by=request.user, **fields)
    except ValidationError as e:
        attach_errors(form, e)
        return None


def _form_page(request: HttpRequest, form: RuleForm, rule: Rule | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "automation/form.html", {"form": form, "rule": rule}, status=status)


@login_required
@permission_required(ADD, raise_exception=True)
def rule_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST)
        rule = _save(request, form, None)
        if rule is not None:
            messages.success(request, _("The rule was created."))
            return redirect(rule)
    else:
        form = RuleForm(initial={"trigger": "churn_rose", "threshold": 50, "due_days": 3})
    return _form_page(request, form, None)


@login_required
@permission_required(CHANGE, raise_exception=True)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    if request.method == "POST":
        form = RuleForm(request.POST)
        if _save(request, form, rule) is not None:
            messages.success(request, _("The rule was saved."))
            return redirect(rule)
    else:
        form = RuleForm(initial=initial_of(rule))
    return _form_page(request, form, rule)


def _shown_value(field: Any, value: Any) -> str:
    """A stored value as the form shows it: choice labels, users by name, shares as %."""
    values = value if isinstance(value, list) else [value]
    choices = dict(getattr(field, "choices", None) or [])
    if hasattr(field, "queryset"):
        names = {str(o.pk): str(o) for o in field.queryset.filter(pk__in=values)}
        return ", ".join(names.get(str(v), str(v)) for v in values)
    shown = [str(choices.get(v, choices.get(str(v), v))) for v in values]
    return ", ".join(shown)


def describe(rule: Rule) -> dict[str, list[tuple[str, str]]]:
    """The rule's parameters, conditions and actions in words, with the form's labels."""
    form = RuleForm(initial=initial_of(rule))
    initial = form.initial

    def pairs(names: Any) -> list[tuple[str, str]]:
        return [
            (str(form.fields[n].label), _shown_value(form.fields[n], initial[n]))
            for n in names
            if initial.get(n) not in (None, "", [])
        ]

    actions = []
    for action in rule.actions:
        settings = pairs(ACTION_FIELDS.get(action["kind"], ()))
        label = str(form.fields[f"do_{action['kind']}"].label)
        actions.append((label, "; ".join(f"{k}: {v}" for k, v in settings)))
    return {
        "params": pairs(p.name for p in TRIGGERS[rule.trigger].params)
        if rule.trigger in TRIGGERS
        else [],
        "conditions": pairs(CONDITION_KEYS),
        "actions": actions,
    }


def _hits(rule: Rule) -> list[Any]:
    hits = list(queries.rule_hits(rule))
    for hit in hits:
        hit.reason_text = reason_text(hit.reason)
    return hits


@login_required
@permission_required(VIEW, raise_exception=True)
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    context = {
        "rule": rule,
        "trigger_text": trigger_label(rule),
        "described": describe(rule),
        "runs": queries.rule_runs(rule),
        "hits": _hits(rule),
        "can_change": request.user.has_perm(CHANGE),
    }
    return render(request, "automation/rule.html", context)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def rule_enable(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    actions.set_enabled(rule, enabled, by=request.user)
    if enabled:
        messages.success(request, _("The rule is enabled."))
    else:
        messages.success(request, _("The rule is disabled."))
    return redirect(rule)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def rule_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    log = actions.run_rule(rule, dry_run=True, by=request.user)
    return redirect("automation:run", pk=log.pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_object_or_404(RuleRun.objects.select_related("rule", "started_by"), pk=pk)
    if log.dry_run:
        rows = [{**p, "reason_text": reason_text(p.get("reason") or {})} for p in log.preview or []]
    else:
        rows = [
            {
                "customer": h.customer_id,
                "code": h.customer.code,
                "name": h.customer.name,
                "event_key": h.event_key,
                "reason_text": reason_text(h.reason),
                "done": h.done,
            }
            for h in log.hits.select_related("customer").order_by("id")[:500]
        ]
    context = {"log": log, "rule": log.rule, "rows": rows}
    return render(request, "automation/run.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    notes = list(queries.notifications_of(request.user)[:100])
    context = {"notifications": notes, "n_unread": sum(1 for n in notes if n.read_at is None)}
    return render(request, "automation/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    n = actions.mark_read(request.user)
    if n:
        messages.success(request, _("All notifications are marked read."))
    return redirect("automation:notifications")
