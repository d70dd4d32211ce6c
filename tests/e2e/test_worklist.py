"""A seller opens the home page in a real browser: it starts with their worklist, the
customer whose risk rose the most valuable first; one click plans a call without
reloading the page, and the page fits a 390 px phone in English and in Chinese."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.customers.actions import create_customer
from kehu.crm.intelligence.models import CustomerScore, CustomerValue, ValueRun
from kehu.crm.sales.models import Activity
from kehu.crm.service.actions import open_ticket

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"


@pytest.fixture
def seller(db):
    """Two finished runs: a Gold customer whose churn risk rose from 22% to 61% (CLV
    1,240, 756 at stake), and a Platinum one with an open complaint (CLV 500, 150)."""
    sally, _pw = create_user("sally", role="sales", password=PASSWORD)
    rising = create_customer(name="Lantern Trading Co", owner=sally)
    upset = create_customer(name="Steady Tea House with a rather long name Ltd", owner=sally)
    first, second = (
        ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=timezone.now())
        for _ in range(2)
    )
    rows = ((rising, "Gold", 1240, 0.22, 0.61), (upset, "Platinum", 500, 0.3, 0.3))
    for customer, tier, clv, before, after in rows:
        CustomerValue.objects.create(
            run=first, customer=customer, tier=tier, predicted_clv=clv, churn_risk=before
        )
        for model in (CustomerValue, CustomerScore):
            model.objects.create(
                run=second, customer=customer, tier=tier, predicted_clv=clv, churn_risk=after
            )
    open_ticket(upset, subject="The lid of the teapot arrived broken", type="complaint")
    return sally, rising


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_home_page_starts_with_the_worklist_and_plans_a_call_in_one_click(page, seller):
    sally, rising = seller
    page.goto("/login/")
    page.fill("#id_username", "sally")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    first_card = page.locator("main section.card").first
    assert first_card.get_attribute("id") == "worklist"
    items = page.locator("#worklist li.work-item")
    assert items.count() == 2
    assert "Lantern Trading Co" in items.nth(0).inner_text()
    assert "Churn risk rose from 22% to 61%" in items.nth(0).inner_text()
    assert "Open complaint" in items.nth(1).inner_text()
    assert items.nth(1).locator("a:has-text('Open the ticket')").count() == 1
    _fits_a_phone(page)

    page.evaluate("window.notReloaded = true")
    items.nth(0).locator("button:has-text('Plan a call')").click()
    page.wait_for_selector(f"#work-{rising.pk}:has-text('Call planned for')")
    assert page.evaluate("window.notReloaded === true")  # htmx swapped the item only
    (call,) = Activity.objects.filter(customer=rising)
    assert call.kind == Activity.Kind.CALL and call.owner == sally

    set_language(sally, "zh-hans")
    page.goto("/")
    text = page.inner_text("#worklist")
    assert "我的待办工作" in text and "安排电话" in text
    assert "Lantern Trading Co" not in text  # planned: off the list until the next run
    _fits_a_phone(page)
