"""Each role's dashboard takes the same number of queries whatever the number of records
(aggregates, no query per row): counted with one and with several of everything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.crm.choices import Role
from kehu.crm.integration.models import ImportJob
from kehu.crm.intelligence.models import CustomerScore, Segment, ValueRun
from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.crm.sales.actions import create_activity
from kehu.crm.screens.dashboards import BUILDERS

pytestmark = pytest.mark.django_db


def _queries(role: str, user: object) -> int:
    with CaptureQueriesContext(connection) as captured:
        BUILDERS[role](user)
    return len(captured.captured_queries)


@pytest.fixture
def grow(make_customer, make_opportunity, make_order, make_ticket):
    run = ValueRun.objects.create(status=ValueRun.Status.DONE)
    today = timezone.localdate()

    def _grow(owner: object, n: int) -> None:
        for i in range(n):
            customer = make_customer(f"Co {n}-{i}", owner=owner)
            CustomerScore.objects.create(customer=customer, run=run, tier="Gold", segment=i)
            Segment.objects.get_or_create(
                run=run,
                key=i,
                defaults={"name": f"S{i}", "size": 1, "share": 0.1, "value_share": 0.1},
            )
            make_opportunity(customer, stage="proposal", amount=Decimal(10), owner=owner)
            make_order(customer, "10.00", owner=owner)
            make_ticket(customer, subject=f"T{i}", priority="high")
            create_activity(
                owner=owner, subject=f"A{i}", due_at=timezone.now() - timedelta(hours=i)
            )
            campaign = Campaign.objects.create(
                name=f"C{n}-{i}", goal="win_back", status="sent", starts_on=today, ends_on=today
            )
            CampaignMember.objects.create(
                campaign=campaign, customer=customer, group="treated", status="sent"
            )
            ImportJob.objects.create(entity="customers", source_name=f"{i}.csv", status="done")

    return _grow


@pytest.mark.parametrize("role", Role.values)
def test_a_dashboard_takes_as_many_queries_for_one_record_as_for_many(role, make_user, grow):
    user = make_user(role)
    grow(user, 1)
    _queries(role, user)  # the first call fills caches (permissions, calendar)
    few = _queries(role, user)
    grow(user, 5)
    assert _queries(role, user) == few
    assert few <= 16, f"{role}: {few} queries"
