"""REST endpoints of events and their plans: the event list and one event, and an
event's plan with each work item's schedule figures (earliest and latest start and
finish, slack, critical) and the delays late items cause. Bad input is a 422 naming
the field."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from kehu.crm.events import queries
from kehu.crm.events.models import Event
from kehu.crm.events.schemas import EventFilters, EventOut, PlanFilters, PlanOut
from kehu.crm.rest import ERRORS, DbId, Pagination, require_perm, username_of

router = Router(tags=["events"])


def _event(pk: int) -> Event:
    event = Event.objects.select_related("owner").filter(pk=pk).first()
    if event is None:
        raise Http404(f"No event with id {pk}.")
    return event


@router.get("/events", response=list[EventOut], summary="List events, latest first")
@paginate(Pagination)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> QuerySet[Event]:
    require_perm(request, "events.view_event")
    given = {k: v for k, v in filters.model_dump().items() if v is not None}
    return queries.filtered_events(**given)


@router.get("/events/{pk}", response={200: EventOut, **ERRORS}, summary="One event")
def get_event(request: HttpRequest, pk: DbId) -> Event:
    require_perm(request, "events.view_event")
    return _event(pk)


@router.get(
    "/events/{pk}/plan",
    response={200: PlanOut, **ERRORS},
    summary="An event's plan: work items with their schedule figures, critical path, delays",
)
def get_plan(request: HttpRequest, pk: DbId, filters: Query[PlanFilters]) -> dict[str, Any]:
    require_perm(request, "events.view_event", "events.view_workitem")
    event = _event(pk)
    plan = queries.event_plan(event, today=filters.today)
    items = [
        {
            "id": r.item.pk,
            "phase": r.item.phase.name,
            **{
                f: getattr(r.item, f)
                for f in (
                    "name",
                    "goal",
                    "target",
                    "step",
                    "duration_days",
                    "planned_start",
                    "deadline",
                    "actual_start",
                    "actual_finish",
                    "expected_finish",
                )
            },
            "owner": username_of(r.item.owner),
            "early_start": r.early_start,
            "early_finish": r.early_finish,
            "late_start": r.late_start,
            "late_finish": r.late_finish,
            "slack_days": r.slack,
            "critical": r.critical,
            "days_late": r.days_late,
            "depends_on": [
                {"predecessor_id": d.predecessor_id, "kind": d.kind, "lag_days": d.lag_days}
                for d in r.predecessors
            ],
        }
        for _phase, rows in plan.phases
        for r in rows
    ]
    delays = [
        {
            "item_id": d.row.item.pk,
            "name": d.row.item.name,
            "days": d.days,
            "delays_event": d.delays_event,
            "pushed": [
                {
                    "item_id": p.row.item.pk,
                    "name": p.row.item.name,
                    "days": p.days,
                    "past_event_start": p.past_event_start,
                    "past_deadline": p.past_deadline,
                }
                for p in d.pushed
            ],
        }
        for d in plan.delays
    ]
    return {
        "event": event,
        "today": plan.today,
        "start": plan.start,
        "finish": plan.finish,
        "planned_finish": plan.planned_finish,
        "critical_path": [r.item.pk for r in plan.critical],
        "items": items,
        "delays": delays,
    }
