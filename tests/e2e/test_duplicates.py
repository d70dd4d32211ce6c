"""Two salespeople entered the same customer; `kehu dedup` does not merge them across
owners but queues them, the analyst sees why and cannot merge, a manager (in Chinese)
merges them from the review page."""

from __future__ import annotations

import pytest

from kehu.crm.accounts.actions import create_user
from kehu.crm.customers.actions import create_customer
from kehu.crm.integration.dedup import run_dedup
from kehu.crm.integration.models import CustomerMerge

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"


def _login(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_a_cross_owner_duplicate_waits_for_a_manager(page):
    ann, _ = create_user("ann", role="sales", password=PASSWORD)
    bob, _ = create_user("bob", role="sales", password=PASSWORD)
    create_user("ana", role="analyst", password=PASSWORD)
    create_user("meg", role="sales", manager=True, password=PASSWORD, language="zh-hans")
    create_customer(
        name="Northwind Traders", email="ops@northwind.example", phone="206-555-0101", owner=ann
    )
    create_customer(
        name="NORTHWIND TRADERS", email="ops@northwind.example", phone="+1 206 555 0101", owner=bob
    )
    for i in range(40):
        create_customer(name=f"Distinct Company {i:02d}", phone=f"+1 (212) 555-{i:04d}")
    result = run_dedup()
    assert result.merged == 0 and result.to_review == 1

    _login(page, "ana")
    page.goto("/imports/duplicates/")
    card = page.locator("section.duplicate")
    assert card.count() == 1
    assert "Different owners: a manager decides." in card.inner_text()
    assert "Only a manager can merge customers of two owners." in card.inner_text()
    assert page.locator("button[value=keep_a]").count() == 0
    page.context.clear_cookies()

    _login(page, "meg")
    page.click("nav a[href='/imports/duplicates/']")  # managers have no Imports menu
    assert "负责人不同：由经理决定。" in page.locator("section.duplicate").inner_text()
    page.click("button[value=keep_a]")
    page.wait_for_selector("#no-duplicates")
    assert CustomerMerge.objects.count() == 1
    page.goto("/imports/merges/")
    assert page.locator("#merges tbody tr").count() == 1
