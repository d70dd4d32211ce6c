"""What sets a rule off, and who it finds: each trigger is a set-based query (no query
per customer) returning a :class:`Candidate` per customer, with the event's key (the
rule acts on a customer once per key) and the reason in words.

Three families:

- ``analysis``: after an analysis run, this run's history rows
  (``intelligence.CustomerValue``) against those of the previous finished run, in one
  query (a correlated subquery on the (run, customer) index per column compared);
- ``record``: what the records say now, read by the sweep (``kehu rules``, the
  scheduler loop): tickets past or near their service level (``service.sla``), tickets
  without a reply for N working hours, new or resolved tickets, shipped orders, a first
  purchase, no order for N days, the anniversary of the first order, an invoice
  overdue by N days;
- ``schedule``: every customer matching the conditions, daily or weekly at an hour.

Customers have no birthday field, so there is no birthday trigger; the anniversary of
the first order stands in for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, F, Max, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from kehu.crm.automation.params import Param
from kehu.crm.billing.models import Invoice
from kehu.crm.billing.queries import OPEN_AMOUNT, cents
from kehu.crm.intelligence.labels import SEGMENTS, TIERS
from kehu.crm.intelligence.models import CustomerValue, ValueRun
from kehu.crm.sales.models import Order
from kehu.crm.service.models import Ticket, TicketEvent

ANALYSIS, RECORD, SCHEDULE = "analysis", "record", "schedule"
FAMILY_LABELS = {
    ANALYSIS: _("After each analysis run"),
    RECORD: _("On records"),
    SCHEDULE: _("On a schedule"),
}
OPEN_TICKET = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)
TICKET_TYPES = tuple(Ticket.Type.values)
#: working hours of the business calendar (Monday to Friday), until service levels bring
#: their own calendar
WORKDAY_START, WORKDAY_END = time(9), time(17)


@dataclass
class Candidate:
    """A customer a trigger found: the event's key, why (a msgid and its parameters,
    shown in the reader's language), and the ticket it is about, if any."""

    customer_id: int
    event_key: str
    reason: dict[str, Any]
    ticket_id: int | None = None


@dataclass(frozen=True)
class Context:
    """What a trigger reads: the time, and for the analysis family the run."""

    now: datetime
    value_run: ValueRun | None = None


@dataclass(frozen=True)
class Trigger:
    kind: str
    label: str | Promise
    family: str
    params: tuple[Param, ...]
    find: Callable[[dict[str, Any], Context], list[Candidate]]
    about_tickets: bool = False
    help: str | Promise = field(default="")


def _reason(text: str, **params: Any) -> dict[str, Any]:
    return {"text": text, "params": params}


def _pct(value: float | None) -> int:
    return round((value or 0) * 100)


# --- after an analysis run ------------------------------------------------------------


def previous_done_run(run: ValueRun) -> ValueRun | None:
    """The finished run before ``run`` (the one its scores are compared with)."""
    return (
        ValueRun.objects.filter(status=ValueRun.Status.DONE, pk__lt=run.pk).order_by("-pk").first()
    )


def _compared(context: Context, columns: tuple[str, ...]) -> Any:
    """This run's rows with the previous finished run's values of ``columns`` as
    ``before_<column>`` (one query); None when there is no run to compare with."""
    run = context.value_run
    previous = previous_done_run(run) if run is not None else None
    if previous is None:
        return None
    before = CustomerValue.objects.filter(run=previous, customer_id=OuterRef("customer_id"))
    return (
        CustomerValue.objects.filter(run=run)
        .annotate(**{f"before_{c}": Subquery(before.values(c)[:1]) for c in columns})
        .order_by()
    )


def _run_key(context: Context) -> str:
    assert context.value_run is not None
    return f"run:{context.value_run.pk}"


