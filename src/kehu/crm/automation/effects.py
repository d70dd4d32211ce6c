"""What a rule does to a customer it found: each kind of action, its parameters, and
how it is done, always through the owning app's ``actions.py`` (a task through
``sales.actions``, a tag through ``customers.actions``, an escalation through
``service.actions``, a notification through this app's own), so that a change a rule
makes is the same as the change made by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kehu.crm.automation.params import Param, clean_params
from kehu.crm.automation.reasons import in_language_of, reason_text
from kehu.crm.customers.models import Customer
from kehu.crm.sales.models import Activity
from kehu.crm.service.models import Ticket

ACTIVITY_KINDS = (
    Activity.Kind.CALL,
    Activity.Kind.VISIT,
    Activity.Kind.EMAIL,
    Activity.Kind.FOLLOW_UP,
    Activity.Kind.TASK,
    Activity.Kind.MEETING,
)
PRIORITY_ORDER = list(Ticket.Priority.values)  # low, normal, high, urgent


@dataclass(frozen=True)
class Target:
    """One customer a rule acts on, for one event, with the reason in words."""

    customer: Customer
    event_key: str
    reason: dict[str, Any]
    ticket: Ticket | None
    rule_name: str
    rule_id: int
    #: a ready-made rule's key: its name is then shown translated
    rule_key: str
    now: datetime


@dataclass(frozen=True)
class Effect:
    kind: str
    label: str | Promise
    params: tuple[Param, ...]
    apply: Callable[[dict[str, Any], Target], dict[str, Any]]
    #: parameters naming a user, checked to exist and be active
    user_params: tuple[str, ...] = ()


def _user(pk: int | None) -> AbstractBaseUser | None:
    if pk is None:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def rule_name(target: Target) -> str:
    """The rule's name in the active language (a ready-made rule's name is translated;
    a name a user wrote is as written)."""
    return gettext(target.rule_name) if target.rule_key else target.rule_name


def _subject(target: Target, subject: str) -> str:
    return f"{subject or rule_name(target)}: {reason_text(target.reason)}"[:200]


def create_activity(params: dict[str, Any], target: Target) -> dict[str, Any]:
    """A task for the customer's owner (or the rule's fallback user), due in N days,
    its subject and notes written in the owner's language."""
    from kehu.crm.sales import actions as sales

    owner = target.customer.owner or _user(params["fallback_user"])
    if owner is None:
        raise ValidationError(gettext("the customer has no owner and the rule no fallback user"))
    with in_language_of(owner):
        subject = _subject(target, params["subject"])
        notes = gettext("Created by the rule “%(rule)s”: %(reason)s") % {
            "rule": rule_name(target),
            "reason": reason_text(target.reason),
        }
    activity = sales.create_activity(
        owner=owner,
        subject=subject,
        due_at=target.now + timedelta(days=params["due_days"]),
        kind=params["activity_kind"],
        customer=target.customer,
        notes=notes,
    )
    return {"kind": "activity", "id": activity.pk, "owner": owner.pk}


def add_tag(params: dict[str, Any], target: Target) -> dict[str, Any]:
    from kehu.crm.customers import actions as customers

    names = list(target.customer.tags.values_list("name", flat=True))
    if params["add_tag"] not in names:
        customers.update_customer(target.customer, tags=[*names, params["add_tag"]])
    return {"kind": "tag", "name": params["add_tag"]}


def _ticket_of(target: Target) -> Ticket | None:
    if target.ticket is not None:
        return target.ticket
    return (
        Ticket.objects.filter(
            customer=target.customer,
            status__in=(Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING),
        )
        .order_by("-opened_at", "-id")
        .first()
    )


def escalate(params: dict[str, Any], target: Target) -> dict[str, Any]:
    """Raise the ticket's priority (never lower it) and/or assign it, with a note on
    the ticket's event log saying why."""
    from kehu.crm.service import actions as service

    ticket = _ticket_of(target)
    if ticket is None:
        return {"kind": "escalate", "ticket": None}
    changes: dict[str, Any] = {}
    wanted = params["priority"]
    if wanted and PRIORITY_ORDER.index(wanted) > PRIORITY_ORDER.index(ticket.priority):
        changes["priority"] = wanted
    assignee = _user(params["assignee"])
    if assignee is not None and assignee.pk != ticket.assignee_id:
        changes["assignee"] = assignee
    if changes:
        before = ticket.get_priority_display()
        service.update_ticket(ticket, **changes)
        note = gettext(
            "Escalated by the rule “%(rule)s” (%(reason)s): priority %(before)s → %(after)s"
        ) % {
            "rule": rule_name(target),
            "reason": reason_text(target.reason),
            "before": before,
            "after": ticket.get_priority_display(),
        }
        service.add_comment(ticket, note)
    return {"kind": "escalate", "ticket": ticket.pk, "changed": sorted(changes)}


