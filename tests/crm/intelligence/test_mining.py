"""The data-mining steps of an analysis run, stored in the CRM and shown where users
work: segments (kept keys), churn risk with reasons, next-best products (never one the
customer has), deviation flags, forecasts; the segment pages and the schedule."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from django.urls import reverse

from kehu.crm.intelligence import mining
from kehu.crm.intelligence.mining import MiningInput, run_mining
from kehu.crm.intelligence.models import (
    CustomerInsight,
    CustomerScore,
    Segment,
)
from kehu.insight.engine import DuckDBEngine, QueryError


@pytest.mark.django_db
def test_a_run_stores_segments_churn_flags_recommendations_and_forecasts(scored):
    run = scored.second
    assert set(run.mining) >= {"segments", "churn", "deviations", "products", "sales"}
    assert "skipped" not in run.mining["segments"] and "skipped" not in run.mining["churn"]
    segments = {s.key: s for s in Segment.objects.filter(run=run)}
    assert len(segments) == run.mining["segments"]["k"] >= 3
    buyers = CustomerScore.objects.filter(p_alive__isnull=False)
    assert set(buyers.values_list("segment", flat=True)) == set(segments)
    assert sum(s.size for s in segments.values()) == buyers.count()
    assert abs(sum(s.value_share for s in segments.values()) - 1) < 1e-6
    risks = list(buyers.values_list("churn_risk", flat=True))
    assert all(0 <= r <= 1 for r in risks)
    assert not CustomerScore.objects.filter(p_alive__isnull=True, segment__isnull=False).exists()
    assert run.mining["sales"]["total"]["series"][0]["forecast"]


@pytest.mark.django_db
def test_recommendations_never_offer_what_the_customer_has(scored):
    from kehu.crm.sales.models import OrderLine

    insights = list(CustomerInsight.objects.exclude(recommendations=[])[:40])
    assert insights
    for insight in insights:
        owned = set(
            OrderLine.objects.filter(order__customer_id=insight.customer_id).values_list(
                "product_id", flat=True
            )
        )
        offered = [r["product_id"] for r in insight.recommendations]
        assert offered and not owned & set(offered)
        assert all(r["reason"] for r in insight.recommendations)


@pytest.mark.django_db
def test_flag_counts_match_the_flags_kept(scored):
    flagged = CustomerScore.objects.filter(n_flags__gt=0)
    for score in flagged[:30]:
        flags = CustomerInsight.objects.get(customer_id=score.customer_id).flags
        assert len(flags) == min(score.n_flags, 5)
        assert all(f["reason"] and f["kind"] for f in flags)


@pytest.mark.django_db
def test_segment_keys_are_kept_from_the_previous_run(scored):
    kept = scored.second.mining["segments"]["kept_keys"]
    first_keys = set(Segment.objects.filter(run=scored.first).values_list("key", flat=True))
    assert set(map(int, kept)) <= first_keys
    new_keys = set(Segment.objects.filter(run=scored.second).values_list("key", flat=True))
    assert new_keys - set(map(int, kept)) == {k for k in new_keys if k > max(first_keys)}


@pytest.mark.django_db
def test_the_360_page_shows_segment_churn_reasons_products_and_flags(
    scored, admin_user, client_for, django_assert_max_num_queries
):
    score = (
        CustomerScore.objects.filter(n_flags__gt=0, churn_risk__isnull=False)
        .order_by("customer_id")
        .first()
    )
    insight = CustomerInsight.objects.get(customer_id=score.customer_id)
    c = client_for(admin_user)
    response = c.get(reverse("customers:detail", args=[score.customer_id]))
    page = response.content.decode()
    segment = Segment.objects.get(run=scored.second, key=score.segment)
    assert 'id="customer-insight"' in page
    assert reverse("intelligence:segment", args=[segment.key]) in page
    assert f"{100 * score.churn_risk:.0f}%" in page
    assert 'id="churn-reasons"' in page or not insight.churn_reasons
    from kehu.crm.catalog.models import Product

    first = Product.objects.get(pk=insight.recommendations[0]["product_id"])
    assert first.name in page
    assert 'id="deviation-flags"' in page and "behaving as usual" not in page


@pytest.mark.django_db
def test_the_360_page_of_an_unscored_customer_says_so(admin_user, client_for):
    from kehu.crm.customers.actions import create_customer

    customer = create_customer(name="Brand new", by=admin_user)
    page = client_for(admin_user).get(reverse("customers:detail", args=[customer.pk]))
    assert "No data-mining results yet" in page.content.decode()


@pytest.mark.django_db
def test_segment_pages_list_profiles_and_members(
    scored, analyst_user, client_for, django_assert_max_num_queries
):
    c = client_for(analyst_user)
    page = c.get(reverse("intelligence:segments")).content.decode()
    segment = Segment.objects.filter(run=scored.second).order_by("-size").first()
    assert 'id="segment-table"' in page and str(segment.size) in page
    with django_assert_max_num_queries(10):
        response = c.get(reverse("intelligence:segment", args=[segment.key]))
    body = response.content.decode()
    members = CustomerScore.objects.filter(segment=segment.key).select_related("customer")
    shown = min(members.count(), 50)
    assert body.count('href="/customers/') >= shown
    assert c.get(reverse("intelligence:segment", args=[999])).status_code == 404


@pytest.mark.django_db
def test_sales_reps_do_not_see_segment_pages(scored, sales_user, client_for):
    assert client_for(sales_user).get(reverse("intelligence:segments")).status_code == 403


def _mining_input(ordered_at: list[str]) -> MiningInput:
    n = len(ordered_at)
    return MiningInput(
        orders=pd.DataFrame(
            {
                "customer_id": [1 + i % 3 for i in range(n)],
                "order_id": range(n),
                "ordered_at": ordered_at,
                "amount": [50.0] * n,
                "channel": ["web"] * n,
            }
        ),
        lines=pd.DataFrame(
            columns=[
                "customer_id",
                "order_id",
                "ordered_at",
                "product_id",
                "category",
                "quantity",
                "amount",
            ]
        ),
        tickets=pd.DataFrame(columns=["customer_id", "opened_at", "kind"]),
        regions=pd.DataFrame({"customer_id": [1, 2, 3], "region": ["north"] * 3}),
        as_of=datetime(2026, 7, 1),
    )


def test_a_query_the_backend_refuses_fails_the_run_naming_the_query():
    """Given an order whose date no backend reads, when the mining runs, then it stops
    with the library's query error (the query in it), rather than a bare DuckDB one."""
    data = _mining_input(["2026-01-05", "2026-02-05", "the fifth of March"])
    with pytest.raises(QueryError) as caught:
        run_mining(data)
    assert "CAST(ordered_at AS TIMESTAMP)" in caught.value.query


def test_a_step_whose_query_fails_fails_the_run_instead_of_being_skipped(monkeypatch):
    """A query error is a fault to see, not a step with nothing to work on."""

    def failing_query(orders: pd.DataFrame, since: datetime, engine: object = None) -> pd.DataFrame:
        with DuckDBEngine() as engine:
            return engine.query("SELECT amount FROM no_such_orders", "unusual orders")

    monkeypatch.setattr(mining, "unusual_orders", failing_query)
    data = _mining_input([f"2026-0{m}-05" for m in range(1, 7)])
    with pytest.raises(QueryError, match="unusual orders"):
        run_mining(data)


def test_per_customer_lists_name_the_query_when_it_fails():
    rows = pd.DataFrame({"customer_id": [1, 1], "rank": [1, 2]})
    with pytest.raises(QueryError, match="per-customer lists") as caught:
        mining._json_lists(rows, "'score': no_such_column", "rank")
    assert "no_such_column" in caught.value.query
