"""The home dashboards, one per role, on a small hand-made database: each figure and
chart point counts what it should, and its link opens the list that shows the same
count (or, for revenue, the same net total); a role sees its own blocks only, and a user
with several roles sees each, the main role first."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kehu.crm.billing.actions import create_invoice, record_payment
from kehu.crm.choices import Role
from kehu.crm.integration.models import DuplicatePair, ImportJob
from kehu.crm.intelligence.models import CustomerScore, Segment, ValueRun
from kehu.crm.marketing.models import Campaign, CampaignMember, Suppression
from kehu.crm.sales.actions import complete_activity, create_activity, move_opportunity
from kehu.crm.screens.dashboards import Dashboard, dashboards_for, user_roles
from kehu.crm.screens.dashboards.admin import schedule_figure
from kehu.crm.service.actions import change_status
from kehu.crm.service.models import Ticket

pytestmark = pytest.mark.django_db


def _at(day: Any, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _listed(client: Client, url: str) -> tuple[int | None, dict[str, Any]]:
    """How many rows the list page at ``url`` shows (None: not a list, such as an
    import job's page or a campaign's), and its context."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "cl" in context:  # the admin's change list
        return context["cl"].result_count, context
    if "page" in context:
        return context["page"].paginator.count, context
    return None, context


def _check_links(client: Client, dashboard: Dashboard) -> int:
    """Every linked figure and point of ``dashboard`` counts what its list shows; the
    number of links checked."""
    checked = 0
    for figure in dashboard.figures:
        if figure.url and figure.kind == "count":
            assert _listed(client, figure.url)[0] == figure.value, (figure.key, figure.url)
            checked += 1
    for panel in dashboard.panels:
        # "open the list" under the chart; the analysis pages need a real run's numbers,
        # which the hand-made runs here lack
        if panel.link and not panel.link.startswith("/intelligence/"):
            assert client.get(panel.link).status_code == 200, (panel.key, panel.link)
        for series in panel.series:
            for point in series.points:
                if not point.url:
                    continue
                n, context = _listed(client, point.url)
                if n is None:
                    continue
                if panel.money and "totals" in context:
                    # an order list's net, an invoice list's open amount, the pipeline's
                    totals = context["totals"]
                    total = next(totals[k] for k in ("net", "open", "total") if k in totals)
                    assert total == point.value, (panel.key, point.url)
                    assert point.count is None or n == point.count, (panel.key, point.url)
                else:
                    expected = point.count if point.count is not None else point.value
                    assert n == expected, (panel.key, str(series.name), point.url)
                checked += 1
    return checked


def _points(dashboard: Dashboard, key: str, series: int = 0) -> dict[str, Any]:
    return {str(p.label): p.value for p in dashboard.panel(key).series[series].points}


# ---- sales -------------------------------------------------------------------------------