def tier_changed(params: dict[str, Any], context: Context) -> list[Candidate]:
    rows = _compared(context, ("tier",))
    if rows is None:
        return []
    rows = rows.filter(before_tier__isnull=False).exclude(tier=F("before_tier"))
    if params["to_tiers"]:
        rows = rows.filter(tier__in=params["to_tiers"])
    if params["from_tiers"]:
        rows = rows.filter(before_tier__in=params["from_tiers"])
    key = _run_key(context)
    return [
        Candidate(
            c,
            key,
            _reason(gettext_noop("Tier changed from %(before)s to %(after)s"), before=b, after=a),
        )
        for c, b, a in rows.values_list("customer_id", "before_tier", "tier")
    ]


def churn_rose(params: dict[str, Any], context: Context) -> list[Candidate]:
    rows = _compared(context, ("churn_risk",))
    if rows is None:
        return []
    threshold = params["threshold"]
    rows = rows.filter(churn_risk__gte=threshold, before_churn_risk__lt=threshold)
    key = _run_key(context)
    text = gettext_noop("Churn risk rose from %(before)s%% to %(after)s%%")
    return [
        Candidate(c, key, _reason(text, before=_pct(b), after=_pct(a)))
        for c, b, a in rows.values_list("customer_id", "before_churn_risk", "churn_risk")
    ]


def p_alive_fell(params: dict[str, Any], context: Context) -> list[Candidate]:
    rows = _compared(context, ("p_alive",))
    if rows is None:
        return []
    rows = rows.filter(p_alive__lte=F("before_p_alive") - params["drop"])
    key = _run_key(context)
    text = gettext_noop("P(alive) fell from %(before)s%% to %(after)s%%")
    return [
        Candidate(c, key, _reason(text, before=_pct(b), after=_pct(a)))
        for c, b, a in rows.values_list("customer_id", "before_p_alive", "p_alive")
    ]


def flag_raised(params: dict[str, Any], context: Context) -> list[Candidate]:
    rows = _compared(context, ("n_flags",))
    if rows is None:
        return []
    rows = rows.filter(
        n_flags__gte=Coalesce(F("before_n_flags"), Value(0)) + params["min_new_flags"]
    )
    key = _run_key(context)
    text = gettext_noop("Deviation flags rose from %(before)s to %(after)s")
    return [
        Candidate(c, key, _reason(text, before=b or 0, after=a))
        for c, b, a in rows.values_list("customer_id", "before_n_flags", "n_flags")
    ]


def segment_changed(params: dict[str, Any], context: Context) -> list[Candidate]:
    rows = _compared(context, ("rfm_segment",))
    if rows is None:
        return []
    rows = rows.filter(before_rfm_segment__isnull=False).exclude(
        rfm_segment=F("before_rfm_segment")
    )
    if params["to_segments"]:
        rows = rows.filter(rfm_segment__in=params["to_segments"])
    key = _run_key(context)
    text = gettext_noop("Segment changed from %(before)s to %(after)s")
    return [
        Candidate(c, key, _reason(text, before=b, after=a))
        for c, b, a in rows.values_list("customer_id", "before_rfm_segment", "rfm_segment")
    ]


# --- on records -----------------------------------------------------------------------


def working_hours_before(moment: datetime, hours: float) -> datetime:
    """The moment ``hours`` working hours (Monday to Friday, 09:00 to 17:00 local time)
    before ``moment``: a ticket opened before it has waited at least that long."""
    local = timezone.localtime(moment)
    left = timedelta(hours=hours)
    day = local.date()
    while True:
        start = timezone.make_aware(datetime.combine(day, WORKDAY_START), local.tzinfo)
        end = min(timezone.make_aware(datetime.combine(day, WORKDAY_END), local.tzinfo), local)
        if day.weekday() < 5 and end > start:
            if end - start >= left:
                return end - left
            left -= end - start
        day -= timedelta(days=1)


def _since(context: Context, days: int) -> datetime:
    return context.now - timedelta(days=days)


