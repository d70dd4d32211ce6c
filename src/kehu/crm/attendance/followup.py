"""After the event: the writes (actions under a name of their own, beside
:mod:`kehu.crm.attendance.actions`).

- :func:`create_follow_up`, one click once the doors have closed: a follow-up activity for
  the owner of each attending visitor's customer (one per customer, naming who came), one
  per captured lead for its owner, a static target list of the visitors' customers and a
  draft campaign on it for the marketer to finish, and the satisfaction survey invitations;
- :func:`invite_to_survey` and :func:`answer_survey`: the survey's link by email, and the
  answer given on the public page;
- :func:`add_cost`, :func:`update_cost`, :func:`delete_cost`: what the event cost.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from kehu.crm.attendance.models import EventCost, FollowUp, Participant, SurveyResponse
from kehu.crm.customers.models import Customer, Tag
from kehu.crm.events.models import Event
from kehu.crm.marketing import actions as marketing
from kehu.crm.marketing.models import Campaign, Suppression
from kehu.crm.sales import actions as sales
from kehu.crm.sales.models import Activity
from kehu.crm.unset import UNSET, Unset, given
from kehu.crm.validation import validate

#: days after the click that the follow-up activities are due
DUE_DAYS = 3
#: days the follow-up campaign's responses are counted
CAMPAIGN_DAYS = 30
SURVEY_TOKEN_LENGTH = 32
#: the visitors' kinds (exhibitors are followed up only when asked)
VISITOR_KINDS = (
    Participant.Kind.PROFESSIONAL,
    Participant.Kind.TRADE_BUYER,
    Participant.Kind.GENERAL,
)


def attended() -> Q:
    """Who came to an event: a checked-in participant, or an exhibitor still registered
    (an exhibitor's stand is there whether or not its badge was scanned)."""
    return Q(status=Participant.Status.CHECKED_IN) | Q(
        kind=Participant.Kind.EXHIBITOR,
        status__in=(Participant.Status.REGISTERED, Participant.Status.CONFIRMED),
    )


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- the follow-up ----------------------------------------------------------------------


def follow_up_audience(event: Event, *, exhibitors: bool = False) -> QuerySet[Participant]:
    """The participants a follow-up is for: those who came, visitors (and exhibitors)."""
    kinds = [*VISITOR_KINDS, Participant.Kind.EXHIBITOR] if exhibitors else list(VISITOR_KINDS)
    return (
        event.participants.filter(attended(), kind__in=kinds)
        .select_related("customer", "customer__owner", "lead", "lead__owner")
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class FollowUpResult:
    follow_up: FollowUp
    #: visitors with neither a customer nor a lead: nobody to give an activity about
    unassigned: list[Participant]
    #: why the survey invitations could not be sent ("" when they were, or not asked)
    survey_error: str = ""


def _due(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())


def _customer_activities(
    event: Event, visitors: list[Participant], by: AbstractBaseUser, due_at: datetime
) -> int:
    by_customer: dict[int, list[Participant]] = {}
    for p in visitors:
        if p.customer_id is not None:
            by_customer.setdefault(p.customer_id, []).append(p)
    for people in by_customer.values():
        customer = people[0].customer
        assert customer is not None
        names = ", ".join(sorted({p.name for p in people}))
        sales.create_activity(
            owner=customer.owner or event.owner or by,
            subject=_("Follow up after %(event)s") % {"event": event.name},
            due_at=due_at,
            kind=Activity.Kind.FOLLOW_UP,
            customer=customer,
            notes=_("Came to %(event)s: %(names)s.") % {"event": event.name, "names": names},
        )
    return len(by_customer)


def _lead_activities(
    event: Event, visitors: list[Participant], by: AbstractBaseUser, due_at: datetime
) -> int:
    leads = {p.lead_id: p.lead for p in visitors if p.customer_id is None and p.lead_id}
    for lead in leads.values():
        assert lead is not None
        url = f"{settings.KEHU_SITE_URL}{lead.get_absolute_url()}"
        sales.create_activity(
            owner=lead.owner or event.owner or by,
            subject=_("Follow up the lead %(name)s after %(event)s")
            % {"name": lead.name, "event": event.name},
            due_at=due_at,
            kind=Activity.Kind.FOLLOW_UP,
            notes=_("Lead captured at %(event)s: %(name)s (%(company)s) %(url)s")
            % {"event": event.name, "name": lead.name, "company": lead.company, "url": url},
        )
    return len(leads)


def visitor_tag(event: Event) -> str:
    """The tag the follow-up gives the visitors' customers (the target list's filter)."""
    return f"event:{event.slug}"[: Tag._meta.get_field("name").max_length]


def _tag_customers(tag_name: str, customer_ids: set[int]) -> None:
    tag, _created = Tag.objects.get_or_create(name=tag_name)
    through = Customer.tags.through
    have = set(through.objects.filter(tag=tag).values_list("customer_id", flat=True))
    through.objects.bulk_create(
        [through(customer_id=c, tag_id=tag.pk) for c in sorted(customer_ids - have)]
    )


def _template_safe(text: str) -> str:
    """A name put into a campaign's message template, read as text, not as a tag."""
    return text.replace("{", "(").replace("}", ")").replace("%", " ")


def _campaign(event: Event, customer_ids: set[int], by: AbstractBaseUser) -> tuple[Any, Any]:
    if not customer_ids:
        return None, None
    tag = visitor_tag(event)
    _tag_customers(tag, customer_ids)
    target_list = marketing.create_target_list(
        name=_("Visitors of %(event)s") % {"event": event.name}, filters={"tag": tag}, by=by
    )
    name = _template_safe(event.name)
    today = timezone.localdate()
    campaign = marketing.create_campaign(
        name=_("Follow-up of %(event)s") % {"event": event.name},
        goal=Campaign.Goal.RETENTION,
        channels=[Campaign.Channel.EMAIL],
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=CAMPAIGN_DAYS),
        owner=by,
        target_list=target_list,
        subject_en=f"Thank you for visiting us at {name}",
        body_en=(
            "Dear {{ customer.greeting_name }},\n\nthank you for visiting us at "
            f"{name}. We would be glad to continue our conversation.\n\n"
            "Yours,\n{{ owner.name }}"
        ),
        subject_zh=f"感谢您莅临{name}",
        body_zh=(
            "尊敬的{{ customer.greeting_name }}：\n\n感谢您莅临"
            f"{name}，期待与您继续交流。\n\n此致\n{{{{ owner.name }}}}"
        ),
    )
    return target_list, campaign


@transaction.atomic
def create_follow_up(
    event: Event,
    *,
    by: AbstractBaseUser,
    exhibitors: bool = False,
    survey: bool = True,
    due_days: int = DUE_DAYS,
) -> FollowUpResult:
    """Follow the event up, once: activities for the owners of the visitors' customers
    and leads (due in ``due_days``), a draft campaign on a target list of the visitors'
    customers, and (``survey``) the survey invitations by email."""
    if FollowUp.objects.filter(event=event).exists():
        raise _error("event", _("This event has been followed up already."), "done")
    if due_days < 0:
        raise _error("due_days", _("The activities cannot be due in the past."), "invalid")
    visitors = list(follow_up_audience(event, exhibitors=exhibitors))
    if not visitors:
        raise _error(
            "event",
            _("Nobody has checked in at this event yet: there is no one to follow up."),
            "empty",
        )
    due_at = _due(due_days)
    n_customers = _customer_activities(event, visitors, by, due_at)
    n_leads = _lead_activities(event, visitors, by, due_at)
    customer_ids = {p.customer_id for p in visitors if p.customer_id is not None}
    target_list, campaign = _campaign(event, customer_ids, by)
    follow_up = FollowUp(
        event=event,
        created_by=by,
        n_activities=n_customers,
        n_lead_activities=n_leads,
        target_list=target_list,
        campaign=campaign,
    )
    validate(follow_up)
    try:
        with transaction.atomic():
            follow_up.save()
    except IntegrityError as e:  # clicked twice at once: the other click did it
        raise _error("event", _("This event has been followed up already."), "done") from e
    survey_error = ""
    if survey:
        try:
            # everyone who came, exhibitors too: their answers are the exhibitors' satisfaction
            follow_up.n_invitations = invite_to_survey(event)
        except SurveyNotSent as e:
            survey_error = str(e)
        follow_up.save(update_fields=["n_invitations"])
    unassigned = [p for p in visitors if p.customer_id is None and p.lead_id is None]
    return FollowUpResult(follow_up, unassigned, survey_error)


# --- the survey --------------------------------------------------------------------------


class SurveyNotSent(Exception):
    """The mail server refused or could not be reached: nobody was marked invited."""


def survey_url(participant: Participant) -> str:
    path = reverse("attendance:survey", args=[participant.survey_token])
    return f"{settings.KEHU_SITE_URL}{path}"


def _survey_message(participant: Participant) -> EmailMessage:
    event = participant.event
    context = {"participant": participant, "event": event, "url": survey_url(participant)}
    return EmailMessage(
        subject=_("How was %(event)s?") % {"event": event.name},
        body=render_to_string("attendance/survey_email.txt", context),
        to=[participant.email],
    )


def invite_to_survey(event: Event, participants: list[Participant] | None = None) -> int:
    """Email the survey's link to each participant who came (or of ``participants``)
    with an email that is not suppressed and has not been invited yet; returns how many
    were sent. Each gets an unguessable token of its own."""
    if participants is None:
        participants = list(event.participants.filter(attended()))
    todo = [p for p in participants if p.email and p.survey_sent_at is None]
    blocked = set(
        Suppression.objects.filter(
            channel=Campaign.Channel.EMAIL, address__in=[p.email.strip().lower() for p in todo]
        ).values_list("address", flat=True)
    )
    todo = [p for p in todo if p.email.strip().lower() not in blocked]
    for p in todo:
        p.survey_token = p.survey_token or get_random_string(SURVEY_TOKEN_LENGTH)
        p.event = event
    messages = [_survey_message(p) for p in todo]
    if not messages:
        return 0
    try:
        get_connection().send_messages(messages)
    except (OSError, smtplib.SMTPException) as e:
        raise SurveyNotSent(
            _("The survey invitations could not be sent (%(error)s); try again later.")
            % {"error": e}
        ) from e
    now = timezone.now()
    for p in todo:
        p.survey_sent_at = now
    Participant.objects.bulk_update(todo, ["survey_token", "survey_sent_at"])
    return len(todo)


@transaction.atomic
def answer_survey(
    participant: Participant, *, rating: int, would_return: bool, comment: str = ""
) -> SurveyResponse:
    """The participant's answer; answering again changes it."""
    response = SurveyResponse.objects.filter(participant=participant).first() or SurveyResponse(
        participant=participant
    )
    response.rating, response.would_return = rating, would_return
    response.comment, response.answered_at = comment.strip(), timezone.now()
    validate(response)
    response.save()
    return response


# --- costs --------------------------------------------------------------------------------


@transaction.atomic
def add_cost(event: Event, *, category: str, amount: Decimal, note: str = "") -> EventCost:
    cost = EventCost(event=event, category=category, amount=amount, note=note.strip())
    validate(cost)
    cost.save()
    return cost


@transaction.atomic
def update_cost(
    cost: EventCost,
    *,
    category: str | Unset = UNSET,
    amount: Decimal | Unset = UNSET,
    note: str | Unset = UNSET,
) -> EventCost:
    for name, value in given(category=category, amount=amount, note=note).items():
        setattr(cost, name, value.strip() if isinstance(value, str) and name == "note" else value)
    validate(cost)
    cost.save()
    return cost


@transaction.atomic
def delete_cost(cost: EventCost) -> None:
    cost.delete()
