"""Writes of the automation app: rules (created, changed, switched on and off), running
a rule (its log row, a hit per customer acted on), notifications.

A run finds the customers its trigger names (:mod:`kehu.crm.automation.triggers`),
keeps those its conditions let through (the customer list's filter), leaves out the
(customer, event) pairs it acted on before, and does its actions to each of the rest
(:mod:`kehu.crm.automation.effects`). The hit is written first, in the same savepoint
as the customer's actions: two runners racing on the same event act once (the second
one's hit breaks the unique constraint and counts as already done), and a customer
whose actions fail leaves no hit, so that the next run tries again. A dry run writes
its log row only, with who it would hit and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kehu.crm.automation import effects, queries, triggers
from kehu.crm.automation.models import Notification, Rule, RuleHit, RuleRun
from kehu.crm.automation.params import clean_params
from kehu.crm.customers.models import Customer
from kehu.crm.intelligence.models import ValueRun
from kehu.crm.service.models import Ticket
from kehu.crm.unset import UNSET, Unset
from kehu.crm.validation import validate

logger = logging.getLogger(__name__)

#: a dry run's log keeps this many would-be hits
PREVIEW_LIMIT = 200
#: a run's log keeps the first errors of this many customers
ERRORS_KEPT = 5


# --- rules ----------------------------------------------------------------------------


def clean_rule(trigger: str, trigger_params: Any, conditions: Any, actions: Any) -> dict[str, Any]:
    """A rule's trigger, conditions and actions checked and filled in with defaults;
    errors keyed by the field or parameter at fault."""
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {"trigger": trigger}
    if trigger not in triggers.TRIGGERS:
        errors["trigger"] = ValidationError(
            f"trigger must be one of {list(triggers.TRIGGERS)}, got {trigger!r}", "invalid_choice"
        )
    else:
        try:
            cleaned["trigger_params"] = clean_params(
                triggers.TRIGGERS[trigger].params, trigger_params or {}, where="trigger_params"
            )
        except ValidationError as e:
            errors.update(e.error_dict)
    try:
        cleaned["conditions"] = queries.clean_conditions(conditions or {})
    except ValidationError as e:
        errors.update(e.error_dict)
    if not isinstance(actions, list) or not actions:
        errors["actions"] = ValidationError("a rule needs at least one action", "required")
    else:
        cleaned["actions"] = []
        for action in actions:
            try:
                cleaned["actions"].append(effects.clean_effect(action))
            except ValidationError as e:
                errors.update(e.error_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_rule(
    *,
    name: str,
    trigger: str,
    actions: list[dict[str, Any]],
    trigger_params: dict[str, Any] | None = None,
    conditions: dict[str, Any] | None = None,
    description: str = "",
    enabled: bool = False,
    by: AbstractBaseUser | None = None,
) -> Rule:
    """A new rule; its trigger's parameters, its conditions (customer-list filters) and
    each action's parameters are checked (a ``ValidationError`` keyed by what is wrong)."""
    cleaned = clean_rule(trigger, trigger_params, conditions, actions)
    rule = Rule(
        name=name.strip(),
        description=description.strip(),
        enabled=enabled,
        created_by=by,
        updated_by=by,
        **cleaned,
    )
    validate(rule)
    rule.save()
    return rule


@transaction.atomic
def update_rule(
    rule: Rule,
    *,
    by: AbstractBaseUser | None = None,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    enabled: bool | Unset = UNSET,
    trigger: str | Unset = UNSET,
    trigger_params: dict[str, Any] | Unset = UNSET,
    conditions: dict[str, Any] | Unset = UNSET,
    actions: list[dict[str, Any]] | Unset = UNSET,
) -> Rule:
    """Change the fields given; the trigger, conditions and actions are checked as a
    whole (a new trigger takes its defaults for parameters not given)."""
    cleaned = clean_rule(
        rule.trigger if isinstance(trigger, Unset) else trigger,
        rule.trigger_params if isinstance(trigger_params, Unset) else trigger_params,
        rule.conditions if isinstance(conditions, Unset) else conditions,
        rule.actions if isinstance(actions, Unset) else actions,
    )
    for field, value in cleaned.items():
        setattr(rule, field, value)
    if not isinstance(name, Unset):
        rule.name = name.strip()
    if not isinstance(description, Unset):
        rule.description = description.strip()
    if not isinstance(enabled, Unset):
        rule.enabled = enabled
    rule.updated_by = by
    validate(rule)
    rule.save()
    return rule