def ticket_unanswered(params: dict[str, Any], context: Context) -> list[Candidate]:
    """Open tickets with no reply to the customer for ``hours`` working hours since they
    were opened (service levels will give the hours per tier and priority)."""
    hours = params["hours"]
    cutoff = working_hours_before(context.now, hours)
    replied = TicketEvent.objects.filter(ticket_id=OuterRef("pk"), kind=TicketEvent.Kind.RESPONSE)
    tickets = Ticket.objects.filter(
        status__in=OPEN_TICKET, first_response_at__isnull=True, opened_at__lte=cutoff
    ).filter(~Exists(replied))
    if params["ticket_types"]:
        tickets = tickets.filter(type__in=params["ticket_types"])
    text = gettext_noop("Ticket %(number)s has had no reply for %(hours)s working hours")
    return [
        Candidate(c, f"ticket:{t}:unanswered:{hours}h", _reason(text, number=n, hours=hours), t)
        for t, c, n in tickets.order_by().values_list("pk", "customer_id", "number")
    ]


SLA_TEXTS = {
    "breached": gettext_noop("Ticket %(number)s has breached its service level"),
    "at_risk": gettext_noop("Ticket %(number)s is at risk of breaching its service level"),
}


def ticket_sla(params: dict[str, Any], context: Context) -> list[Candidate]:
    """Open tickets past (or close to) their first-response or resolution due time, by
    the service levels of their tier and priority (``service.sla``)."""
    from kehu.crm.service import sla

    flag = params["sla_flag"]
    tickets = Ticket.objects.filter(status__in=OPEN_TICKET)
    if params["ticket_types"]:
        tickets = tickets.filter(type__in=params["ticket_types"])
    if flag == "breached":
        tickets = sla.breached_tickets(context.now, tickets)
    else:
        tickets = sla.at_risk_tickets(context.now, queryset=tickets)
    return [
        Candidate(c, f"ticket:{t}:sla:{flag}", _reason(SLA_TEXTS[flag], number=n), t)
        for t, c, n in tickets.order_by().values_list("pk", "customer_id", "number")
    ]


def ticket_opened(params: dict[str, Any], context: Context) -> list[Candidate]:
    tickets = Ticket.objects.filter(opened_at__gte=_since(context, params["within_days"]))
    if params["ticket_types"]:
        tickets = tickets.filter(type__in=params["ticket_types"])
    text = gettext_noop("New ticket %(number)s (%(type)s): %(subject)s")
    rows = tickets.order_by().values_list("pk", "customer_id", "number", "type", "subject")
    return [
        Candidate(c, f"ticket:{t}:opened", _reason(text, number=n, type=k, subject=s), t)
        for t, c, n, k, s in rows
    ]


def ticket_resolved(params: dict[str, Any], context: Context) -> list[Candidate]:
    tickets = Ticket.objects.filter(
        status__in=(Ticket.Status.RESOLVED, Ticket.Status.CLOSED),
        resolved_at__gte=_since(context, params["within_days"]),
    )
    if params["ticket_types"]:
        tickets = tickets.filter(type__in=params["ticket_types"])
    text = gettext_noop("Ticket %(number)s was resolved")
    return [
        Candidate(c, f"ticket:{t}:resolved", _reason(text, number=n), t)
        for t, c, n in tickets.order_by().values_list("pk", "customer_id", "number")
    ]


def order_shipped(params: dict[str, Any], context: Context) -> list[Candidate]:
    orders = Order.objects.filter(
        kind=Order.Kind.SALE,
        status=Order.Status.SHIPPED,
        ordered_at__gte=_since(context, params["within_days"]),
    )
    text = gettext_noop("Order %(number)s was shipped")
    return [
        Candidate(c, f"order:{o}:shipped", _reason(text, number=n))
        for o, c, n in orders.order_by().values_list("pk", "customer_id", "number")
    ]


def _sales() -> Any:
    """Each customer's first and last sale (cancelled orders and returns do not count)."""
    return (
        Order.objects.filter(kind=Order.Kind.SALE)
        .exclude(status__in=(Order.Status.CANCELLED, Order.Status.DRAFT))
        .values("customer_id")
        .order_by("customer_id")
    )


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def first_purchase(params: dict[str, Any], context: Context) -> list[Candidate]:
    rows = _sales().annotate(first=Min("ordered_at"))
    rows = rows.filter(first__gte=_since(context, params["within_days"]))
    text = gettext_noop("First purchase on %(date)s")
    return [
        Candidate(r["customer_id"], "first-purchase", _reason(text, date=str(_day(r["first"]))))
        for r in rows
    ]


