"""The customer list filters and sorts by what data mining stored per customer: churn
risk, deviation flags (how many, which kind) and the analysis segment; the export
follows the same filters; the query count stays flat."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kehu.crm.intelligence.models import CustomerInsight, CustomerScore, Segment, ValueRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def mined(make_customer):
    # the analysis writes runs, segments and scores back in bulk (kehu.crm.bulk), no
    # action per row: raw rows as the write-back leaves them
    run = ValueRun.objects.create(status=ValueRun.Status.DONE)
    for key, name in ((1, "Big spenders"), (2, "Occasional buyers")):
        Segment.objects.create(
            run=run, key=key, name=name, name_key=name, size=2, share=0.5, value_share=0.5
        )
    rows = {
        "Calm Co": (0.10, 0, 1, []),
        "Drifting Co": (0.60, 1, 1, ["spend_drop"]),
        "Leaving Co": (0.90, 2, 2, ["spend_drop", "long_gap"]),
        "Angry Co": (0.40, 1, 2, ["complaint_burst"]),
    }
    customers = {}
    for name, (risk, n_flags, segment, kinds) in rows.items():
        customer = make_customer(name)
        CustomerScore.objects.create(
            customer=customer, run=run, churn_risk=risk, n_flags=n_flags, segment=segment
        )
        flags = [{"kind": kind, "severity": 1.0, "reason": "x", "values": "{}"} for kind in kinds]
        CustomerInsight.objects.create(customer=customer, run=run, flags=flags)
        customers[name] = customer
    return customers


def _names(client, **params) -> list[str]:
    response = client.get(reverse("customers:list"), params)
    assert response.status_code == 200, response.content[:300]
    return [c.name for c in response.context["page"].object_list]


def test_filters_by_churn_risk_flags_and_segment(mined, admin_user, client_for):
    c = client_for(admin_user)
    assert _names(c, min_churn="0.5") == ["Drifting Co", "Leaving Co"]
    assert _names(c, min_flags="2") == ["Leaving Co"]
    assert _names(c, flag="spend_drop") == ["Drifting Co", "Leaving Co"]
    assert _names(c, flag="complaint_burst") == ["Angry Co"]
    assert _names(c, cluster="2") == ["Angry Co", "Leaving Co"]
    assert _names(c, cluster="2", min_churn="0.5") == ["Leaving Co"]


def test_sorts_by_churn_risk_and_flag_count(mined, admin_user, client_for):
    c = client_for(admin_user)
    assert _names(c, sort="-churn") == ["Leaving Co", "Drifting Co", "Angry Co", "Calm Co"]
    assert _names(c, sort="churn")[0] == "Calm Co"
    assert _names(c, sort="-flags")[0] == "Leaving Co"


def test_segment_names_are_offered_and_bad_values_refused(mined, admin_user, client_for):
    c = client_for(admin_user)
    page = c.get(reverse("customers:list")).content.decode()
    assert "Big spenders" in page and 'name="min_churn"' in page and 'name="flag"' in page
    assert c.get(reverse("customers:list"), {"flag": "nonsense"}).status_code == 400
    assert c.get(reverse("customers:list"), {"min_churn": "2"}).status_code == 400
    assert c.get(reverse("customers:list"), {"sort": "-password"}).status_code == 400


def test_export_follows_the_mining_filters(mined, admin_user, client_for):
    response = client_for(admin_user).get(
        reverse("customers:export"), {"flag": "spend_drop", "sort": "-churn"}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["name"] for r in rows] == ["Leaving Co", "Drifting Co"]
    assert rows[0]["churn_risk"] == "0.9" and rows[0]["n_flags"] == "2"


def test_mining_filters_keep_the_query_count_flat(
    mined, admin_user, client_for, make_customer, django_assert_max_num_queries
):
    c = client_for(admin_user)
    params = {"min_churn": "0.25", "min_flags": "1", "flag": "spend_drop", "sort": "-churn"}
    with django_assert_max_num_queries(9):
        c.get(reverse("customers:list"), params)
    for i in range(30):
        customer = make_customer(f"More {i}")
        CustomerScore.objects.create(
            customer=customer,
            run=ValueRun.objects.get(),
            churn_risk=0.5,
            n_flags=1,
            segment=1,
        )
        CustomerInsight.objects.create(
            customer=customer, run=ValueRun.objects.get(), flags=[{"kind": "spend_drop"}]
        )
    with django_assert_max_num_queries(9):
        response = c.get(reverse("customers:list"), params)
    assert len(response.context["page"].object_list) == 25
