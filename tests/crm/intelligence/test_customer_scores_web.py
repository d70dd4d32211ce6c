"""Value scores on the customer screens: list filters, sorts and columns with flat query
counts, the CSV export, and the 360 page's value profile with its movement."""

from __future__ import annotations

import csv
import io

import pytest
from django.db.models import Count
from django.urls import reverse

from kehu.crm.customers.models import Customer
from kehu.crm.intelligence.models import CustomerScore, CustomerValue

pytestmark = pytest.mark.django_db


def _list(client, **params):
    return client.get(reverse("customers:list"), params)


def _ids(response) -> list[int]:
    return [c.pk for c in response.context["page"].object_list]


def test_list_filters_by_tier_segment_lifecycle_and_p_alive(scored, analyst_user, client_for):
    c = client_for(analyst_user)
    gold = _list(c, tier="Gold")
    expected = CustomerScore.objects.filter(tier="Gold").count()
    assert gold.context["page"].paginator.count == expected > 0
    assert all(x.score.tier == "Gold" for x in gold.context["page"].object_list)
    segment = CustomerScore.objects.exclude(rfm_segment="").values_list("rfm_segment", flat=True)[0]
    by_segment = _list(c, segment=segment)
    assert by_segment.context["page"].paginator.count == (
        CustomerScore.objects.filter(rfm_segment=segment).count()
    )
    decline = _list(c, lifecycle="decline")
    assert all(x.score.lifecycle_stage == "decline" for x in decline.context["page"].object_list)
    alive = _list(c, min_p_alive="0.75")
    assert alive.context["page"].paginator.count == (
        CustomerScore.objects.filter(p_alive__gte=0.75).count()
    )
    assert _list(c, min_p_alive="abc").status_code == 400  # says what is allowed


@pytest.mark.parametrize(
    ("sort", "field", "descending"),
    [
        ("-clv", "predicted_clv", True),
        ("clv", "predicted_clv", False),
        ("-p_alive", "p_alive", True),
        ("-value", "value_score", True),
    ],
)
def test_list_sorts_by_scores_with_the_customer_as_tie_breaker(
    scored, analyst_user, client_for, sort, field, descending
):
    response = _list(client_for(analyst_user), sort=sort)
    prefix = "-" if descending else ""
    expected = list(
        CustomerScore.objects.filter(**{f"{field}__isnull": False})
        .order_by(f"{prefix}{field}", f"{prefix}customer_id")
        .values_list("customer_id", flat=True)[:25]
    )
    assert _ids(response) == expected
    assert response.context["page"].paginator.count == scored.second.n_customers
    assert b'id="score-sort"' in response.content


def test_list_shows_score_columns_with_flat_query_counts(
    scored, analyst_user, client_for, django_assert_max_num_queries
):
    c = client_for(analyst_user)
    for params in ({}, {"sort": "-clv"}, {"tier": "Lead", "min_p_alive": "0.5"}):
        with django_assert_max_num_queries(10):  # + the segments of the segment filter
            response = _list(c, **params)
        assert len(response.context["page"].object_list) == 25
    page = response.content.decode()
    assert "Predicted CLV" in page and "Lead" in page
    top = CustomerScore.objects.filter(predicted_clv__isnull=False).order_by("-predicted_clv")[0]
    assert f"{top.p_alive:.2f}" in _list(c, sort="-clv").content.decode()


def test_sales_users_sort_only_their_own_customers_by_score(scored, client_for):
    from django.contrib.auth import get_user_model

    seller = get_user_model().objects.get(username="wang.fang")  # a demo rep, not a manager
    response = _list(client_for(seller), sort="-clv")
    owned = Customer.objects.filter(owner=seller, score__predicted_clv__isnull=False)
    assert response.context["page"].paginator.count == owned.count() > 0
    assert all(x.owner_id == seller.pk for x in response.context["page"].object_list)


def test_export_includes_the_value_scores(scored, admin_user, client_for):
    response = client_for(admin_user).get(reverse("customers:export"), {"sort": "-clv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == scored.second.n_customers
    assert {"tier", "rfm_segment", "p_alive", "predicted_clv", "value_score"} <= set(rows[0])
    clv = [float(r["predicted_clv"]) for r in rows]
    assert clv == sorted(clv, reverse=True)


def test_360_shows_the_value_profile_and_how_it_moved(scored, analyst_user, client_for):
    moved = (
        CustomerValue.objects.values("customer_id")
        .annotate(n=Count("run"), tiers=Count("tier", distinct=True))
        .filter(n=2, tiers=2)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[0]
    )
    response = client_for(analyst_user).get(reverse("customers:detail", args=[moved]))
    page = response.content.decode()
    assert 'id="value-profile"' in page and "Since the last run" in page
    before = CustomerValue.objects.get(run=scored.first, customer_id=moved)
    after = CustomerValue.objects.get(run=scored.second, customer_id=moved)
    assert f"{before.tier} → {after.tier}" in page
    assert f"From analysis run #{scored.second.pk}" in page


def test_360_of_a_prospect_and_of_a_new_customer(scored, analyst_user, client_for, make_customer):
    c = client_for(analyst_user)
    prospect = CustomerScore.objects.filter(loyalty_stage="prospect").first()
    page = c.get(reverse("customers:detail", args=[prospect.customer_id])).content.decode()
    assert "A prospect: no purchase yet" in page
    new = make_customer("Brand New Co")
    page = c.get(reverse("customers:detail", args=[new.pk])).content.decode()
    assert "Not scored yet" in page
