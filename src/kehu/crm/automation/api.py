"""REST endpoints of the automation app: rules (list, create, change, switch on or
off, dry-run), their runs, and the caller's notifications; mounted on ``/api/`` by
:mod:`kehu.crm.api`."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.automation import actions, queries
from kehu.crm.automation.models import Rule, RuleRun
from kehu.crm.automation.reasons import reason_text
from kehu.crm.automation.schemas import EnabledIn, NotificationOut, RuleIn, RuleOut, RuleRunOut
from kehu.crm.rest import ERRORS, Pagination, require_perm

router = Router(tags=["automation"])


def _rule(rule_id: int) -> Rule:
    rule = Rule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404(f"No rule with id {rule_id}.")
    return rule


def _run_out(log: RuleRun) -> dict[str, object]:
    with translation.override("en"):  # the API speaks English, as its errors do
        would_hit = [
            {
                "customer_id": p["customer"],
                "code": p["code"],
                "name": p["name"],
                "event_key": p["event_key"],
                "reason": reason_text(p["reason"]),
            }
            for p in log.preview or []
        ]
    fields = ("id", "rule_id", "event", "dry_run", "started_at", "finished_at", "error")
    counts = ("n_matched", "n_acted", "n_skipped", "n_failed")
    return {**{f: getattr(log, f) for f in (*fields, *counts)}, "would_hit": would_hit}


@router.get("/automation/rules", response=list[RuleOut], summary="List the rules")
@paginate(Pagination)
def list_rules(request: HttpRequest) -> object:
    require_perm(request, "automation.view_rule")
    return Rule.objects.order_by("name", "id")


@router.post("/automation/rules", response={201: RuleOut, **ERRORS}, summary="Create a rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status:
    require_perm(request, "automation.add_rule")
    rule = actions.create_rule(by=request.user, **payload.model_dump())
    return Status(201, rule)


@router.get("/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="One rule")
def get_rule(request: HttpRequest, rule_id: int) -> Rule:
    require_perm(request, "automation.view_rule")
    return _rule(rule_id)


@router.put(
    "/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="Replace a rule"
)
def replace_rule(request: HttpRequest, rule_id: int, payload: RuleIn) -> Rule:
    require_perm(request, "automation.change_rule")
    return actions.update_rule(_rule(rule_id), by=request.user, **payload.model_dump())


@router.post(
    "/automation/rules/{rule_id}/enabled",
    response={200: RuleOut, **ERRORS},
    summary="Switch a rule on or off",
)
def enable_rule(request: HttpRequest, rule_id: int, payload: EnabledIn) -> Rule:
    require_perm(request, "automation.change_rule")
    return actions.set_enabled(_rule(rule_id), payload.enabled, by=request.user)


@router.post(
    "/automation/rules/{rule_id}/dry-run",
    response={201: RuleRunOut, **ERRORS},
    summary="Who the rule would act on now, and why (changes nothing but the log)",
)
def dry_run(request: HttpRequest, rule_id: int) -> Status:
    require_perm(request, "automation.change_rule")
    log = actions.run_rule(_rule(rule_id), dry_run=True, by=request.user)
    return Status(201, _run_out(log))


@router.get(
    "/automation/rules/{rule_id}/runs",
    response={200: list[RuleRunOut], **ERRORS},
    summary="The rule's execution log, newest first (the latest 50)",
)
def rule_runs(request: HttpRequest, rule_id: int) -> list[dict[str, object]]:
    require_perm(request, "automation.view_rulerun")
    return [_run_out(log) for log in queries.rule_runs(_rule(rule_id))]


@router.get(
    "/automation/notifications",
    response=list[NotificationOut],
    summary="The caller's notifications, newest first",
)
@paginate(Pagination)
def list_notifications(request: HttpRequest) -> object:
    return queries.notifications_of(request.user)


@router.post(
    "/automation/notifications/read",
    response={200: dict[str, int], **ERRORS},
    summary="Mark the caller's notifications read",
)
def read_notifications(request: HttpRequest) -> dict[str, int]:
    return {"n_read": actions.mark_read(request.user)}
