"""The proof of the loop: a win-back rule fires after an analysis run and creates call
activities for the owners of the high-value customers whose churn risk rose, with the
reason in words; a second announcement of the same run acts on no one again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import Max

from kehu.crm.automation.actions import run_after_analysis, set_enabled
from kehu.crm.automation.models import Rule, RuleHit, RuleRun
from kehu.crm.intelligence.actions import execute_run, request_run
from kehu.crm.intelligence.models import CustomerValue
from kehu.crm.sales.models import Activity, Order

pytestmark = pytest.mark.django_db

# the reason in the owner's language (the demo has owners reading English and Chinese)
REASON = {
    "en": re.compile(r"Churn risk rose from (\d+)% to (\d+)%"),
    "zh-hans": re.compile(r"流失风险从 (\d+)% 升至 (\d+)%"),
}


def test_the_ready_made_win_back_rule_fires_after_an_analysis_run():
    from kehu.crm.demo.load import load_demo

    load_demo(300, seed=3)
    rule = Rule.objects.get(key="win-back-high-value")
    assert rule.enabled is False  # ready-made rules are off until a user enables them
    set_enabled(rule, True)
    last = Order.objects.aggregate(m=Max("ordered_at"))["m"].date()

    first = execute_run(request_run(), as_of=last - timedelta(days=180))
    assert not RuleHit.objects.exists()  # the first run has none before it to compare with
    second = execute_run(request_run())

    before = dict(CustomerValue.objects.filter(run=first).values_list("customer_id", "churn_risk"))
    rows = CustomerValue.objects.filter(
        run=second, churn_risk__gte=0.5, tier__in=["Gold", "Platinum"]
    )
    expected = {
        c for c, risk in rows.values_list("customer_id", "churn_risk") if before.get(c, 1) < 0.5
    }
    assert expected, "the demo should have high-value customers whose churn risk rose"
    ids = [d["id"] for hit in RuleHit.objects.filter(rule=rule) for d in hit.done]
    calls = Activity.objects.filter(pk__in=ids).select_related("customer", "owner__profile")
    assert {a.customer_id for a in calls} == expected
    for call in calls:
        assert call.kind == Activity.Kind.CALL
        assert call.owner_id == call.customer.owner_id
        low, high = map(int, REASON[call.owner.profile.language].search(call.subject).groups())
        assert low < 50 <= high
        assert round(before[call.customer_id] * 100) == low
    log = RuleRun.objects.get(rule=rule, value_run=second)
    assert (log.n_matched, log.n_acted, log.n_failed) == (len(expected), len(expected), 0)

    # the same run announced again: every customer was acted on for this event already
    again = run_after_analysis(second)
    assert [(r.n_acted, r.n_skipped) for r in again] == [(0, len(expected))]
    assert calls.count() == len(expected)
    assert RuleHit.objects.filter(rule=rule).count() == len(expected)