@pytest.fixture
def sales_world(make_user, make_customer, make_opportunity, make_order):
    sally = make_user("sales", username="sally")
    steve = make_user("sales", username="steve")
    hers, too = make_customer("Hers Co", owner=sally), make_customer("Hers Too", owner=sally)
    his = make_customer("His Co", owner=steve)
    make_opportunity(hers, stage="proposal", amount=Decimal(500), owner=sally)
    make_opportunity(too, stage="proposal", amount=Decimal(100), owner=sally)
    make_opportunity(too, stage="negotiation", amount=Decimal(40), owner=sally)
    won = make_opportunity(hers, name="Won", stage="proposal", amount=Decimal(900), owner=sally)
    move_opportunity(won, "won")
    make_opportunity(his, stage="proposal", amount=Decimal(7000), owner=steve)
    today = timezone.localdate()
    last_year = today.replace(year=today.year - 1)
    make_order(hers, "120.00", owner=sally, ordered_at=_at(today, 0))
    make_order(too, "30.00", owner=sally, ordered_at=_at(today, 0))
    make_order(hers, "75.00", owner=sally, ordered_at=_at(last_year))
    make_order(hers, "999.00", owner=sally, ordered_at=_at(today, 0), status="cancelled")
    make_order(his, "5000.00", owner=steve, ordered_at=_at(today, 0))
    now = timezone.now()
    create_activity(owner=sally, subject="Late call", kind="call", due_at=now - timedelta(days=1))
    create_activity(owner=sally, subject="Call later", kind="call", due_at=now + timedelta(days=1))
    create_activity(owner=sally, subject="Meet", kind="meeting", due_at=now + timedelta(days=2))
    complete_activity(create_activity(owner=sally, subject="Done", due_at=now - timedelta(days=3)))
    create_activity(owner=steve, subject="His", kind="call", due_at=now - timedelta(days=1))
    # open invoices: 40 days past due (partly paid), 10 days, not yet due; and Steve's
    late = create_invoice(
        hers,
        amount=Decimal(200),
        issued_on=today - timedelta(days=70),
        due_on=today - timedelta(days=40),
    )
    record_payment(late, amount=Decimal(50))
    create_invoice(
        too,
        amount=Decimal(80),
        issued_on=today - timedelta(days=40),
        due_on=today - timedelta(days=10),
    )
    create_invoice(too, amount=Decimal(70), issued_on=today, due_on=today + timedelta(days=30))
    create_invoice(
        his,
        amount=Decimal(900),
        issued_on=today - timedelta(days=70),
        due_on=today - timedelta(days=40),
    )
    run = ValueRun.objects.create(status=ValueRun.Status.DONE)
    CustomerScore.objects.create(customer=hers, run=run, tier="Gold", churn_risk=0.8)
    CustomerScore.objects.create(customer=too, run=run, tier="Lead", churn_risk=0.2)
    CustomerScore.objects.create(customer=his, run=run, tier="Gold", churn_risk=0.9)
    return sally, today


def test_sales_counts_the_users_own_pipeline_revenue_and_activities(sales_world, client_for):
    sally, today = sales_world
    (sales,) = dashboards_for(sally)

    assert sales.role == "sales"
    pipeline = {
        str(p.label): (p.count, p.value) for p in sales.panel("sales-pipeline").series[0].points
    }
    assert pipeline == {
        "Qualification": (0, 0),
        "Needs analysis": (0, 0),
        "Proposal": (2, Decimal(600)),
        "Negotiation": (1, Decimal(40)),
    }
    revenue = sales.panel("sales-revenue")
    this_year, last_year = revenue.series[1], revenue.series[0]
    assert (str(this_year.name), str(last_year.name)) == (str(today.year), str(today.year - 1))
    assert this_year.points[today.month - 1].value == Decimal(150)  # cancelled and Steve's out
    assert last_year.points[today.month - 1].value == Decimal(75)
    assert sum(p.value for p in this_year.points) == Decimal(150)
    activities = sales.panel("sales-activities")
    assert _points(sales, "sales-activities", 0)["Call"] == 1  # overdue
    assert _points(sales, "sales-activities", 1)["Call"] == 1  # not yet due
    assert _points(sales, "sales-activities", 1)["Meeting"] == 1
    assert activities.series[1].points[0].count == 2  # the list of calls shows both
    assert sales.figure("open-activities").value == 3
    assert sales.figure("overdue-activities").value == 1
    assert sales.figure("customers-at-risk").value == 1  # hers at 0.8; his is not hers
    won = sales.figure("won-this-month")  # staff performance counts it
    assert won.value == Decimal(900) and "1 deal" in str(won.label)
    assert sales.figure("target-attainment").value is None  # no target set
    # both open the user's own staff performance page for this month
    assert client_for(sally).get(won.url).status_code == 200
    assert won.url == sales.figure("target-attainment").url
    overdue = sales.panel("sales-receivables").series[0].points
    assert [(p.count, p.value) for p in overdue] == [(1, 80), (1, 150), (0, 0), (0, 0)]

    # 3 figures, 4 stages, last year's 12 months and this year's so far, 2 x 6 kinds,
    # 4 buckets of overdue invoices
    assert _check_links(client_for(sally), sales) == 3 + 4 + 12 + today.month + 12 + 4


