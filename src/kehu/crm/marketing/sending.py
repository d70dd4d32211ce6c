"""Sending a campaign: in batches, each member's state committed as it goes, so that a
send that is killed can be started again and sends nobody twice.

Each targeted member moves ``pending`` -> ``sending`` (committed before the message
leaves) -> ``sent`` (or ``failed``, ``skipped``). A send that starts and finds members
still ``sending`` knows an earlier one stopped while their message was on its way: it
cannot tell whether the message left, so it marks them ``unknown`` and never sends to
them again (at most once; the campaign page counts them). At most one member per
killed send is ``unknown``.

Email goes through Django's mail backend (SMTP in production, files in development),
text messages through the SMS gateway (:mod:`kehu.crm.marketing.sms`); a phone call
list becomes a call activity for each customer's owner, and a letter is marked for
printing (the campaign's letters page), each in one transaction with its member's
state, so exactly once.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kehu.crm.customers.models import Customer
from kehu.crm.marketing import actions
from kehu.crm.marketing.messages import Message, next_best_products, render
from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.crm.marketing.sms import SmsError, gateway
from kehu.crm.sales import actions as sales_actions
from kehu.crm.sales.models import Activity

Progress = Callable[[int, int], None]
Status = CampaignMember.Status


class SendStopped(Exception):
    """Sending stopped before the end (the mail server went away, the campaign was
    cancelled); what was sent stays sent, and a new send carries on."""


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    unknown: int = 0
    pending: int = 0


def _mark(member_id: int, status: str, **fields: object) -> None:
    CampaignMember.objects.filter(pk=member_id).update(status=status, **fields)


def recover_interrupted(campaign: Campaign) -> int:
    """Members left ``sending`` by a send that was killed: ``unknown``, never resent."""
    return CampaignMember.objects.filter(campaign=campaign, status=Status.SENDING).update(
        status=Status.UNKNOWN, error="sending was interrupted; not sent again"
    )


def _claim(campaign: Campaign) -> None:
    if campaign.status == Campaign.Status.CANCELLED:
        raise SendStopped("the campaign is cancelled")
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.SENDING,
        send_started_at=campaign.send_started_at or now,
        updated_at=now,
    )
    campaign.refresh_from_db()


def _progress_text(campaign: Campaign, report: SendReport) -> None:
    text = gettext_noop(
        "sent %(sent)s, failed %(failed)s, skipped %(skipped)s, waiting %(pending)s"
    )
    values = {
        "sent": report.sent,
        "failed": report.failed,
        "skipped": report.skipped,
        "pending": report.pending,
    }
    Campaign.objects.filter(pk=campaign.pk).update(
        progress_text=text % values, updated_at=timezone.now()
    )


def _batch(campaign: Campaign, size: int) -> list[CampaignMember]:
    return list(
        CampaignMember.objects.filter(campaign=campaign, status=Status.PENDING)
        .select_related("customer__owner", "customer__score")
        .prefetch_related("customer__contacts")
        .order_by("id")[:size]
    )


def _skip_unreachable_now(
    campaign: Campaign, members: list[CampaignMember], now: datetime
) -> list[CampaignMember]:
    """Members who unsubscribed, withdrew consent or got another campaign's message in
    the quiet period since they were enrolled are skipped with the reason."""
    customers: list[Customer] = [m.customer for m in members]
    routes = actions.reachable(campaign, customers)
    recent = (
        actions.members_with_recent_message([c.pk for c in customers], campaign.quiet_days, now)
        if campaign.quiet_days
        else set()
    )
    keep: list[CampaignMember] = []
    skipped: dict[str, list[int]] = defaultdict(list)
    for member in members:
        route = routes[member.customer_id]
        if isinstance(route, str):
            skipped[route].append(member.pk)
        elif member.customer_id in recent:
            skipped["quiet_period"].append(member.pk)
        else:
            member.channel, member.address = route
            keep.append(member)
    for reason, ids in skipped.items():  # one UPDATE per reason, not one per member
        CampaignMember.objects.filter(pk__in=ids).update(status=Status.SKIPPED, skip_reason=reason)
    return keep


def _email(message: Message, member: CampaignMember, campaign: Campaign) -> EmailMultiAlternatives:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "localhost"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        to=[member.address],
        headers={**message.headers, "Message-ID": f"<kehu-{campaign.pk}-{member.pk}@{domain}>"},
    )
    email.attach_alternative(message.html, "text/html")
    return email


def _call_owner(
    member: CampaignMember, campaign: Campaign, by: AbstractBaseUser | None
) -> AbstractBaseUser | None:
    return member.customer.owner or campaign.owner or by


def _written(
    campaign: Campaign, member: CampaignMember, products: list[dict[str, str]]
) -> Message | None:
    """The member's message, or None with the member failed and why: one customer's
    data that breaks the template does not stop the send."""
    try:
        return render(campaign, member.customer, member_id=member.pk, products=products)
    except Exception as e:  # the template is checked when saved; the data may still fail it
        _mark(member.pk, Status.FAILED, error=f"the message could not be written: {e}"[:300])
        return None


def _deliver(
    campaign: Campaign,
    member: CampaignMember,
    message: Message,
    connection: BaseEmailBackend | None,
    by: AbstractBaseUser | None,
) -> str:
    """Send one member's message; returns the status it ends in."""
    now = timezone.now()
    if member.channel in (Campaign.Channel.PHONE, Campaign.Channel.LETTER):
        with transaction.atomic():
            if member.channel == Campaign.Channel.PHONE:
                owner = _call_owner(member, campaign, by)
                if owner is None:
                    _mark(member.pk, Status.FAILED, error="no owner to make the call")
                    return Status.FAILED
                due = datetime.combine(
                    max(campaign.starts_on, now.date()), time(10), tzinfo=now.tzinfo
                )
                sales_actions.create_activity(
                    owner=owner,
                    kind=Activity.Kind.CALL,
                    subject=f"{campaign.name}: {message.subject}"[:200],
                    customer=member.customer,
                    due_at=due,
                    notes=message.text,
                )
            _mark(
                member.pk, Status.SENT, sent_at=now, channel=member.channel, address=member.address
            )
        return Status.SENT
    _mark(member.pk, Status.SENDING, channel=member.channel, address=member.address)
    try:
        if member.channel == Campaign.Channel.EMAIL:
            email = _email(message, member, campaign)
            email.connection = connection
            email.send()
        else:
            gateway().send(member.address, f"{message.subject}\n{message.text}".strip())
    except smtplib.SMTPRecipientsRefused as e:
        _mark(member.pk, Status.FAILED, error=str(e)[:300])
        actions.suppress(
            channel="email",
            address=member.address,
            reason="bounced",
            customer=member.customer,
            campaign=campaign,
        )
        return Status.FAILED
    except SmsError as e:
        _mark(member.pk, Status.FAILED, error=str(e)[:300])
        return Status.FAILED
    except (smtplib.SMTPException, OSError) as e:
        # the server went away while this message was on its way: it may have left
        _mark(member.pk, Status.UNKNOWN, error=str(e)[:300])
        raise SendStopped(f"the mail server stopped answering: {e}") from e
    _mark(member.pk, Status.SENT, sent_at=now)
    return Status.SENT


