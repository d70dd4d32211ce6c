"""The loop in a real browser: an administrator enables the ready-made win-back rule,
clicks "Run analysis now", and the run, when it finishes, has the rule give each
high-value customer whose churn risk rose a call for their owner; the rule's page
lists them with the reason. (The run executes inside the live server here instead of
a detached ``kehu score`` process, which could not see the test database.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Max
from django.test import override_settings

from kehu.crm.accounts.actions import create_user
from kehu.crm.automation.models import Rule, RuleHit, RuleRun
from kehu.crm.intelligence import actions as intelligence
from kehu.crm.intelligence.models import ValueRun
from kehu.crm.sales.models import Activity, Order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PASSWORD = "a-long-enough-secret"


@pytest.fixture
def first_run(db):
    """300 demo customers and a first analysis as of 180 days before the last order."""
    from kehu.crm.demo.load import load_demo

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        load_demo(300, seed=3)
    last = Order.objects.aggregate(m=Max("ordered_at"))["m"].date()
    intelligence.execute_run(intelligence.request_run(), as_of=last - timedelta(days=180))
    create_user("boss", role="admin", password=PASSWORD)


@pytest.fixture
def runs_in_the_server(monkeypatch):
    monkeypatch.setattr(intelligence, "launch_detached", lambda run: intelligence.execute_run(run))


def test_the_win_back_rule_fires_when_the_analysis_runs(page, first_run, runs_in_the_server):
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    rule = Rule.objects.get(key="win-back-high-value")
    page.goto(f"/automation/{rule.pk}/")
    page.click("#rule-toggle button")
    page.wait_for_selector("#rule-state:has-text('Enabled')")
    assert not Activity.objects.filter(kind=Activity.Kind.CALL, subject__contains="Churn").exists()

    page.goto("/intelligence/")
    # the click waits for the whole run, which executes inside the request here: give it
    # the time a run takes on a busy machine, not a click's
    page.click("button:has-text('Run analysis now')", timeout=600_000)
    page.wait_for_load_state()
    assert ValueRun.objects.filter(status=ValueRun.Status.DONE).count() == 2

    log = RuleRun.objects.get(rule=rule, dry_run=False)
    assert log.n_acted > 0 and log.n_failed == 0
    calls = Activity.objects.filter(
        pk__in=[d["id"] for hit in RuleHit.objects.filter(rule=rule) for d in hit.done]
    )
    assert calls.count() == log.n_acted
    assert all(c.kind == Activity.Kind.CALL and c.owner_id == c.customer.owner_id for c in calls)

    # the rule's page shows what it did after the run, customer by customer, with why
    page.goto(f"/automation/runs/{log.pk}/")
    rows = page.locator("#run-customers tbody tr")
    assert rows.count() == log.n_acted
    first = calls.select_related("customer").first()
    assert first.customer.name in page.inner_text("#run-customers")
    assert "Churn risk rose from" in page.inner_text(
        "#run-customers"
    ) or "流失风险从" in page.inner_text("#run-customers")
    # and the owner finds the call among their activities
    page.goto(f"/customers/{first.customer_id}/")
    assert first.subject in page.inner_text("main")
