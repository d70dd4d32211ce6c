"""Inviting customers to an event through the marketing app: a target list (an existing
one, or one made from a segment), a draft event-invitation campaign whose message
carries the public registration link, its members enrolled, and each customer the
campaign will reach recorded as an invited participant. The campaign is sent from its
own page, as every campaign is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.crm.attendance.models import Participant, new_badge_code
from kehu.crm.customers.models import Customer
from kehu.crm.events.models import Event
from kehu.crm.marketing import actions as marketing
from kehu.crm.marketing.messages import site_url
from kehu.crm.marketing.models import Campaign, CampaignMember, TargetList

CHUNK = 2000


@dataclass(frozen=True)
class Invitation:
    campaign: Campaign
    n_invited: int  # participants recorded (the targeted group, not the control group)
    n_enrolled: int  # campaign members (control group and skipped ones included)


def registration_url(event: Event) -> str:
    """The public registration page of ``event``, as a customer reaches it."""
    return site_url(reverse("attendance:register", args=[event.slug]))


def _plain(text: str) -> str:
    """Text put into a message template, without what the template would read as its
    own syntax."""
    return text.replace("{", "(").replace("}", ")").replace("%", "")


def _messages(event: Event) -> dict[str, str]:
    link = registration_url(event)
    when = event.starts_on.isoformat()
    where = _plain(", ".join(p for p in (event.venue, event.city) if p))
    name = _plain(event.name)
    return {
        "subject_en": f"You are invited: {name}, {{{{ customer.greeting_name }}}}",
        "body_en": (
            "Dear {{ customer.greeting_name }},\n\n"
            f"We would be glad to welcome you at {name} on {when}"
            f"{' at ' + where if where else ''}.\n\n"
            f"Register here and get your badge: {link}\n\n"
            "Yours,\n{{ owner.name }}"
        ),
        "subject_zh": f"{{{{ customer.greeting_name }}}}，诚邀您参加{name}",
        "body_zh": (
            "尊敬的{{ customer.greeting_name }}：\n\n"
            f"诚邀您于 {when} 参加{name}"
            f"{'（' + where + '）' if where else ''}。\n\n"
            f"请在此报名并领取您的胸卡：{link}\n\n"
            "此致\n{{ owner.name }}"
        ),
    }


def _record_invited(event: Event, campaign: Campaign) -> int:
    """An invited participant for each customer of the campaign's targeted group who is
    not a participant of the event yet."""
    have = set(
        event.participants.exclude(customer__isnull=True).values_list("customer_id", flat=True)
    )
    ids = list(
        CampaignMember.objects.filter(campaign=campaign, group=CampaignMember.Group.TREATED)
        .exclude(customer_id__in=have)
        .values_list("customer_id", flat=True)
    )
    now, added = timezone.now(), 0
    for start in range(0, len(ids), CHUNK):
        customers = Customer.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("pk")
        rows = [
            Participant(
                event=event,
                kind=Participant.Kind.GENERAL
                if c.kind == Customer.Kind.PERSON
                else Participant.Kind.PROFESSIONAL,
                customer=c,
                name=c.name,
                company=c.name if c.kind == Customer.Kind.COMPANY else "",
                email=c.email,
                phone=c.phone,
                status=Participant.Status.INVITED,
                source=Participant.Source.INVITATION,
                badge_code=new_badge_code(),
                created_at=now,
            )
            for c in customers
        ]
        added += len(Participant.objects.bulk_create(rows, batch_size=CHUNK))
    return added


@transaction.atomic
def invite(
    event: Event,
    *,
    by: AbstractBaseUser,
    target_list: TargetList | None = None,
    segment: str = "",
    channels: list[str] | None = None,
) -> Invitation:
    """Invite the customers of ``target_list`` (or of ``segment``, a new static target
    list) to ``event``: a draft campaign (goal event invitation, sent from the next day
    when the event is further away) with the registration link, its members enrolled,
    and the targeted ones recorded as invited participants."""
    if event.status in (Event.Status.CLOSED, Event.Status.CANCELLED):
        raise ValidationError(
            _("%(event)s is %(status)s: no more invitations.")
            % {"event": event.name, "status": event.get_status_display().lower()}
        )
    if target_list is None:
        if not segment:
            raise ValidationError({"target_list": _("Choose a target list or a segment.")})
        target_list = marketing.create_target_list(
            name=_("%(event)s: %(segment)s") % {"event": event.name, "segment": _(segment)},
            filters={"segment": segment},
            by=by,
        )
    today = timezone.localdate()
    campaign = marketing.create_campaign(
        name=_("Invitation: %(event)s") % {"event": event.name},
        goal=Campaign.Goal.EVENT,
        channels=channels or [Campaign.Channel.EMAIL],
        starts_on=today,
        ends_on=max(event.ends_on, today + timedelta(days=1)),
        owner=by,
        target_list=target_list,
        control_share=0.0,
        quiet_days=0,
        **_messages(event),
    )
    n_enrolled = marketing.enrol_target_list(campaign, by=by)
    return Invitation(campaign, _record_invited(event, campaign), n_enrolled)