def send_campaign(
    campaign: Campaign,
    *,
    by: AbstractBaseUser | None = None,
    batch_size: int | None = None,
    on_progress: Progress | None = None,
) -> SendReport:
    """Send to every pending targeted member (enrolling the target list first when the
    campaign has no members yet, or again for a dynamic list or an always-on
    campaign); resumable: members sent before are never sent again."""
    size = batch_size or settings.KEHU_CAMPAIGN_BATCH
    _claim(campaign)
    report = SendReport(unknown=recover_interrupted(campaign))
    if campaign.target_list is not None and (
        campaign.always_on or campaign.target_list.dynamic or not campaign.members.exists()
    ):
        actions.enrol_target_list(campaign, by=by)
    report.pending = campaign.members.filter(status=Status.PENDING).count()
    total = report.pending
    needs_mail = Campaign.Channel.EMAIL in campaign.channels
    connection = get_connection() if needs_mail else None
    try:
        if connection is not None:
            connection.open()
        while members := _batch(campaign, size):
            campaign.refresh_from_db(fields=["status"])
            if campaign.status == Campaign.Status.CANCELLED:
                raise SendStopped("the campaign was cancelled")
            now = timezone.now()
            ready = _skip_unreachable_now(campaign, members, now)
            report.skipped += len(members) - len(ready)
            products = next_best_products([m.customer for m in ready])
            for member in ready:
                message = _written(campaign, member, products.get(member.customer_id, []))
                if message is None:
                    report.failed += 1
                    continue
                outcome = _deliver(campaign, member, message, connection, by)
                if outcome == Status.SENT:
                    report.sent += 1
                else:
                    report.failed += 1
            report.pending = total - report.sent - report.failed - report.skipped
            _progress_text(campaign, report)
            if on_progress is not None:
                on_progress(total - report.pending, total)
    except SendStopped as e:
        Campaign.objects.filter(pk=campaign.pk).update(progress_text=str(e)[:200])
        raise
    except (smtplib.SMTPException, OSError) as e:
        stopped = SendStopped(f"the mail server cannot be reached: {e}")
        Campaign.objects.filter(pk=campaign.pk).update(progress_text=str(stopped)[:200])
        raise stopped from e
    finally:
        if connection is not None:
            connection.close()
    if not campaign.always_on:
        Campaign.objects.filter(pk=campaign.pk).update(
            status=Campaign.Status.SENT, send_finished_at=timezone.now()
        )
    campaign.refresh_from_db()
    return report