@transaction.atomic
def set_enabled(rule: Rule, enabled: bool, *, by: AbstractBaseUser | None = None) -> Rule:
    """Switch a rule on or off."""
    rule.enabled = enabled
    rule.updated_by = by
    rule.save(update_fields=["enabled", "updated_by", "updated_at"])
    return rule


@transaction.atomic
def ensure_ready_made_rules() -> int:
    """Create the ready-made rules that do not exist (by key), switched off; how many
    were created. Run after every migrate."""
    from kehu.crm.automation.ready_made import READY_MADE

    existing = set(Rule.objects.filter(key__gt="").values_list("key", flat=True))
    created = 0
    for spec in READY_MADE:
        if spec["key"] not in existing:
            cleaned = clean_rule(
                spec["trigger"], spec["trigger_params"], spec["conditions"], spec["actions"]
            )
            fields = {"key": spec["key"], "name": spec["name"], "description": spec["description"]}
            rule = Rule(enabled=False, **fields, **cleaned)
            validate(rule)
            rule.save()
            created += 1
    return created


# --- notifications --------------------------------------------------------------------


@transaction.atomic
def notify(
    user: AbstractBaseUser, *, text: str, link: str = "", rule_id: int | None = None
) -> Notification:
    """Tell ``user`` something (shown unread on their notifications page)."""
    note = Notification(user=user, text=text[:500], link=link[:300], rule_id=rule_id)
    validate(note)
    note.save()
    return note


