"""execute_run on a 300-customer demo CRM: history rows, current scores, the overview,
margin and satisfaction read in SQL, movement since the previous run, pruning."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Avg, Count

from kehu.crm.customers.models import Customer
from kehu.crm.intelligence import extract, writeback
from kehu.crm.intelligence.actions import execute_run, request_run
from kehu.crm.intelligence.models import CustomerScore, CustomerValue, ValueRun
from kehu.crm.intelligence.queries import value_profile
from kehu.crm.sales.models import Order, OrderLine
from kehu.crm.service.models import Ticket

pytestmark = pytest.mark.django_db
N_CUSTOMERS = 300


def _buyers() -> set[int]:
    return set(
        Order.objects.exclude(status__in=extract.NOT_PURCHASES)
        .filter(kind=Order.Kind.SALE)
        .values_list("customer_id", flat=True)
    )


def test_a_run_writes_one_value_per_buying_customer_and_every_current_score(scored):
    run = scored.second
    assert run.status == ValueRun.Status.DONE, run.error
    assert run.progress_percent == 100 and run.started_at <= run.finished_at
    values = CustomerValue.objects.filter(run=run)
    assert set(values.values_list("customer_id", flat=True)) == _buyers()
    assert run.n_customers == values.count() and run.n_prospects == N_CUSTOMERS - run.n_customers
    assert CustomerScore.objects.count() == Customer.objects.count() == N_CUSTOMERS
    assert not CustomerScore.objects.exclude(run=run).exists()


def test_current_scores_are_the_latest_runs_values(scored):
    value = CustomerValue.objects.filter(run=scored.second).order_by("customer_id").first()
    score = CustomerScore.objects.get(customer_id=value.customer_id)
    for name in ("p_alive", "predicted_clv", "tier", "rfm_segment", "loyalty_stage", "r_score"):
        assert getattr(score, name) == getattr(value, name), name
    assert 0 <= score.p_alive <= 1 and score.tier in {"Platinum", "Gold", "Iron", "Lead"}


def test_customers_without_purchases_are_prospects_without_scores(scored):
    prospects = CustomerScore.objects.exclude(customer_id__in=_buyers())
    assert prospects.count() == scored.second.n_prospects > 0
    assert set(prospects.values_list("loyalty_stage", flat=True)) == {"prospect"}
    assert not prospects.filter(p_alive__isnull=False).exists()
    assert set(prospects.values_list("tier", flat=True)) == {""}


def test_history_keeps_the_earlier_run(scored):
    first = CustomerValue.objects.filter(run=scored.first)
    assert scored.first.status == ValueRun.Status.DONE, scored.first.error
    assert 0 < first.count() < CustomerValue.objects.filter(run=scored.second).count()
    assert scored.first.overview["observation_end"] < scored.second.overview["observation_end"]


def test_value_profile_shows_how_scores_moved_since_the_previous_run(scored):
    both = (
        CustomerValue.objects.values("customer_id")
        .annotate(n=Count("run"))
        .filter(n=2)
        .values_list("customer_id", flat=True)
    )
    profiles = [value_profile(pk) for pk in both]
    assert profiles and all(p.previous.run_id == scored.first.pk for p in profiles)
    moved_tier = [p for p in profiles if p.previous.tier != p.current.tier]
    assert moved_tier and all(" → " in p.moves["tier"] for p in moved_tier)
    clv = [p.moves["predicted_clv"] for p in profiles if p.moves["predicted_clv"]]
    assert clv and all(m[0] in "+-" and m.endswith("%") for m in clv)
    new = CustomerValue.objects.filter(run=scored.second).exclude(customer_id__in=both).first()
    assert value_profile(new.customer_id).previous is None


def test_margin_is_line_total_minus_cost_signed_by_order_kind(scored):
    facts = extract.customer_facts().set_index("customer_id")
    customer_id = facts["margin"].abs().idxmax()
    expected = Decimal(0)
    lines = OrderLine.objects.filter(
        order__customer_id=customer_id, product__unit_cost__isnull=False
    )
    for line in lines.exclude(order__status__in=extract.NOT_PURCHASES).select_related(
        "order", "product"
    ):
        expected += line.order.sign * (line.line_total - line.quantity * line.product.unit_cost)
    assert facts.loc[customer_id, "margin"] == pytest.approx(float(expected))
    score = CustomerScore.objects.get(customer_id=customer_id)
    assert score.margin == pytest.approx(float(expected))


def test_satisfaction_is_the_mean_ticket_rating(scored):
    rated = (
        Ticket.objects.filter(satisfaction_score__isnull=False)
        .values("customer_id")
        .annotate(mean=Avg("satisfaction_score"))
    )
    assert rated
    for row in rated:
        score = CustomerScore.objects.get(customer_id=row["customer_id"])
        assert score.satisfaction == pytest.approx(float(row["mean"]))


def test_overview_has_pyramid_shares_and_the_evaluation_indices(scored):
    o = scored.second.overview
    assert [t["tier"] for t in o["pyramid"]] == ["Platinum", "Gold", "Iron", "Lead"]
    assert sum(t["n"] for t in o["pyramid"]) == scored.second.n_customers
    assert sum(t["spend_share"] for t in o["pyramid"]) == pytest.approx(1)
    ix = o["indices"]
    assert 1 <= ix["satisfaction"]["mean"] <= 5
    assert 0 < ix["loyalty"]["share"] < 1
    assert 0 < ix["retention"]["1"] < 1
    assert ix["contribution"]["total_margin"] > 0 and 0.2 < ix["contribution"]["top20_share"] <= 1
    ladder = {row["name"]: row["n"] for row in o["loyalty"]}
    assert ladder["prospect"] == scored.second.n_prospects
    assert o["cohorts"]["rows"] and len(o["cohorts"]["months"]) == 12
    assert {"r", "alpha", "a", "b"} <= set(scored.second.analysis_models["bg_nbd"])


def test_pruning_keeps_the_latest_runs_and_their_history(scored):
    run = execute_run(request_run(), keep_runs=1)
    assert run.status == ValueRun.Status.DONE, run.error
    assert list(ValueRun.objects.values_list("id", flat=True)) == [run.pk]
    assert set(CustomerValue.objects.values_list("run_id", flat=True)) == {run.pk}
    assert writeback.prune_runs(5) == 0
