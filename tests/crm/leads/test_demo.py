"""The demo's leads: 1,500 over 18 months dated against the demo's day, with campaigns
that have a cost, converted leads linked to customers who order, timelines that end by
the demo's end, and a history the scoring learns from."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Count, F, Max, Min

from kehu.crm.demo.leads import N_LEADS, add_leads
from kehu.crm.demo.timeline import demo_end
from kehu.crm.leads.models import Lead, LeadEvent
from kehu.crm.leads.scoring import score_open_leads

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture
def loaded(make_customer, make_order, sales_user):
    for i in range(5):
        make_order(make_customer(f"Customer {i}"), "100.00")
    return add_leads(TODAY, seed=1)


def test_leads_and_their_timelines_are_written_once(loaded):
    assert loaded == {"leads": N_LEADS, "lead_events": LeadEvent.objects.count()}
    assert add_leads(TODAY, seed=1) == {"leads": 0, "lead_events": 0}
    assert Lead.objects.count() == N_LEADS


def test_dated_against_the_demo_day(loaded):
    end = demo_end(TODAY).replace(tzinfo=None)
    span = Lead.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"].replace(tzinfo=None) < end
    assert span["first"].replace(tzinfo=None) > end - timedelta(days=549)
    latest_event = LeadEvent.objects.aggregate(m=Max("occurred_at"))["m"]
    assert latest_event.replace(tzinfo=None) <= end
    assert not Lead.objects.filter(converted_at__lt=F("created_at")).exists()


def test_statuses_sources_campaigns_and_conversions(loaded):
    statuses = dict(Lead.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == set(Lead.Status.values)
    converted = Lead.objects.filter(status=Lead.Status.CONVERTED)
    assert not converted.filter(customer__isnull=True).exists()
    assert not Lead.objects.filter(status=Lead.Status.DISQUALIFIED, disqualify_reason="").exists()
    assert Lead.objects.values("source").distinct().count() == len(Lead.Source.values)
    campaigns = Lead.objects.filter(campaign__isnull=False)
    assert campaigns.values("campaign").distinct().count() == 4
    assert not campaigns.filter(campaign__cost=0).exists()
    rate = converted.count() / (converted.count() + statuses["disqualified"])
    assert 0.15 < rate < 0.5, rate


def test_the_scoring_learns_from_the_demo_history(loaded):
    run = score_open_leads()
    assert run.n_scored == Lead.objects.filter(status__in=Lead.OPEN_STATUSES).count()
    assert run.cv_roc_auc > 0.65, run.cv_roc_auc