@transaction.atomic
def mark_read(user: AbstractBaseUser, *, ids: list[int] | None = None) -> int:
    """Mark ``user``'s notifications read (those of ``ids``, or all); how many were."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


# --- running --------------------------------------------------------------------------


@dataclass
class _Tally:
    matched: int = 0
    acted: int = 0
    skipped: int = 0
    failed: int = 0


def _event_of(rule: Rule, context: triggers.Context) -> str:
    family = triggers.TRIGGERS[rule.trigger].family
    if family == triggers.ANALYSIS:
        return f"analysis:{context.value_run.pk if context.value_run else ''}"
    if family == triggers.SCHEDULE:
        slot = triggers.last_slot(rule.trigger_params, rule.trigger, context.now)
        return triggers.slot_key(slot)
    return "sweep"


def _targets(
    rule: Rule, candidates: list[triggers.Candidate], now: datetime
) -> list[effects.Target]:
    customers = Customer.objects.select_related("owner__profile").in_bulk(
        [c.customer_id for c in candidates]
    )
    tickets = Ticket.objects.in_bulk([c.ticket_id for c in candidates if c.ticket_id])
    return [
        effects.Target(
            customer=customers[c.customer_id],
            event_key=c.event_key,
            reason=c.reason,
            ticket=tickets.get(c.ticket_id) if c.ticket_id else None,
            rule_name=rule.name,
            rule_id=rule.pk,
            rule_key=rule.key,
            now=now,
        )
        for c in candidates
        if c.customer_id in customers
    ]


def _act(rule: Rule, log: RuleRun, target: effects.Target) -> str | None:
    """Record the hit and do the rule's actions to one customer, in one savepoint;
    "skipped" when the hit exists already, an error message when an action failed."""
    try:
        with transaction.atomic():
            hit = RuleHit.objects.create(
                rule=rule,
                customer=target.customer,
                event_key=target.event_key,
                run=log,
                reason=target.reason,
                acted_at=target.now,
            )
            hit.done = [effects.apply(action, target) for action in rule.actions]
            hit.save(update_fields=["done"])
    except IntegrityError:
        return "skipped"
    except ValidationError as e:
        return f"{target.customer.code}: {'; '.join(e.messages)}"
    except Exception as e:  # a rule's failure on one customer does not stop the others
        logger.exception("rule %s on customer %s failed", rule.pk, target.customer.pk)
        return f"{target.customer.code}: {type(e).__name__}: {e}"
    return None


def _preview(targets: list[effects.Target]) -> list[dict[str, Any]]:
    return [
        {
            "customer": t.customer.pk,
            "code": t.customer.code,
            "name": t.customer.name,
            "event_key": t.event_key,
            "reason": t.reason,
            "ticket": t.ticket.pk if t.ticket else None,
        }
        for t in targets[:PREVIEW_LIMIT]
    ]


def run_rule(
    rule: Rule,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    value_run: ValueRun | None = None,
    by: AbstractBaseUser | None = None,
    log_idle: bool = True,
) -> RuleRun:
    """Run ``rule`` once (enabled or not: the caller decides) and log it. An analysis
    rule compares ``value_run`` (default: the latest finished run) with the finished
    run before it. A dry run writes the log row only, with who it would hit and why.
    Without ``log_idle``, a run that acted on no one and failed on no one is not
    logged (the scheduler's frequent sweeps)."""
    now = now or timezone.now()
    if triggers.TRIGGERS[rule.trigger].family == triggers.ANALYSIS and value_run is None:
        value_run = ValueRun.objects.filter(status=ValueRun.Status.DONE).order_by("-pk").first()
    context = triggers.Context(now=now, value_run=value_run)
    log = RuleRun(
        rule=rule,
        event=_event_of(rule, context),
        value_run=value_run,
        dry_run=dry_run,
        started_at=now,
        started_by=by,
    )
    tally = _Tally()
    errors: list[str] = []
    try:
        candidates = triggers.find(rule.trigger, rule.trigger_params, context)
        kept = queries.keep_matching(rule.conditions, [c.customer_id for c in candidates])
        candidates = [c for c in candidates if c.customer_id in kept]
        tally.matched = len(candidates)
        done = queries.done_keys(rule, [c.event_key for c in candidates])
        fresh = [c for c in candidates if (c.customer_id, c.event_key) not in done]
        tally.skipped = len(candidates) - len(fresh)
        targets = _targets(rule, fresh, now)
        if dry_run:
            log.preview = _preview(targets)
            tally.acted = len(targets)
        elif targets:
            log.save()
            for target in targets:
                outcome = _act(rule, log, target)
                if outcome is None:
                    tally.acted += 1
                elif outcome == "skipped":
                    tally.skipped += 1
                else:
                    tally.failed += 1
                    if len(errors) < ERRORS_KEPT:
                        errors.append(outcome)
    except Exception as e:
        logger.exception("rule %s failed", rule.pk)
        errors.append(f"{type(e).__name__}: {e}")
    idle = not (dry_run or tally.acted or tally.failed or errors)
    return _close(log, tally, errors, save=log_idle or not idle)


def _close(log: RuleRun, tally: _Tally, errors: list[str], *, save: bool) -> RuleRun:
    log.n_matched, log.n_acted = tally.matched, tally.acted
    log.n_skipped, log.n_failed = tally.skipped, tally.failed
    log.error = "\n".join(errors)
    log.finished_at = timezone.now()
    if save:
        log.save()
    return log


def run_after_analysis(value_run: ValueRun) -> list[RuleRun]:
    """Run every enabled "after an analysis run" rule on ``value_run`` (the receiver
    of ``intelligence.signals.run_finished``)."""
    kinds = [k for k, t in triggers.TRIGGERS.items() if t.family == triggers.ANALYSIS]
    rules = Rule.objects.filter(enabled=True, trigger__in=kinds).order_by("pk")
    return [run_rule(rule, value_run=value_run) for rule in rules]


def _due(rule: Rule, now: datetime) -> bool:
    family = triggers.TRIGGERS[rule.trigger].family
    if family == triggers.RECORD:
        return True
    if family == triggers.SCHEDULE:
        slot = triggers.last_slot(rule.trigger_params, rule.trigger, now)
        event = triggers.slot_key(slot)
        return not rule.runs.filter(dry_run=False, event=event).exists()
    return False


def run_due(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    rule_ids: list[int] | None = None,
    by: AbstractBaseUser | None = None,
    log_idle: bool = True,
) -> list[RuleRun]:
    """The sweep: every enabled record rule, and every enabled schedule rule whose
    latest slot has not run yet. With ``rule_ids``, those rules whatever their state or
    family (an analysis rule on the latest finished run)."""
    now = now or timezone.now()
    if rule_ids is not None:
        rules = list(Rule.objects.filter(pk__in=rule_ids).order_by("pk"))
        missing = sorted(set(rule_ids) - {r.pk for r in rules})
        if missing:
            raise ValidationError({"rule": ValidationError(f"no rule has id {missing}", "unknown")})
    else:
        rules = [r for r in Rule.objects.filter(enabled=True).order_by("pk") if _due(r, now)]
    return [
        run_rule(rule, dry_run=dry_run, now=now, by=by, log_idle=log_idle or _is_schedule(rule))
        for rule in rules
    ]


def _is_schedule(rule: Rule) -> bool:
    # a schedule rule's run is logged even when idle: its log says the slot was run
    return triggers.TRIGGERS[rule.trigger].family == triggers.SCHEDULE