def no_order(params: dict[str, Any], context: Context) -> list[Candidate]:
    days = params["days"]
    rows = _sales().annotate(last=Max("ordered_at")).filter(last__lte=_since(context, days))
    text = gettext_noop("No order for %(days)s days (the last on %(date)s)")
    return [
        Candidate(
            r["customer_id"],
            f"no-order:{_day(r['last'])}",
            _reason(
                text, days=(_day(context.now) - _day(r["last"])).days, date=str(_day(r["last"]))
            ),
        )
        for r in rows
    ]


def invoice_overdue(params: dict[str, Any], context: Context) -> list[Candidate]:
    """Open invoices at least ``overdue_days`` past due with at least ``min_open`` left
    to pay: once per invoice and threshold."""
    today = _day(context.now)
    days = params["overdue_days"]
    rows = (
        Invoice.objects.filter(status=Invoice.Status.OPEN, due_on__lte=today - timedelta(days=days))
        .annotate(open=OPEN_AMOUNT)
        .filter(open__gte=params["min_open"], open__gt=0)
        .order_by()
        .values_list("pk", "customer_id", "number", "due_on", "open")
    )
    text = gettext_noop("Invoice %(number)s is %(days)s days overdue (%(amount)s open)")
    return [
        Candidate(
            c,
            f"invoice:{pk}:overdue:{days}",
            _reason(text, number=n, days=(today - due).days, amount=f"{cents(left):,}"),
        )
        for pk, c, n, due, left in rows
    ]


def anniversary(params: dict[str, Any], context: Context) -> list[Candidate]:
    today = _day(context.now)
    rows = (
        _sales()
        .annotate(first=Min("ordered_at"))
        .annotate(month=ExtractMonth("first"), day=ExtractDay("first"))
        .filter(month=today.month, day=today.day, first__lt=context.now - timedelta(days=300))
    )
    text = gettext_noop("%(years)s years since the first order on %(date)s")
    found = []
    for r in rows:
        first = _day(r["first"])
        years = today.year - first.year
        found.append(
            Candidate(
                r["customer_id"],
                f"anniversary:{today.year}",
                _reason(text, years=years, date=str(first)),
            )
        )
    return found


# --- on a schedule --------------------------------------------------------------------