def notify(params: dict[str, Any], target: Target) -> dict[str, Any]:
    from kehu.crm.automation import actions

    user = _user(params["user"]) if params["user"] else target.customer.owner
    if user is None:
        raise ValidationError(gettext("there is no user to notify (the customer has no owner)"))
    with in_language_of(user):
        text = gettext("%(rule)s: %(customer)s — %(reason)s") % {
            "rule": rule_name(target),
            "customer": target.customer.name,
            "reason": reason_text(target.reason),
        }
    link = (target.ticket or target.customer).get_absolute_url()
    note = actions.notify(user, text=text, link=link, rule_id=target.rule_id)
    return {"kind": "notify", "id": note.pk, "user": user.pk}


def enrol(params: dict[str, Any], target: Target) -> dict[str, Any]:
    """Add the customer to a campaign (an always-on campaign sends to new members as
    they arrive: how a rule sends a message); one already a member stays as they are."""
    from kehu.crm.marketing import actions as marketing
    from kehu.crm.marketing.models import Campaign

    campaign = Campaign.objects.filter(pk=params["campaign"]).first()
    if campaign is None:
        raise ValidationError(gettext("the campaign of this rule no longer exists"))
    added = marketing.enrol(campaign, [target.customer])
    return {"kind": "enrol", "campaign": campaign.pk, "added": added}


def _check_campaign(pk: int) -> None:
    from kehu.crm.marketing.models import Campaign

    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise ValidationError({"campaign": ValidationError(f"no campaign has id {pk}", "unknown")})
    if campaign.status == Campaign.Status.CANCELLED:
        raise ValidationError(
            {"campaign": ValidationError(f"campaign {pk} is cancelled", "cancelled")}
        )


EFFECTS: dict[str, Effect] = {
    e.kind: e
    for e in (
        Effect(
            "activity",
            _("Create an activity for the owner"),
            (
                Param("activity_kind", str, default="call", choices=ACTIVITY_KINDS),
                Param("due_days", int, default=3, low=0, high=365),
                Param("subject", str, default="", max_length=120),
                Param("fallback_user", int, default=None, low=1),
            ),
            create_activity,
            user_params=("fallback_user",),
        ),
        Effect(
            "tag",
            _("Tag the customer"),
            (Param("add_tag", str, required=True, max_length=50),),
            add_tag,
        ),
        Effect(
            "escalate",
            _("Escalate the ticket"),
            (
                Param("priority", str, default="", choices=("", *PRIORITY_ORDER)),
                Param("assignee", int, default=None, low=1),
            ),
            escalate,
            user_params=("assignee",),
        ),
        Effect(
            "notify",
            _("Notify a user"),
            (Param("user", int, default=None, low=1),),
            notify,
            user_params=("user",),
        ),
        Effect(
            "enrol",
            _("Enrol in a campaign"),
            (Param("campaign", int, required=True, low=1),),
            enrol,
        ),
    )
}


def clean_effect(given: Any) -> dict[str, Any]:
    """One action of a rule checked: ``{"kind": ..., <its parameters>}``."""
    if not isinstance(given, dict) or given.get("kind") not in EFFECTS:
        kind = given.get("kind") if isinstance(given, dict) else given
        raise ValidationError(
            {
                "actions": ValidationError(
                    f"an action's kind must be one of {list(EFFECTS)}, got {kind!r}",
                    "invalid_choice",
                )
            }
        )
    effect = EFFECTS[given["kind"]]
    params = {k: v for k, v in given.items() if k != "kind"}
    cleaned = clean_params(effect.params, params, where="actions")
    for name in effect.user_params:
        if cleaned[name] is not None and _user(cleaned[name]) is None:
            raise ValidationError(
                {name: ValidationError(f"no active user has id {cleaned[name]}", "unknown_user")}
            )
    if effect.kind == "escalate" and not (cleaned["priority"] or cleaned["assignee"]):
        raise ValidationError(
            {
                "priority": ValidationError(
                    "an escalation raises the priority or assigns", "required"
                )
            }
        )
    if effect.kind == "enrol":
        _check_campaign(cleaned["campaign"])
    return {"kind": effect.kind, **cleaned}


def apply(action: dict[str, Any], target: Target) -> dict[str, Any]:
    """Do one of a rule's actions to ``target``; returns what was done."""
    return EFFECTS[action["kind"]].apply(action, target)