def test_sales_target_attainment_comes_from_staff_performance(sales_world, make_user):
    from kehu.crm.sales.actions import set_sales_target

    sally, today = sales_world
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    set_sales_target(
        user=sally,
        period_start=start,
        period_end=end,
        amount=Decimal(300),
        by=make_user("admin"),
    )
    (sales,) = dashboards_for(sally)
    # the month's confirmed orders against the whole month's target, as the performance
    # page the figure opens shows "this month": 150 of 300
    assert sales.figure("target-attainment").value == pytest.approx(0.5)


# ---- service -----------------------------------------------------------------------------


@pytest.fixture
def service_world(make_user, make_customer, make_ticket):
    agent = make_user("service", username="sam")
    customer = make_customer("Acme")
    make_ticket(customer, subject="Urgent new", priority="urgent")
    make_ticket(customer, subject="High open", priority="high", assignee=agent)
    pending = make_ticket(customer, subject="Waiting", priority="high", assignee=agent)
    change_status(pending, "pending")
    resolved = make_ticket(customer, subject="Done")
    change_status(resolved, "resolved")
    Ticket.objects.filter(pk=resolved.pk).update(satisfaction_score=4)
    now = timezone.now()
    late = make_ticket(customer, subject="Late", priority="normal")
    Ticket.objects.filter(pk=late.pk).update(first_response_due=now - timedelta(hours=1))
    near = make_ticket(customer, subject="Near", priority="urgent")
    Ticket.objects.filter(pk=near.pk).update(
        first_response_due=now + timedelta(hours=1),
        first_response_risk_at=now - timedelta(minutes=5),
        resolution_due=now + timedelta(days=2),
        resolution_risk_at=now + timedelta(days=1),
    )
    Ticket.objects.exclude(pk__in=[late.pk, near.pk]).update(
        first_response_due=None,
        first_response_risk_at=None,
        resolution_due=None,
        resolution_risk_at=None,
    )
    Ticket.objects.filter(pk=late.pk).update(resolution_due=None, resolution_risk_at=None)
    return agent


def test_service_counts_open_tickets_service_levels_and_the_flow(service_world, client_for):
    agent = service_world
    (service,) = dashboards_for(agent)

    assert service.role == "service"
    assert service.figure("open-tickets").value == 5
    assert service.figure("my-open-tickets").value == 2
    assert service.figure("unassigned-tickets").value == 3
    assert service.figure("sla-breached").value == 1
    assert service.figure("sla-at-risk").value == 1
    by_priority = {
        str(s.name): [p.value for p in s.points] for s in service.panel("service-open").series
    }
    # statuses: New, Open, Waiting for customer
    assert by_priority["Urgent"] == [2, 0, 0]
    assert by_priority["High"] == [1, 0, 1]
    assert by_priority["Normal"] == [1, 0, 0]
    sla = {
        str(s.name): _points(service, "service-sla", i)
        for i, s in enumerate(service.panel("service-sla").series)
    }
    assert sla["Breached"]["Normal"] == 1 and sla["At risk"]["Urgent"] == 1
    flow = service.panel("service-flow")
    assert sum(p.value for p in flow.series[0].points) == 6  # opened in the last 12 weeks
    assert sum(p.value for p in flow.series[1].points) == 1  # resolved
    ratings = [p.value for p in service.panel("service-satisfaction").series[0].points]
    assert ratings[-1] == 4 and all(r is None for r in ratings[:-1])

    assert _check_links(client_for(agent), service) >= 5 + 12 + 8


# ---- marketing ---------------------------------------------------------------------------


