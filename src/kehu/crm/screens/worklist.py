"""The morning worklist: the customers a user owns where an action pays most, ranked
by the value at stake, each with its reasons in words and a one-click call.

Who is on it
    The customers the user owns; a user who sees every customer (an administrator, a
    manager) also gets the customers nobody owns, since nobody else will act on them.
    Merged records, customers without scores and customers without a predicted CLV are
    left out. A customer someone already acted on counts as handled: the user has an
    activity about them created since the current scores' analysis run finished (the
    call planned from this list, or one planned by hand); handled customers leave the
    list until the next run finds them again.

The reasons (a customer is listed when at least one holds)
    - ``churn_rose``: the churn risk rose by at least :data:`MIN_RISE` since the
      previous finished run (``CustomerValue`` of that run against ``CustomerScore``);
    - ``flag``: the analysis raised a deviation flag (``CustomerInsight.flags``; the
      most severe is shown, phrased by ``mining_labels.flag_text``);
    - ``complaint``: an open complaint (not resolved or closed) of a Platinum or Gold
      customer (:data:`TOP_TIERS`);
    - ``sla``: an open ticket of the customer whose first response or resolution is
      about to breach its service level, or has breached it
      (:func:`kehu.crm.service.sla.at_risk_q` and ``breached_q``: the stored due and
      at-risk times against now).

    Under them, never alone: ``offer``, when the campaigns so far predict that a
    campaign raises the customer's chance to order (``marketing.ResponseScore.uplift``
    above zero). It says an offer may work, not that anything is at stake, so it does
    not put a customer on the list by itself.

The value (one scale for ranking)
    ``value = predicted_clv x risk``: the customer value at stake, where
    ``predicted_clv`` is the analysis's expected future spend of the customer and
    ``risk`` is the churn model's probability that they stop buying (``churn_risk``),
    or ``1 - p_alive`` (BG/NBD's probability that they have already left) for a run
    whose churn model could not be learnt. The expected value of acting is this times
    the share of customers an action keeps; kehu has no measured save rate for a call
    yet (uplift is measured for campaigns, not calls), so the worklist assumes the
    same rate for every reason and ranks by the value at stake, which then orders the
    items as their expected values would. The CLV already discounts for the chance of
    leaving, so the figure is the stake, not a forecast of money saved. Every reason of
    a customer is about the same stake; they differ in how urgent they are, so the
    shown reason is the most urgent (a service level about to breach, an open
    complaint, the risk that rose, a flag) and the others are listed under it.

Cost: three queries whatever the number of customers (the last two finished runs; the
scores with the reasons and the handled test as subqueries, ranked and cut in SQL; the
tickets the shown items name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.customers.models import Customer
from kehu.crm.intelligence.labels import label
from kehu.crm.intelligence.mining_labels import FLAG_KINDS, flag_text
from kehu.crm.intelligence.models import CustomerScore, CustomerValue, ValueRun
from kehu.crm.sales.actions import create_activity
from kehu.crm.sales.models import Activity
from kehu.crm.service.models import Ticket
from kehu.crm.service.sla import at_risk_q, breached_q

#: a rise smaller than five percentage points is within what a refit moves a risk
MIN_RISE = 0.05
#: the value pyramid's top tiers, whose complaints are worth a call
TOP_TIERS = ("Platinum", "Gold")
OPEN_TICKET = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)
#: the planned call is due the next day at this local time
CALL_AT = time(9)
# the order in which a customer's reasons are shown (most urgent first)
URGENCY = ("sla", "complaint", "churn_rose", "flag", "offer")


class NotOnWorklist(Exception):
    """A customer of the user with nothing on the worklist now (a later run or a
    closed ticket took the reason away after the page was drawn)."""

    def __init__(self, customer: Customer) -> None:
        super().__init__(f"customer {customer.pk} has nothing on the worklist")
        self.customer = customer


@dataclass
class Reason:
    kind: str
    text: str


@dataclass
class WorkItem:
    """One customer on the worklist: the value at stake, the most urgent reason and the
    others, the open complaint to open (if any), the current CLV and churn risk."""

    customer: Customer
    value: float
    reason: Reason
    more: list[Reason] = field(default_factory=list)
    ticket: Ticket | None = None
    clv: float = 0.0
    risk: float = 0.0
    tier: str = ""
    planned: Activity | None = None


def _runs() -> tuple[ValueRun | None, int | None]:
    """The latest finished run and the id of the one before it (one query)."""
    runs = list(ValueRun.objects.filter(status=ValueRun.Status.DONE).order_by("-pk")[:2])
    if not runs:
        return None, None
    return runs[0], runs[1].pk if len(runs) > 1 else None


def _since(run: ValueRun) -> datetime:
    return run.finished_at or run.started_at or run.created_at


def _mine(user: AbstractBaseUser) -> Q:
    """The customers whose work is this user's: their own, and nobody's for a user who
    sees every customer."""
    mine = Q(customer__owner=user)
    if sees_all_customers(user):
        mine |= Q(customer__owner__isnull=True)
    return mine & Q(customer__merged_into__isnull=True)


def _candidates(user: AbstractBaseUser, run: ValueRun, previous_id: int | None) -> QuerySet:
    before = CustomerValue.objects.filter(run_id=previous_id, customer_id=OuterRef("customer_id"))
    complaint = Ticket.objects.filter(
        customer_id=OuterRef("customer_id"), type=Ticket.Type.COMPLAINT, status__in=OPEN_TICKET
    ).order_by("opened_at", "pk")
    now = timezone.now()
    late = Ticket.objects.filter(
        at_risk_q(now) | breached_q(now),
        customer_id=OuterRef("customer_id"),
        status__in=OPEN_TICKET,
    ).order_by("opened_at", "pk")
    handled = Activity.objects.filter(
        owner=user, customer_id=OuterRef("customer_id"), created_at__gte=_since(run)
    )
    risk = Coalesce(F("churn_risk"), Value(1.0) - F("p_alive"))
    rows = CustomerScore.objects.filter(_mine(user), predicted_clv__gt=0).annotate(
        risk=ExpressionWrapper(risk, output_field=FloatField()),
        before_risk=Subquery(before.values("churn_risk")[:1])
        if previous_id
        else Value(None, output_field=FloatField()),
        complaint_id=Subquery(complaint.values("pk")[:1]),
        sla_id=Subquery(late.values("pk")[:1]),
        value=ExpressionWrapper(F("predicted_clv") * risk, output_field=FloatField()),
    )
    rows = rows.filter(value__gt=0).exclude(Exists(handled))
    reasons = (
        Q(n_flags__gt=0)
        | Q(tier__in=TOP_TIERS, complaint_id__isnull=False)
        | Q(sla_id__isnull=False)
    )
    if previous_id:
        reasons |= Q(churn_risk__gte=F("before_risk") + MIN_RISE)
    return rows.filter(reasons).select_related(
        "customer", "customer__insight", "customer__response_score"
    )


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _sla_text(ticket: Ticket) -> str:
    """Which target of the ticket is in trouble, when it is due, and whether it is late."""
    now = timezone.now()
    first = ticket.first_response_at is None and ticket.first_response_due is not None
    if first and ticket.first_response_due > now:
        first = ticket.first_response_risk_at is not None and ticket.first_response_risk_at <= now
    due = ticket.first_response_due if first else ticket.resolution_due
    values = {
        "number": ticket.number,
        "due": date_format(timezone.localtime(due), "SHORT_DATETIME_FORMAT") if due else "",
        "subject": ticket.subject,
    }
    if due is not None and due <= now:
        if first:
            text = _("SLA breached on %(number)s: first response was due %(due)s (%(subject)s)")
        else:
            text = _("SLA breached on %(number)s: resolution was due %(due)s (%(subject)s)")
    elif first:
        text = _("SLA at risk on %(number)s: first response due %(due)s (%(subject)s)")
    else:
        text = _("SLA at risk on %(number)s: resolution due %(due)s (%(subject)s)")
    return text % values


def _reasons(score: Any, ticket: Ticket | None, late: Ticket | None) -> list[Reason]:
    found = []
    if late is not None:
        found.append(Reason("sla", _sla_text(late)))
    if ticket is not None and score.tier in TOP_TIERS:
        text = _("Open complaint %(number)s from a %(tier)s customer: %(subject)s") % {
            "number": ticket.number,
            "tier": label(score.tier),
            "subject": ticket.subject,
        }
        found.append(Reason("complaint", text))
    before, now = score.before_risk, score.churn_risk
    if before is not None and now is not None and now >= before + MIN_RISE:
        text = _("Churn risk rose from %(before)s%% to %(after)s%%") % {
            "before": round(100 * before),
            "after": round(100 * now),
        }
        found.append(Reason("churn_rose", text))
    insight = getattr(score.customer, "insight", None)
    flags = sorted(insight.flags if insight else [], key=lambda f: -(f.get("severity") or 0))
    for flag in flags:
        kind = FLAG_KINDS.get(flag.get("kind", ""), flag.get("kind", ""))
        found.append(Reason("flag", f"{kind}: {flag_text(flag)}"))
    response = getattr(score.customer, "response_score", None)
    if found and response is not None and (response.uplift or 0) > 0:
        text = _(
            "Likely to respond to an offer: a campaign raises their chance to order by "
            "%(points)s points (predicted from the campaigns so far)"
        ) % {"points": number_format(100 * response.uplift, decimal_pos=1)}
        found.append(Reason("offer", text))
    return sorted(found, key=lambda r: URGENCY.index(r.kind))


def _items(rows: QuerySet, limit: int) -> list[WorkItem]:
    rows = list(rows.order_by("-value", "customer_id")[:limit])
    wanted = {r.complaint_id for r in rows} | {r.sla_id for r in rows}
    tickets = Ticket.objects.in_bulk(wanted - {None}) if wanted - {None} else {}
    items = []
    for row in rows:
        ticket = tickets.get(row.complaint_id) if row.tier in TOP_TIERS else None
        late = tickets.get(row.sla_id)
        reasons = _reasons(row, ticket, late)
        if not reasons:  # a flag count without the flags (an older run): nothing to say
            continue
        items.append(
            WorkItem(
                customer=row.customer,
                value=row.value,
                reason=reasons[0],
                more=reasons[1:],
                ticket=late or ticket,
                clv=row.predicted_clv,
                risk=row.risk,
                tier=row.tier,
            )
        )
    return items


def worklist_for(user: AbstractBaseUser, limit: int = 10) -> list[WorkItem]:
    """The user's worklist, most value at stake first, at most one item per customer
    and ``limit`` items; empty before the first finished analysis run."""
    if not user.is_authenticated:
        return []
    run, previous_id = _runs()
    if run is None:
        return []
    return _items(_candidates(user, run, previous_id), limit)


def has_scores() -> bool:
    return ValueRun.objects.filter(status=ValueRun.Status.DONE).exists()


def money(value: float) -> str:
    return number_format(value, decimal_pos=0, force_grouping=True)


def _due_tomorrow() -> datetime:
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, CALL_AT))


@transaction.atomic
def plan_call(user: AbstractBaseUser, customer_id: int) -> WorkItem:
    """Give ``user`` a call with the customer tomorrow, its notes the item's reasons;
    idempotent: when the user already has an activity about the customer since the
    run (this call planned before, or one of their own), that one is returned as the
    item's ``planned`` and nothing is added. Http404 when the customer is not one of
    the worklist's (not the user's, not scored); :class:`NotOnWorklist` when they are
    but nothing is to be done about them now."""
    run, previous_id = _runs()
    if run is None:
        raise Http404("no analysis run yet")
    customers = Customer.objects.filter(
        pk__in=CustomerScore.objects.filter(_mine(user)).values("customer_id")
    )
    customer = customers.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise Http404("not a customer of this worklist")
    done = Activity.objects.filter(owner=user, customer=customer, created_at__gte=_since(run))
    existing = done.order_by("-created_at").first()
    if existing is not None:
        return WorkItem(customer, 0.0, Reason("planned", existing.subject), planned=existing)
    rows = _candidates(user, run, previous_id).filter(customer_id=customer_id)
    items = _items(rows, 1)
    if not items:
        raise NotOnWorklist(customer)
    item = items[0]
    notes = [r.text for r in (item.reason, *item.more)]
    notes.append(
        _("CLV %(clv)s, churn risk %(risk)s, value at stake %(value)s")
        % {"clv": money(item.clv), "risk": _percent(item.risk), "value": money(item.value)}
    )
    item.planned = create_activity(
        owner=user,
        customer=customer,
        kind=Activity.Kind.CALL,
        subject=(
            _("Call %(customer)s: %(reason)s")
            % {"customer": customer.name, "reason": item.reason.text}
        )[:200],
        due_at=_due_tomorrow(),
        notes="\n".join(notes),
    )
    return item


def worklist_context(user: AbstractBaseUser) -> dict[str, Any]:
    """What the home page's worklist shows: the items, and when there are none, why
    (``no_analysis``; ``no_customers``: none of the user's customers is scored;
    ``all_done``); one or two more queries only
    when the list is empty."""
    items = worklist_for(user)
    empty = ""
    if not items:
        if not has_scores():
            empty = "no_analysis"
        elif not CustomerScore.objects.filter(_mine(user)).exists():
            empty = "no_customers"
        else:
            empty = "all_done"
    return {"worklist": items, "worklist_empty": empty}


def gone_text(customer: Customer) -> str:
    return _("%(customer)s is no longer on your worklist: nothing was planned.") % {
        "customer": customer.name
    }