def last_slot(params: dict[str, Any], trigger: str, now: datetime) -> datetime:
    """The latest scheduled moment at or before ``now`` (local time)."""
    local = timezone.localtime(now)
    slot = local.replace(hour=params["hour"], minute=0, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    if trigger == "weekly":
        slot -= timedelta(days=(slot.weekday() - params["weekday"]) % 7)
    return slot


def slot_key(slot: datetime) -> str:
    return f"schedule:{timezone.localtime(slot):%Y-%m-%dT%H:%M}"


def scheduled(params: dict[str, Any], context: Context, trigger: str) -> list[Candidate]:
    """Every customer matching the conditions (the runner applies them); the event is
    the slot."""
    from kehu.crm.customers.models import Customer

    slot = last_slot(params, trigger, context.now)
    text = gettext_noop("Scheduled for %(slot)s")
    reason = _reason(text, slot=f"{timezone.localtime(slot):%Y-%m-%d %H:%M}")
    ids = Customer.objects.filter(merged_into__isnull=True).values_list("pk", flat=True)
    return [Candidate(pk, slot_key(slot), reason) for pk in ids.order_by()]


# --- the catalogue --------------------------------------------------------------------

WITHIN_DAYS = Param("within_days", int, default=7, low=1, high=366)
TYPES = Param("ticket_types", list, default=[], choices=TICKET_TYPES)
HOUR = Param("hour", int, default=8, low=0, high=23)

TRIGGERS: dict[str, Trigger] = {
    t.kind: t
    for t in (
        Trigger(
            "tier_changed",
            _("Tier changed"),
            ANALYSIS,
            (
                Param("to_tiers", list, default=[], choices=TIERS),
                Param("from_tiers", list, default=[], choices=TIERS),
            ),
            tier_changed,
        ),
        Trigger(
            "churn_rose",
            _("Churn risk crossed a threshold upward"),
            ANALYSIS,
            (Param("threshold", float, default=0.5, low=0.01, high=0.99),),
            churn_rose,
        ),
        Trigger(
            "p_alive_fell",
            _("P(alive) fell"),
            ANALYSIS,
            (Param("drop", float, default=0.2, low=0.01, high=1.0),),
            p_alive_fell,
        ),
        Trigger(
            "flag_raised",
            _("A deviation flag was raised"),
            ANALYSIS,
            (Param("min_new_flags", int, default=1, low=1, high=20),),
            flag_raised,
        ),
        Trigger(
            "segment_changed",
            _("RFM segment changed"),
            ANALYSIS,
            (Param("to_segments", list, default=[], choices=SEGMENTS),),
            segment_changed,
        ),
        Trigger(
            "ticket_unanswered",
            _("Ticket open with no reply (working hours)"),
            RECORD,
            (Param("hours", int, default=8, low=1, high=2000), TYPES),
            ticket_unanswered,
            about_tickets=True,
        ),
        Trigger(
            "ticket_sla",
            _("Ticket past or near its service level"),
            RECORD,
            (Param("sla_flag", str, default="breached", choices=tuple(SLA_TEXTS)), TYPES),
            ticket_sla,
            about_tickets=True,
        ),
        Trigger(
            "ticket_opened",
            _("New ticket"),
            RECORD,
            (TYPES, Param("within_days", int, default=2, low=1, high=366)),
            ticket_opened,
            about_tickets=True,
        ),
        Trigger(
            "ticket_resolved",
            _("Ticket resolved"),
            RECORD,
            (TYPES, WITHIN_DAYS),
            ticket_resolved,
            about_tickets=True,
        ),
        Trigger("order_shipped", _("Order shipped"), RECORD, (WITHIN_DAYS,), order_shipped),
        Trigger("first_purchase", _("First purchase"), RECORD, (WITHIN_DAYS,), first_purchase),
        Trigger(
            "no_order",
            _("No order in N days"),
            RECORD,
            (Param("days", int, default=90, low=1, high=3650),),
            no_order,
        ),
        Trigger(
            "invoice_overdue",
            _("Invoice overdue by N days"),
            RECORD,
            (
                Param("overdue_days", int, default=30, low=1, high=3650),
                Param("min_open", int, default=0, low=0, high=10**12),
            ),
            invoice_overdue,
        ),
        Trigger(
            "anniversary",
            _("Anniversary of the first order"),
            RECORD,
            (),
            anniversary,
        ),
        Trigger(
            "daily",
            _("Every day"),
            SCHEDULE,
            (HOUR,),
            lambda p, c: scheduled(p, c, "daily"),
        ),
        Trigger(
            "weekly",
            _("Every week"),
            SCHEDULE,
            (Param("weekday", int, default=0, low=0, high=6), HOUR),
            lambda p, c: scheduled(p, c, "weekly"),
        ),
    )
}


def trigger_choices() -> list[tuple[str, list[tuple[str, str | Promise]]]]:
    """The triggers grouped by family, for a select's option groups."""
    return [
        (str(label), [(t.kind, t.label) for t in TRIGGERS.values() if t.family == family])
        for family, label in FAMILY_LABELS.items()
    ]


def find(kind: str, params: dict[str, Any], context: Context) -> list[Candidate]:
    """Who the trigger ``kind`` finds now (one candidate per customer and event)."""
    seen: dict[tuple[int, str], Candidate] = {}
    for candidate in TRIGGERS[kind].find(params, context):
        seen.setdefault((candidate.customer_id, candidate.event_key), candidate)
    return list(seen.values())
