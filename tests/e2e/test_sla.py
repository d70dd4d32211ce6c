"""Service levels in the browser: the ticket list filtered to breached tickets with their
badges, the ticket page's due times, and the attainment page reached from the list, in
English and in Chinese, each fitting a 390 px phone."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.customers.actions import create_customer
from kehu.crm.service.actions import open_ticket

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"


@pytest.fixture
def desk(db):
    """A service agent; a ticket far past its first response, one just opened."""
    importlib.import_module("kehu.crm.service.migrations.0005_sla_defaults").add_defaults(
        apps, None
    )
    agent, _pw = create_user("sam", role="service", password=PASSWORD)
    customer = create_customer(name="Lantern Trading Co")
    now = timezone.now()
    open_ticket(customer, subject="Kettle leaks", opened_at=now - timedelta(days=20))
    open_ticket(customer, subject="Fresh question", opened_at=now)
    return agent


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
    page.set_viewport_size({"width": 1280, "height": 900})


def _sign_in(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_breached_tickets_and_the_attainment_page(page, desk):
    _sign_in(page)
    page.goto("/service/tickets/")
    page.select_option("select[name=sla]", "breached")
    page.wait_for_url("**sla=breached**")
    page.wait_for_function("document.querySelectorAll('#ticket-rows tbody tr').length == 1")
    row = page.locator("#ticket-rows tbody tr").first
    assert "Kettle leaks" in row.inner_text()
    assert row.locator(".badge.sla-breached").count() == 1
    _fits_a_phone(page)

    row.locator("a:has-text('Kettle leaks')").click()
    page.wait_for_selector("#ticket-sla")
    assert page.locator("#ticket-sla [data-state=breached]").count() == 2
    assert "working time late" in page.inner_text("#ticket-sla")

    page.goto("/service/tickets/")
    page.click("a:has-text('Service levels')")
    page.wait_for_url("**/service/sla/")
    assert page.inner_text("#sla-response-rate") == "0%"
    assert "No tier" in page.inner_text("main")
    _fits_a_phone(page)


def test_the_attainment_page_in_chinese(page, desk):
    set_language(desk, "zh-hans")
    _sign_in(page)
    page.goto("/service/sla/")
    text = page.inner_text("main")
    assert "按客户等级" in text and "首次响应按时率" in text
    _fits_a_phone(page)
