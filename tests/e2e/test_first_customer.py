"""A new user's first minutes: log in, create a customer, log a call and an email,
see both on the 360 timeline, switch to Chinese."""

from __future__ import annotations

import pytest

from kehu.crm.accounts.actions import create_user
from kehu.crm.engagement.models import Interaction

pytestmark = pytest.mark.django_db(transaction=True)


def _log(page, channel: str, subject: str) -> None:
    details = page.locator("#log-interaction")
    if details.get_attribute("open") is None:
        page.click("#log-interaction summary")
    page.select_option("#log-interaction select[name=channel]", channel)
    page.fill("#log-interaction input[name=subject]", subject)
    page.click("#log-interaction button[type=submit]")
    page.wait_for_selector(f"#timeline li:has-text('{subject}')")


def test_log_in_create_customer_log_call_and_email_then_switch_to_chinese(page):
    create_user("wang", role="sales", password="a-long-enough-secret")

    page.goto("/login/")
    page.fill("#id_username", "wang")
    page.fill("#id_password", "a-long-enough-secret")
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto("/customers/new/")
    page.fill("#id_name", "Shanghai Lantern Trading")
    page.fill("#id_email", "buyer@lantern.example")
    page.fill("#id_phone", "+86 21 5555 0101")
    page.select_option("#id_source_channel", "exhibition")
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Shanghai Lantern Trading')")

    _log(page, "phone", "Called about spring catalogue")
    _log(page, "email", "Sent price list")

    timeline = page.locator("#timeline")
    assert timeline.locator("li:has-text('Called about spring catalogue')").count() == 1
    assert timeline.locator("li:has-text('Sent price list')").count() == 1
    assert set(Interaction.objects.values_list("channel", flat=True)) == {"phone", "email"}

    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.locator("nav a:has-text('客户')").count() == 1
    assert page.locator("h2:has-text('时间线')").count() == 1
    # the choice sticks to the user, not only to this page
    page.goto("/customers/")
    assert page.locator("h1:has-text('客户')").count() == 1


def test_form_errors_are_shown_next_to_their_fields(page):
    create_user("li", role="sales", password="a-long-enough-secret")
    page.goto("/login/")
    page.fill("#id_username", "li")
    page.fill("#id_password", "a-long-enough-secret")
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto("/customers/new/")
    page.fill("#id_email", "not an email")
    page.click("main button[type=submit]")

    assert page.locator("ul.errorlist[data-field=name]").is_visible()
    assert page.locator("ul.errorlist[data-field=email]").is_visible()