@pytest.fixture
def marketing_world(make_user, make_customer):
    marketer = make_user("marketing", username="mia")
    run = ValueRun.objects.create(status=ValueRun.Status.DONE)
    Segment.objects.create(
        run=run, key=1, name="Big spenders", name_key="", size=2, share=0.5, value_share=0.8
    )
    Segment.objects.create(
        run=run, key=2, name="Small", name_key="", size=2, share=0.5, value_share=0.2
    )
    customers = []
    for i, (segment, clv, churn) in enumerate(
        [(1, 400, 0.9), (1, 400, 0.6), (2, 100, 0.3), (2, 100, 0.1)]
    ):
        customer = make_customer(
            f"C{i}",
            email=f"c{i}@example.com",
            phone=f"+86138000000{i:02d}",
            consent_email=i < 3,
            consent_sms=i == 0,
        )
        CustomerScore.objects.create(
            customer=customer, run=run, segment=segment, predicted_clv=clv, churn_risk=churn
        )
        customers.append(customer)
    today = timezone.localdate()
    running = Campaign.objects.create(
        name="Win back",
        goal="win_back",
        status="sent",
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
    Campaign.objects.create(
        name="Old",
        goal="win_back",
        status="sent",
        starts_on=today - timedelta(days=90),
        ends_on=today - timedelta(days=60),
    )
    groups = [("treated", True), ("treated", False), ("treated", False), ("control", False)]
    for customer, (group, converted) in zip(customers, groups, strict=True):
        CampaignMember.objects.create(
            campaign=running, customer=customer, group=group, status="sent", converted=converted
        )
    Suppression.objects.create(channel="email", address="x@example.com", reason="unsubscribed")
    Suppression.objects.create(channel="email", address="y@example.com", reason="bounced")
    return marketer


def test_marketing_counts_campaigns_segments_churn_and_consent(marketing_world, client_for):
    marketer = marketing_world
    (marketing,) = dashboards_for(marketer)

    assert marketing.role == "marketing"
    (campaign_table,) = marketing.tables
    assert [row.cells[0] for row in campaign_table.rows] == ["Win back"]  # not the ended one
    assert campaign_table.rows[0].cells[1] == 3  # reached: the targeted members sent
    assert _points(marketing, "marketing-campaigns", 0)["Win back"] == pytest.approx(1 / 3)
    assert _points(marketing, "marketing-campaigns", 1)["Win back"] == 0
    sizes = marketing.panel("marketing-segments").series
    assert [p.count for p in sizes[0].points] == [2, 2]
    assert [p.value for p in sizes[1].points] == [pytest.approx(0.8), pytest.approx(0.2)]
    assert [p.value for p in marketing.panel("marketing-churn").series[0].points] == [3, 2, 1]
    assert marketing.figure("consent-email").value == 3
    assert marketing.figure("consent-sms").value == 1
    assert marketing.figure("suppressed").value == 2
    assert _points(marketing, "marketing-suppressions", 0)["Email"] == 1

    assert _check_links(client_for(marketer), marketing) >= 1 + 4 + 3 + 12


# ---- analyst -----------------------------------------------------------------------------


def test_analyst_sees_the_last_run_the_pyramid_revenue_and_warnings(
    make_user, make_customer, make_order, client_for
):
    analyst = make_user("analyst", username="ann")
    run = ValueRun.objects.create(
        status=ValueRun.Status.DONE,
        finished_at=timezone.now(),
        mining={
            "segments": {"silhouette_final": 0.1, "weak_below": 0.25},
            "churn": {"cv_roc_auc": 0.6},
        },
    )
    for i, tier in enumerate(["Gold", "Lead", "Lead"]):
        CustomerScore.objects.create(customer=make_customer(f"C{i}"), run=run, tier=tier)
    make_order(make_customer("Buyer"), "40.00", ordered_at=_at(timezone.localdate(), 0))
    ValueRun.objects.create(status=ValueRun.Status.FAILED)  # a later run that failed

    (analyst_block,) = dashboards_for(analyst)

    assert analyst_block.role == "analyst"
    last = analyst_block.figure("last-run")
    assert last.alert and "Failed" in str(last.text)
    assert _points(analyst_block, "analyst-pyramid") == {
        "Lead": 2,
        "Iron": 0,
        "Gold": 1,
        "Platinum": 0,
    }
    assert sum(p.value for p in analyst_block.panel("analyst-revenue").series[1].points) == Decimal(
        40
    )
    notes = [str(n) for n in analyst_block.notes]
    assert any("silhouette 0.10" in n for n in notes) and any("ROC AUC 0.60" in n for n in notes)
    assert analyst_block.figure("fit-warnings").value == 2

    assert _check_links(client_for(analyst), analyst_block) >= 4 + 12


# ---- admin -------------------------------------------------------------------------------


def test_admin_sees_users_imports_duplicates_and_the_schedule(make_user, make_customer, client_for):
    admin = make_user("admin", username="root")
    make_user("sales")
    make_user("sales")
    ImportJob.objects.create(
        entity="customers", source_name="a.csv", status="done", imported=8, quarantined=2
    )
    a, b, c = make_customer("A"), make_customer("B"), make_customer("C")
    DuplicatePair.objects.create(customer_a=a, customer_b=b, probability=0.9)
    DuplicatePair.objects.create(customer_a=a, customer_b=c, probability=0.8, status="distinct")

    (block,) = dashboards_for(admin)

    assert block.role == "admin"
    assert _points(block, "admin-users")["Sales"] == 2
    assert _points(block, "admin-users")["Administrator"] == 1
    assert _points(block, "admin-imports", 2) == {f"#{ImportJob.objects.get().pk} Customers": 2}
    assert block.figure("duplicates").value == 1
    assert block.figure("n-customers").value == 3
    schedule = block.figure("schedule")  # the default: every day at 02:00
    assert "Every day at 02:00" in str(schedule.text)

    assert _check_links(client_for(admin), block) == 5 + 5 + 4  # figures, roles, buckets


def test_the_schedule_figure_says_when_a_scheduled_run_did_not_start(db):
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    missed = schedule_figure(noon)  # the 02:00 slot passed and no run was requested since
    assert missed.alert and "did not start" in str(missed.text)
    run = ValueRun.objects.create(status=ValueRun.Status.DONE, scheduled=True)
    ValueRun.objects.filter(pk=run.pk).update(created_at=noon.replace(hour=2, minute=1))
    kept = schedule_figure(noon)
    assert not kept.alert and str(kept.text) == "Every day at 02:00"


# ---- several roles, and who sees what ----------------------------------------------------


def test_each_role_sees_its_own_blocks_only(make_user, client_for):
    for role in Role.values:
        user = make_user(role)
        html = client_for(user).get(reverse("home")).content.decode()
        for other in Role.values:
            assert (f'id="dashboard-{other}"' in html) == (other == role), (role, other)


def test_a_user_with_several_roles_sees_each_main_role_first(make_user, client_for):
    user = make_user("service")
    user.groups.add(Group.objects.get(name="sales"))
    assert user_roles(user) == ["service", "sales"]
    html = client_for(user).get(reverse("home")).content.decode()
    assert html.index('id="dashboard-service"') < html.index('id="dashboard-sales"')
    # the worklist opens the salesperson's block, even when it is not the first
    assert html.index('id="dashboard-sales"') < html.index('id="worklist"')


def test_an_administrators_worklist_closes_their_block(make_user, client_for):
    html = client_for(make_user("admin")).get(reverse("home")).content.decode()
    assert html.index('data-chart="admin-users"') < html.index('id="worklist"')
    # an administrator who also sells has it once, opening the salesperson's block
    both = make_user("admin")
    both.groups.add(Group.objects.get(name="sales"))
    html = client_for(both).get(reverse("home")).content.decode()
    assert html.count('id="worklist"') == 1
    sales_block = html.index('id="dashboard-sales"')
    assert html.index('id="dashboard-admin"') < sales_block < html.index('id="worklist"')
    assert html.index('id="worklist"') < html.index('data-chart="sales-pipeline"')


def test_the_home_page_draws_every_panel_as_a_chart_with_its_table(sales_world, client_for):
    sally, _today = sales_world
    html = client_for(sally).get(reverse("home")).content.decode()
    for key in ("sales-pipeline", "sales-revenue", "sales-activities"):
        assert f'data-chart="{key}"' in html
    assert "/sales/opportunities/?stage=proposal&amp;mine=1" in html or "stage=proposal" in html
    assert 'data-figure="overdue-activities"' in html
