"""An administrator works with the automation rules in a real browser: the ready-made
rules are listed off, the win-back rule is enabled and dry-run after two analysis runs
(its page lists the Gold customer whose churn risk rose, with the reason, and nothing
is done), a rule form refuses a bad threshold with a message on the field; every page
fits a 390 px phone, in English and in Chinese."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.automation.models import Rule, RuleHit, RuleRun
from kehu.crm.customers.actions import create_customer
from kehu.crm.intelligence.models import CustomerScore, CustomerValue, ValueRun
from kehu.crm.sales.models import Activity

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"


@pytest.fixture
def scored(db):
    """Two finished analysis runs (raw history rows, as the bulk write-back leaves them):
    a Gold customer whose churn risk rose from 20% to 64%, and one whose did not."""
    boss, _pw = create_user("boss", role="admin", password=PASSWORD)
    rising = create_customer(name="Lantern Trading Co", owner=boss)
    steady = create_customer(name="Steady Tea House", owner=boss)
    first, second = (
        ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=timezone.now())
        for _ in range(2)
    )
    for customer, before, after in ((rising, 0.2, 0.64), (steady, 0.1, 0.15)):
        CustomerValue.objects.create(run=first, customer=customer, tier="Gold", churn_risk=before)
        CustomerValue.objects.create(run=second, customer=customer, tier="Gold", churn_risk=after)
        CustomerScore.objects.create(run=second, customer=customer, tier="Gold", churn_risk=after)
    return boss


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_enable_and_dry_run_the_win_back_rule(page, scored):
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.click("nav a:has-text('Automation')")
    page.wait_for_url("**/automation/")
    assert page.locator("#rules tbody tr").count() == 4
    _fits_a_phone(page)
    page.click("a:has-text('Win back a high-value customer whose churn risk rose')")
    page.wait_for_selector("#rule-summary")
    assert page.inner_text("#rule-state") == "Disabled"
    page.click("#rule-toggle button")
    page.wait_for_selector("#rule-state:has-text('Enabled')")
    assert Rule.objects.get(key="win-back-high-value").enabled

    page.click("#rule-dry-run button")
    page.wait_for_url("**/automation/runs/**")
    rows = page.locator("#run-customers tbody tr")
    assert rows.count() == 1
    assert "Lantern Trading Co" in rows.first.inner_text()
    assert "Churn risk rose from 20% to 64%" in rows.first.inner_text()
    assert page.inner_text("#run-acted") == "1"
    _fits_a_phone(page)
    assert RuleRun.objects.get().dry_run
    assert not RuleHit.objects.exists() and not Activity.objects.exists()

    # a bad threshold is a message on its field, not an error page
    page.goto("/automation/new/")
    page.fill("#id_name", "Too high")
    page.select_option("#id_trigger", "churn_rose")
    page.fill("#id_threshold", "150")
    page.check("#id_do_activity")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("ul.errorlist[data-field=threshold]")
    assert "99" in page.inner_text("ul.errorlist[data-field=threshold]")
    _fits_a_phone(page)
    assert not Rule.objects.filter(name="Too high").exists()

    # the same pages in Chinese
    set_language(scored, "zh-hans")
    rule = Rule.objects.get(key="win-back-high-value")
    log = RuleRun.objects.get()
    for url, text in (
        ("/automation/", "挽回流失风险上升的高价值客户"),
        (f"/automation/{rule.pk}/", "执行日志"),
        (f"/automation/runs/{log.pk}/", "流失风险从 20% 升至 64%"),
        (f"/automation/{rule.pk}/edit/", "流失风险阈值（%）"),
        ("/automation/notifications/", "暂无通知"),
    ):
        page.goto(url)
        assert text in page.inner_text("main"), url
        _fits_a_phone(page)
