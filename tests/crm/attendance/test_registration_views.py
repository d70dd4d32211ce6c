"""The public registration page /e/<slug>/: no sign-in, open events only, capacity,
CSRF, a honeypot, clear messages, and the badge by email through a real SMTP server on
loopback."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kehu.crm.attendance import actions
from kehu.crm.attendance.models import Participant

FORM = {
    "name": "Zhao Lei",
    "email": "zhao@jade.example",
    "company": "Jade Imports",
    "kind": "trade_buyer",
}


def test_a_visitor_registers_sees_the_badge_and_gets_it_by_email(event, smtp, settings):
    settings.KEHU_SITE_URL = "https://crm.example.com"
    client = Client()
    url = reverse("attendance:register", args=[event.slug])
    assert url == f"/e/{event.slug}/"
    assert "Register and get my badge" in client.get(url).content.decode()
    response = client.post(url, FORM)
    p = Participant.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("attendance:badge", args=[event.slug, p.badge_code])
    page = client.get(response.url).content.decode()
    assert (
        "you are registered for Tea Fair" in page
        and "We sent your badge to zhao@jade.example" in page
    )
    assert "<svg" in page and p.badge_code in page
    (message,) = smtp.messages
    assert message["To"] == "zhao@jade.example" and message["Subject"] == "Your badge for Tea Fair"
    text = message.get_body(("plain",)).get_content()
    assert p.badge_code in text
    assert f"https://crm.example.com/e/{event.slug}/badge/{p.badge_code}/" in text
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<badge-qr>"
    assert (p.kind, p.source, p.lead.source) == ("trade_buyer", "web", "event")


def test_the_confirmation_is_in_chinese_for_a_chinese_visitor(event, smtp):
    client = Client(headers={"accept-language": "zh-hans"})
    response = client.post(reverse("attendance:register", args=[event.slug]), FORM, follow=True)
    page = response.content.decode()
    assert "您已成功报名" in page
    assert smtp.messages[0]["Subject"] == "您参加Tea Fair的胸卡"


def test_registering_again_shows_no_badge_and_emails_it_again(event, smtp):
    client = Client()
    url = reverse("attendance:register", args=[event.slug])
    client.post(url, FORM)
    response = client.post(url, {**FORM, "name": "Someone else"})
    page = response.content.decode()
    assert response.status_code == 200 and "zhao@jade.example is already registered" in page
    assert Participant.objects.get().badge_code not in page
    assert len(smtp.messages) == 2 and Participant.objects.count() == 1

    # asked again within minutes: no third email, the page says where the badge went
    page = client.post(url, FORM).content.decode()
    assert "was emailed to this address a few minutes ago" in page
    assert len(smtp.messages) == 2


def test_bad_input_is_said_and_nothing_is_registered(event):
    response = Client().post(
        reverse("attendance:register", args=[event.slug]),
        {"name": "", "email": "not-an-email", "kind": "vip"},
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"name", "email", "kind"}
    assert not Participant.objects.exists()


def test_a_filled_honeypot_registers_nobody(event):
    response = Client().post(
        reverse("attendance:register", args=[event.slug]), {**FORM, "website": "spam.example"}
    )
    assert response.status_code == 400
    assert "Leave the last field empty" in response.content.decode()
    assert not Participant.objects.exists()


def test_the_form_keeps_csrf(event):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("attendance:register", args=[event.slug]), FORM)
    assert response.status_code == 403 and not Participant.objects.exists()
    page = client.get(reverse("attendance:register", args=[event.slug])).content.decode()
    assert "csrfmiddlewaretoken" in page


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("closed", "Registration for this event is closed."),
        ("running", "Registration for this event is closed."),
        ("cancelled", "This event was cancelled."),
    ],
)
def test_an_event_not_open_shows_why_and_refuses(make_event, status, message):
    event = make_event(status=status)
    url = reverse("attendance:register", args=[event.slug])
    assert message in Client().get(url).content.decode()
    response = Client().post(url, FORM)
    assert response.status_code == 409 and not Participant.objects.exists()


def test_an_event_still_in_planning_has_no_public_page(make_event):
    event = make_event(status="planning")
    assert Client().get(reverse("attendance:register", args=[event.slug])).status_code == 404


def test_a_full_event_says_so(make_event):
    event = make_event(capacity=1)
    actions.add_participant(event, name="First")
    url = reverse("attendance:register", args=[event.slug])
    assert "all 1 places are taken" in Client().get(url).content.decode()
    assert Client().post(url, FORM).status_code == 409


def test_places_left_are_shown(make_event):
    event = make_event(capacity=3)
    actions.add_participant(event, name="First")
    page = Client().get(reverse("attendance:register", args=[event.slug])).content.decode()
    assert "2 places left." in page


def test_a_badge_page_needs_the_right_event_and_code(event, make_event):
    p = actions.add_participant(event, name="Zhao")
    other = make_event("Other")
    assert (
        Client().get(reverse("attendance:badge", args=[event.slug, p.badge_code])).status_code
        == 200
    )
    assert (
        Client().get(reverse("attendance:badge", args=[other.slug, p.badge_code])).status_code
        == 404
    )
    assert (
        Client().get(reverse("attendance:badge", args=[event.slug, "ZZZZZZZZZZ"])).status_code
        == 404
    )


def test_a_registrant_with_an_existing_customer_email_is_linked(event, make_customer, smtp):
    customer = make_customer("Jade Imports", email="zhao@jade.example")
    Client().post(reverse("attendance:register", args=[event.slug]), FORM)
    p = Participant.objects.get()
    assert (p.customer, p.lead) == (customer, None)


def test_smtp_down_keeps_the_registration_and_says_so(event, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client = Client()
    response = client.post(reverse("attendance:register", args=[event.slug]), FORM, follow=True)
    assert response.status_code == 200 and Participant.objects.count() == 1
    assert "We could not email your badge just now" in response.content.decode()


def test_a_mobile_that_is_no_number_is_said_on_its_field(event):
    response = Client().post(
        reverse("attendance:register", args=[event.slug]), {**FORM, "phone": "call me"}
    )
    assert response.status_code == 422 and "phone" in response.context["form"].errors
    assert not Participant.objects.exists()


def test_an_event_named_in_chinese_gets_a_chinese_address_that_registers(db, smtp):
    from datetime import date

    from kehu.crm.events.actions import create_event

    event = create_event(
        name="客户大会",
        kind="conference",
        starts_on=date(2027, 1, 17),
        ends_on=date(2027, 1, 18),
        status="open",
    )
    assert event.slug == "客户大会-2027"
    url = reverse("attendance:register", args=[event.slug])
    assert url == "/e/%E5%AE%A2%E6%88%B7%E5%A4%A7%E4%BC%9A-2027/"
    client = Client()
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    assert response.status_code == 302 and Participant.objects.get().event == event
    assert client.get(response.url).status_code == 200
