"""Sending a campaign to a real SMTP server on loopback, text messages through the
gateway, call lists as activities, and a send that was stopped carrying on without
sending anyone twice."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from kehu.crm.marketing import actions
from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.crm.marketing.sending import SendStopped, send_campaign
from kehu.crm.sales.models import Activity

pytestmark = pytest.mark.django_db
TODAY = date.today()


def campaign(**fields):
    values = {
        "name": "Autumn care",
        "goal": Campaign.Goal.RETENTION,
        "channels": ["email"],
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=30),
        "subject_en": "Hello {{ customer.greeting_name }}",
        "body_en": "Dear {{ customer.name }},\nsee https://shop.example.com/new for more.",
        **fields,
    }
    return actions.create_campaign(**values)


def test_an_email_campaign_reaches_the_targeted_group_only(smtp, make_reachable):
    customers = make_reachable(40)
    c = campaign(control_share=0.2)
    actions.enrol(c, customers)
    report = send_campaign(c, batch_size=7)
    treated = CampaignMember.objects.filter(campaign=c, group=CampaignMember.Group.TREATED)
    control = CampaignMember.objects.filter(campaign=c, group=CampaignMember.Group.CONTROL)
    assert report.sent == treated.count() == len(smtp.messages) > 0
    assert {m["To"] for m in smtp.messages} == set(treated.values_list("address", flat=True))
    assert not set(control.values_list("address", flat=True)) & {m["To"] for m in smtp.messages}
    assert set(treated.values_list("status", flat=True)) == {CampaignMember.Status.SENT}
    c.refresh_from_db()
    assert c.status == Campaign.Status.SENT and c.send_finished_at is not None
    # a second send finds nobody left to send to
    assert send_campaign(c).sent == 0
    assert len(smtp.messages) == report.sent


def test_each_message_is_personal_tracked_and_can_be_unsubscribed(smtp, make_reachable):
    customer = make_reachable(1)[0]
    c = campaign(control_share=0.0)
    actions.enrol(c, [customer])
    send_campaign(c)
    (message,) = smtp.messages
    assert message["Subject"] == f"Hello {customer.name}"
    assert message["List-Unsubscribe"].strip().startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Dear {customer.name}" in text
    assert "https://shop.example.com/new" not in text  # the link goes through the tracker
    tracked = next(w for w in text.split() if "/marketing/t/c/" in w)
    pixel = html.split('<img src="')[1].split('"')[0]
    unsubscribe = text.split("Unsubscribe: ")[1].split()[0]
    client = Client()
    path = lambda url: url.split("localhost:8000", 1)[1]  # noqa: E731
    redirect = client.get(path(tracked))
    assert redirect.status_code == 302 and redirect["Location"] == "https://shop.example.com/new"
    assert client.get(path(pixel))["Content-Type"] == "image/gif"
    member = CampaignMember.objects.get()
    assert member.opened_at is not None and member.clicked_at is not None
    # a link scanner's GET does not unsubscribe; the mail client's one-click POST does
    assert client.get(path(unsubscribe)).status_code == 200
    customer.refresh_from_db()
    assert customer.consent_email
    assert client.post(path(unsubscribe)).status_code == 200
    customer.refresh_from_db()
    assert not customer.consent_email


def test_forged_tracking_tokens_record_nothing(make_reachable):
    c = campaign(control_share=0.0)
    actions.enrol(c, make_reachable(1))
    client = Client()
    assert client.get("/marketing/t/c/forged/").status_code == 400
    assert client.get("/marketing/u/1:forged/").status_code == 404
    assert client.get("/marketing/t/o/1:forged/").status_code == 200  # the pixel still draws
    member = CampaignMember.objects.get()
    assert member.opened_at is None and member.clicked_at is None


def test_a_send_that_was_killed_carries_on_without_sending_anyone_twice(smtp, make_reachable):
    customers = make_reachable(12)
    c = campaign(control_share=0.0)
    actions.enrol(c, customers)
    members = list(CampaignMember.objects.filter(campaign=c).order_by("id"))
    # as a killed send leaves them: four sent, one on its way, the rest waiting
    for m in members[:4]:
        CampaignMember.objects.filter(pk=m.pk).update(
            status=CampaignMember.Status.SENT, sent_at=timezone.now()
        )
    CampaignMember.objects.filter(pk=members[4].pk).update(status=CampaignMember.Status.SENDING)
    report = send_campaign(c)
    assert report.unknown == 1 and report.sent == 7
    assert sorted(m["To"] for m in smtp.messages) == sorted(m.address for m in members[5:])
    assert CampaignMember.objects.get(pk=members[4].pk).status == CampaignMember.Status.UNKNOWN


def test_a_mail_server_that_is_down_stops_the_send_and_a_new_send_carries_on(make_reachable):
    from aiosmtpd.controller import Controller
    from tests.crm.marketing.conftest import Inbox, _free_port

    port = _free_port()  # nothing listens there yet
    customers = make_reachable(6)
    c = campaign(control_share=0.0)
    actions.enrol(c, customers)
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=5,
    ):
        with pytest.raises(SendStopped):
            send_campaign(c)
        assert not CampaignMember.objects.filter(status=CampaignMember.Status.SENT).exists()
        c.refresh_from_db()
        assert "mail server" in c.progress_text
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            report = send_campaign(c)
        finally:
            controller.stop()
    assert report.sent == 6 and len(inbox.messages) == 6


def test_a_refused_address_fails_and_is_suppressed(smtp, make_reachable):
    customers = make_reachable(3)
    smtp.refuse.add("client1@example.com")
    c = campaign(control_share=0.0)
    actions.enrol(c, customers)
    report = send_campaign(c)
    assert (report.sent, report.failed) == (2, 1)
    failed = CampaignMember.objects.get(status=CampaignMember.Status.FAILED)
    assert failed.address == "client1@example.com" and "550" in failed.error
    assert actions.reachable(c, [customers[1]])[customers[1].pk] == "suppressed"


def test_the_quiet_period_skips_a_customer_messaged_by_another_campaign(smtp, make_reachable):
    customers = make_reachable(2)
    first = campaign(name="First", control_share=0.0)
    actions.enrol(first, customers[:1])
    send_campaign(first)
    second = campaign(name="Second", control_share=0.0, quiet_days=7)
    actions.enrol(second, customers)
    report = send_campaign(second)
    assert (report.sent, report.skipped) == (1, 1)
    skipped = CampaignMember.objects.get(campaign=second, status=CampaignMember.Status.SKIPPED)
    assert skipped.customer == customers[0] and skipped.skip_reason == "quiet_period"


def test_text_messages_go_through_the_gateway(sms_outbox, make_reachable):
    customers = make_reachable(3, reach="sms")
    c = campaign(channels=["sms"], control_share=0.0, body_en="Hi {{ customer.name }}")
    actions.enrol(c, customers)
    assert send_campaign(c).sent == 3
    lines = [json.loads(line) for line in sms_outbox.read_text().splitlines()]
    assert sorted(line["to"] for line in lines) == sorted(c.phone for c in customers)
    assert all("Hi Client" in line["text"] for line in lines)


def test_a_phone_campaign_gives_each_owner_a_call_for_their_customers(make_user, make_reachable):
    seller, manager = make_user("sales"), make_user("marketing")
    mine = make_reachable(3, reach="phone", owner=seller)
    nobody_s = make_reachable(2, reach="phone", prefix="Free")
    c = campaign(channels=["phone"], control_share=0.0, owner=manager)
    actions.enrol(c, [*mine, *nobody_s])
    assert send_campaign(c).sent == 5
    calls = Activity.objects.filter(kind=Activity.Kind.CALL)
    assert calls.filter(owner=seller).count() == 3
    assert calls.filter(owner=manager).count() == 2
    assert all(call.subject.startswith("Autumn care") for call in calls)
    assert send_campaign(c).sent == 0 and calls.count() == 5


def test_outcomes_count_orders_in_the_window_for_both_groups(smtp, make_reachable, make_order):
    customers = make_reachable(60)
    c = campaign(control_share=0.3, cost=Decimal("50"))
    actions.enrol(c, customers)
    send_campaign(c)
    members = list(CampaignMember.objects.filter(campaign=c).select_related("customer"))
    treated = [m for m in members if m.group == CampaignMember.Group.TREATED]
    control = [m for m in members if m.group == CampaignMember.Group.CONTROL]
    now = timezone.now()
    for m in treated[: len(treated) // 2]:
        make_order(m.customer, amount="40.00", ordered_at=now, status="confirmed")
    for m in control[:1]:
        make_order(m.customer, amount="40.00", ordered_at=now, status="confirmed")
    # outside the window, and a cancelled order: neither counts
    make_order(treated[-1].customer, amount="999.00", ordered_at=now - timedelta(days=40))
    make_order(treated[-1].customer, amount="999.00", ordered_at=now, status="cancelled")
    actions.refresh_outcomes(c)
    from kehu.crm.marketing.results import campaign_results

    results = campaign_results(c)
    t, k = results.overall.treated, results.overall.control
    assert (t.n, k.n) == (len(treated), len(control))
    assert t.converted == len(treated) // 2 and k.converted == 1
    assert t.revenue == pytest.approx(40.0 * (len(treated) // 2))
    uplift = results.overall.conversion_uplift
    expected = t.converted / t.n - k.converted / k.n
    assert uplift.value == pytest.approx(expected)
    assert uplift.low < uplift.value < uplift.high
    assert results.incremental_revenue.value == pytest.approx(
        (t.revenue / t.n - k.revenue / k.n) * t.n
    )
    assert results.roi.value == pytest.approx((results.incremental_revenue.value - 50) / 50)
