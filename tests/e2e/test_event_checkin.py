"""A visitor registers on the public form of an event (no sign-in), sees the badge with
its QR code, and is checked in at the door on a phone: typed badge code, one tap, who
came; the same badge again says when, and a mistyped one says it is unknown. A form
with a mistake says what to fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kehu.crm.accounts.actions import create_user
from kehu.crm.attendance.models import Participant
from kehu.crm.events.models import Event

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def _event() -> Event:
    starts = timezone.localdate() + timedelta(days=10)
    return Event.objects.create(
        name="Spring Tea Fair",
        kind=Event.Kind.FAIR,
        status=Event.Status.OPEN,
        slug="spring-tea-fair",
        starts_on=starts,
        ends_on=starts + timedelta(days=1),
        city="Hangzhou",
        capacity=100,
    )


def test_register_see_the_badge_and_check_in_on_a_phone(page, browser, live_server) -> None:
    event = _event()
    create_user("door", role="marketing", password="a-long-enough-secret")

    # a visitor, not signed in, with a mistake first
    page.goto("/e/spring-tea-fair/")
    page.fill("#id_name", "Zhao Lei")
    page.fill("#id_email", "zhao-at-jade")
    page.click("#registration-form button[type=submit]")
    assert page.locator("[data-field=email]").is_visible()
    page.fill("#id_email", "zhao@jade.example")
    page.fill("#id_company", "Jade Imports")
    page.select_option("#id_kind", "trade_buyer")
    honeypot = page.locator("#id_website").bounding_box()
    assert honeypot is None or honeypot["x"] + honeypot["width"] <= 0  # off the screen
    page.click("#registration-form button[type=submit]")
    page.wait_for_url("**/e/spring-tea-fair/badge/*/")
    assert "you are registered for Spring Tea Fair" in page.inner_text("main")
    assert page.locator("#badge svg.badge-qr").is_visible()
    code = page.inner_text("#badge-code").strip()
    assert Participant.objects.get(badge_code=code).name == "Zhao Lei"

    # the door, on a phone
    staff = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE)
    door = staff.new_page()
    door.goto("/login/")
    door.fill("#id_username", "door")
    door.fill("#id_password", "a-long-enough-secret")
    door.click("main button[type=submit]")
    door.wait_for_url("**/")
    door.goto(f"/events/{event.pk}/check-in/")
    assert door.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = door.locator("input[name=code]")
    assert box.bounding_box()["width"] > 300  # a big box across the phone
    box.fill(code.lower())
    door.click("#checkin-form button[type=submit]")
    result = door.locator("#checkin-result")
    assert "Zhao Lei" in result.inner_text() and "checked in" in result.inner_text()
    assert "1" in door.inner_text("#checkin-counts")

    door.fill("input[name=code]", code)
    door.click("#checkin-form button[type=submit]")
    assert "was already checked in at" in door.inner_text("#checkin-result")

    door.fill("input[name=code]", "ZZZZ22ZZZZ")
    door.click("#checkin-form button[type=submit]")
    assert "No badge has the code ZZZZ22ZZZZ." in door.inner_text("#checkin-result")
    assert "refused" in door.get_attribute("#checkin-result", "class")
    staff.close()
    assert Participant.objects.get(badge_code=code).status == "checked_in"


def test_registration_closes_when_the_event_is_full(page) -> None:
    event = _event()
    event.capacity = 0
    event.save()
    page.goto("/e/spring-tea-fair/")
    assert "This event is full" in page.inner_text("#registration-closed")
    assert page.locator("#registration-form").count() == 0
