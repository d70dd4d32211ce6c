"""Source and campaign effectiveness: counts, conversion rate, cost per lead only where
a campaign has a cost, revenue of the converted leads' customers since conversion, in a
fixed number of queries; the page, its chart and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kehu.crm.leads import actions
from kehu.crm.leads.effectiveness import by_campaign, by_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_campaign, make_order, sales_user):
    fair = make_campaign("Spring fair", cost="900")
    leads = [
        actions.capture_lead(
            name=f"L{i}", email=f"l{i}@example.com", source="event", campaign=fair
        ).lead
        for i in range(3)
    ]
    web = actions.capture_lead(name="W", email="w@example.com", source="web_form").lead
    converted = actions.convert_lead(leads[0], actor=sales_user, create_opportunity=False)
    actions.qualify(leads[1])
    customer = converted.customer
    make_order(customer, "100.00", ordered_at=converted.converted_at + timedelta(days=1))
    make_order(customer, "40.00", ordered_at=converted.converted_at - timedelta(days=30))
    return fair, web


def test_counts_rate_cost_and_revenue_since_conversion(world):
    fair, _web = world
    with CaptureQueriesContext(connection) as queries:
        sources = {r.key: r for r in by_source()}
        campaigns = by_campaign()
    assert len(queries) == 2
    event = sources["event"]
    assert (event.n_leads, event.n_qualified, event.n_converted) == (3, 2, 1)
    assert event.conversion_rate == pytest.approx(1 / 3)
    assert event.revenue == Decimal("100.00")  # the order before conversion is not counted
    assert event.cost is None and event.cost_per_lead is None
    assert sources["web_form"].n_leads == 1 and sources["web_form"].revenue == 0
    (row,) = campaigns
    assert (row.label, row.n_leads, row.cost_per_lead, row.revenue) == (
        "Spring fair",
        3,
        Decimal("300.00"),
        Decimal("100.00"),
    )


def test_the_page_its_chart_and_csv(world, client_for, admin_user):
    client = client_for(admin_user)
    page = client.get(reverse("leads:effectiveness"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Spring fair" in text and "300.00" in text
    assert page.context["chart"].key == "lead-sources" and "lead-sources" in text
    body = b"".join(client.get(reverse("leads:effectiveness_export")).streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    campaign = next(r for r in rows if r["group"] == "campaign")
    assert (campaign["cost_per_lead"], campaign["revenue"], campaign["converted"]) == (
        "300.00",
        "100.00",
        "1",
    )
    source = next(r for r in rows if r["key"] == "event")
    assert source["cost_per_lead"] == ""


def test_the_period_filter_and_a_bad_date(world, client_for, admin_user):
    client = client_for(admin_user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = client.get(reverse("leads:effectiveness"), {"since": tomorrow})
    assert page.context["sources"] == []
    assert client.get(reverse("leads:effectiveness"), {"since": "someday"}).status_code == 400
