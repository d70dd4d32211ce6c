"""The intelligence reads the analysis page, the customer list and the 360 page share
(kehu.crm.intelligence.queries): the runs, a customer's value profile and how each score
moved, the segments under the names users gave them, the 360 page's insight card and a
segment's members.

Runs, scores, segments and insights are written by the analysis's bulk write-back (no
action per row, see kehu.crm.bulk), so the tests build those rows raw, as the write-back
leaves them; segment names go through their action."""

from __future__ import annotations

import pytest
from django.utils import translation

from kehu.crm.intelligence import queries
from kehu.crm.intelligence.actions import rename_segment
from kehu.crm.intelligence.models import (
    CustomerInsight,
    CustomerScore,
    CustomerValue,
    Segment,
    ValueRun,
)

pytestmark = pytest.mark.django_db

DONE, FAILED = ValueRun.Status.DONE, ValueRun.Status.FAILED


def _run(status: str = DONE) -> ValueRun:
    return ValueRun.objects.create(status=status)


def _segment(run: ValueRun, key: int, name: str) -> Segment:
    return Segment.objects.create(
        run=run, key=key, name=name, name_key=name, size=1, share=0.5, value_share=0.5
    )


def test_recent_runs_newest_first_and_the_latest_finished_one():
    first, second = _run(), _run()
    failed = _run(FAILED)
    assert list(queries.recent_runs()) == [failed, second, first]
    assert list(queries.recent_runs(limit=2)) == [failed, second]
    assert queries.latest_done_run() == second


def test_no_run_no_profile_no_card(make_customer):
    customer = make_customer()
    assert queries.latest_done_run() is None
    assert queries.value_profile(customer.pk) is None
    assert queries.insight_card(None) is None
    assert queries.segments_of(None) == []


def test_a_profile_says_how_each_score_moved_since_the_last_finished_run(make_customer):
    customer = make_customer()
    earlier, broken, now = _run(), _run(FAILED), _run()
    before = {"tier": "Iron", "predicted_clv": 100.0, "p_alive": 0.81, "r_score": 2}
    CustomerValue.objects.create(customer=customer, run=earlier, **before, value_score=0.5)
    # a failed run's row is no earlier state of the customer
    CustomerValue.objects.create(customer=customer, run=broken, tier="Lead", predicted_clv=1.0)
    CustomerScore.objects.create(
        customer=customer,
        run=now,
        tier="Gold",
        predicted_clv=150.0,
        p_alive=0.64,
        r_score=4,
        value_score=0.5,
    )
    with translation.override("en"):  # labels in the language of the request reading them
        profile = queries.value_profile(customer.pk)
    assert profile.previous.run == earlier and not profile.is_prospect
    assert profile.moves["tier"] == "Iron → Gold"
    assert profile.moves["predicted_clv"] == "+50%"
    assert profile.moves["p_alive"] == "0.81 → 0.64"
    assert profile.moves["r_score"] == "2 → 4"
    assert profile.moves["value_score"] == ""  # did not move
    assert profile.moves["margin"] == ""  # unknown on both sides


def test_a_customer_scored_once_has_no_moves_and_a_prospect_no_p_alive(make_customer):
    customer = make_customer()
    CustomerScore.objects.create(customer=customer, run=_run(), tier="Lead")
    profile = queries.value_profile(customer.pk)
    assert profile.previous is None and profile.moves == {}
    assert profile.is_prospect


def test_segments_keep_the_names_users_gave_their_keys(analyst_user):
    run = _run()
    _segment(run, 2, "Occasional buyers")
    _segment(run, 1, "Big spenders")
    rename_segment(2, "  Weekend   shoppers ", by=analyst_user)
    segments = queries.segments_of(run)
    assert [(s.key, s.name, s.custom_name) for s in segments] == [
        (1, "Big spenders", ""),
        (2, "Occasional buyers", "Weekend shoppers"),
    ]
    rename_segment(2, "")  # back to the suggested name
    assert [s.custom_name for s in queries.segments_of(run)] == ["", ""]


def test_the_insight_card_brings_segment_reasons_flags_and_products_still_sold(
    make_customer, make_product
):
    run = _run()
    segment = _segment(run, 1, "Big spenders")
    customer = make_customer()
    tea, cup = make_product("Oolong"), make_product("Cup")
    score = CustomerScore.objects.create(customer=customer, run=run, segment=1, churn_risk=0.7)
    CustomerInsight.objects.create(
        customer=customer,
        run=run,
        churn_reasons=["long gap"],
        flags=[{"kind": "spend_drop"}],
        recommendations=[
            {"product_id": cup.pk, "because_of": tea.pk},
            {"product_id": 999_999},  # a product deleted since the run: left out
        ],
    )
    card = queries.insight_card(score)
    assert card.segment == segment and card.reasons == ["long gap"]
    assert card.flags == [{"kind": "spend_drop"}]
    assert [(r["product"], r["because"]) for r in card.recommendations] == [(cup, tea)]


def test_no_card_for_a_customer_without_segment_or_churn_risk(make_customer):
    score = CustomerScore.objects.create(customer=make_customer(), run=_run(), tier="Gold")
    assert queries.insight_card(score) is None


def test_segment_members_most_valuable_first(make_customer):
    run = _run()
    values = {"Small Co": 10.0, "Big Co": 900.0, "Mid Co": 120.0, "Elsewhere Co": 5000.0}
    for name, clv in values.items():
        segment = 2 if name == "Elsewhere Co" else 1
        CustomerScore.objects.create(
            customer=make_customer(name), run=run, segment=segment, predicted_clv=clv
        )
    members = [s.customer.name for s in queries.segment_members(run, 1)]
    assert members == ["Big Co", "Mid Co", "Small Co"]
