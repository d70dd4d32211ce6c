"""Staff performance figures against a small world computed by hand (January 2026).

Sally (sales) owns six deals, five activities, eight orders and a January target;
Steve (sales) one lost deal, one order (on Sally's customer) and a quarter's target;
Sam (service) seven tickets. The comments give each figure's arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kehu.crm.accounts.actions import create_team, set_team
from kehu.crm.performance.queries import monthly, performance, totals, visible_people
from kehu.crm.sales.actions import create_activity, create_order, set_sales_target
from kehu.crm.sales.models import Activity, Opportunity, Order
from kehu.crm.service.models import Ticket

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
JAN = (date(2026, 1, 1), date(2026, 1, 31))
NOW = datetime(2026, 2, 10, tzinfo=UTC)


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _deal(make_opportunity, customer, owner, amount, created, stage="qualification", closed=None):
    deal = make_opportunity(customer, owner=owner, amount=Decimal(amount), stage=stage)
    Opportunity.objects.filter(pk=deal.pk).update(created_at=created, closed_at=closed)
    return deal


def _ticket(make_ticket, customer, assignee, opened, response_h, due_h):
    ticket = make_ticket(customer, assignee=assignee, opened_at=opened)
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_at=None if response_h is None else opened + timedelta(hours=response_h),
        first_response_due=opened + timedelta(hours=due_h),
    )


@pytest.fixture
def world(make_user, make_customer, make_opportunity, make_ticket, make_product) -> dict[str, Any]:
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    sam = make_user("service", username="sam")
    acme = make_customer("Acme", owner=sally)
    # Sally's deals: created in January A, C, D (1000 + 500 + 300 = 1800); won in
    # January A (10 days) and B (21 days): 3000, cycle 15.5 days; lost C: 500
    _deal(make_opportunity, acme, sally, "1000", at(1, 5), "won", at(1, 15))
    _deal(make_opportunity, acme, sally, "2000", at(12, 20, year=2025), "won", at(1, 10))
    _deal(make_opportunity, acme, sally, "500", at(1, 20), "lost", at(1, 25))
    _deal(make_opportunity, acme, sally, "300", at(1, 31, 23, 59))
    _deal(make_opportunity, acme, sally, "999", at(2, 1, 0, 0))  # February
    _deal(
        make_opportunity, acme, sally, "50", at(11, 1, year=2025), "won", at(12, 31, 23, 59, 2025)
    )
    # Steve: one deal created and lost in January
    _deal(make_opportunity, acme, steve, "700", at(1, 10), "lost", at(1, 12))
    # Sally's activities due in January: 3, of which 2 done
    for due, done in [(at(1, 3), True), (at(1, 10), True), (at(1, 20), False),
                      (at(2, 2), True), (at(12, 31, year=2025), False)]:  # fmt: skip
        activity = create_activity(owner=sally, subject="Call", due_at=due, customer=acme)
        if done:
            Activity.objects.filter(pk=activity.pk).update(completed_at=due)
    # Sam's tickets opened in January: answered after 2, 6, 1 and 30 hours (median 4);
    # targets decided for 5 (one unanswered and past due), met by 2 (40%)
    opened = at(1, 5, 9)
    for response_h, due_h in [(2, 4), (6, 4), (1, 8), (30, 24), (None, 24), (None, 24 * 60)]:
        _ticket(make_ticket, acme, sam, opened, response_h, due_h)
    _ticket(make_ticket, acme, sam, at(12, 31, year=2025), 1, 4)  # December
    _ticket(make_ticket, acme, sally, opened, 3, 4)  # Sally's one ticket: 3 h, met
    # Orders Sally is the sales owner of: 1000 + 500 - 200 (a return) = 1300 in January
    tea = make_product(price="100.00")

    def order(when, owner=sally, quantity=10, **fields):
        lines = [{"product": tea, "quantity": Decimal(quantity)}]
        return create_order(acme, lines, ordered_at=when, owner=owner, **fields)

    first = order(at(1, 5), status=Order.Status.COMPLETED)
    order(at(1, 10), quantity=5)
    order(at(1, 12), quantity=2, kind=Order.Kind.RETURN, original_order=first)
    order(at(1, 15), quantity=4, status=Order.Status.CANCELLED)
    order(at(1, 16), quantity=3, status=Order.Status.DRAFT)
    order(at(2, 1, 0, 0), quantity=9)
    order(at(12, 31, 23, 59, year=2025), quantity=8)
    order(at(1, 20), owner=steve, quantity=2.5)  # Steve's sale to Sally's customer: 250
    # targets: Sally 2000 for January; Steve 900 for the quarter (90 days): 31/90 of it
    # in January = 310
    set_sales_target(user=sally, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31),
                     amount=Decimal("2000"))  # fmt: skip
    set_sales_target(user=steve, period_start=date(2026, 1, 1), period_end=date(2026, 3, 31),
                     amount=Decimal("900"))  # fmt: skip
    return {"sally": sally, "steve": steve, "sam": sam}


def test_a_salespersons_figures_for_the_month(world) -> None:
    (sally,) = performance([world["sally"]], *JAN, now=NOW)
    assert (sally.n_created, sally.created_amount) == (3, Decimal("1800.00"))
    assert (sally.n_won, sally.won_amount) == (2, Decimal("3000.00"))
    assert (sally.n_lost, sally.lost_amount) == (1, Decimal("500.00"))
    assert sally.win_rate == pytest.approx(2 / 3)
    assert sally.cycle_days == pytest.approx(15.5)
    assert (sally.activities_done, sally.activities_planned) == (2, 3)
    assert sally.revenue == Decimal("1300.00")
    assert sally.target == Decimal("2000.00")
    assert sally.attainment == pytest.approx(0.65)
    assert (sally.response_hours, sally.n_response_met, sally.n_response) == (
        pytest.approx(3.0),
        1,
        1,
    )


def test_a_service_agents_response_times(world) -> None:
    (sam,) = performance([world["sam"]], *JAN, now=NOW)
    assert sam.n_tickets == 6
    assert sam.response_hours == pytest.approx(4.0)  # (2 + 6) / 2
    assert (sam.n_response_met, sam.n_response) == (2, 5)
    assert sam.response_within_sla == pytest.approx(0.4)
    assert (sam.n_created, sam.revenue, sam.target, sam.win_rate) == (
        0,
        Decimal("0.00"),
        None,
        None,
    )


def test_a_quarters_target_counts_for_its_days_in_the_period(world) -> None:
    (steve,) = performance([world["steve"]], *JAN, now=NOW)
    assert steve.target == Decimal("310.00")
    assert steve.revenue == Decimal("250.00")  # his order, on Sally's customer
    assert steve.attainment == pytest.approx(250 / 310)
    assert (steve.win_rate, steve.cycle_days, steve.activity_rate) == (0.0, None, None)
    (whole_quarter,) = performance([world["steve"]], date(2026, 1, 1), date(2026, 3, 31))
    assert whole_quarter.target == Decimal("900.00")


def test_the_totals_of_a_group_are_rates_of_sums_and_one_median(world) -> None:
    people = [world["sally"], world["steve"], world["sam"]]
    total = totals(people, *JAN, now=NOW)
    assert (total.n_created, total.created_amount) == (4, Decimal("2500.00"))
    assert total.win_rate == pytest.approx(2 / 4)
    assert total.cycle_days == pytest.approx(15.5)
    assert total.response_hours == pytest.approx(3.0)  # median of 1, 2, 3, 6, 30
    assert (total.n_response_met, total.n_response) == (3, 6)
    assert (total.revenue, total.target) == (Decimal("1550.00"), Decimal("2310.00"))


def test_figures_of_any_number_of_people_take_seven_queries(
    world, make_user, django_assert_num_queries
) -> None:
    from django.contrib.auth import get_user_model

    for n in range(5):
        make_user("sales", username=f"extra{n}")
    people = get_user_model().objects.order_by("username")
    with django_assert_num_queries(7):
        rows = performance(people, *JAN, now=NOW)
    assert [r.name for r in rows][:3] == ["extra0", "extra1", "extra2"]
    assert len(rows) == 8


def test_monthly_figures_for_the_charts(world) -> None:
    months = monthly(world["sally"], date(2025, 12, 1), date(2026, 2, 28))
    assert [m.start for m in months] == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    december, january, february = months
    assert (december.n_created, december.created_amount) == (1, Decimal("2000.00"))
    assert (december.n_won, december.revenue, december.target) == (1, Decimal("800.00"), None)
    assert (january.n_won, january.n_lost, january.created_amount) == (2, 1, Decimal("1800.00"))
    assert (january.revenue, january.target) == (Decimal("1300.00"), Decimal("2000.00"))
    assert (february.n_created, february.revenue) == (1, Decimal("900.00"))
    (steve_march,) = monthly(world["steve"], date(2026, 3, 1), date(2026, 3, 31))
    assert steve_march.target == Decimal("310.00")


def test_who_sees_whose_figures(make_user) -> None:
    mia, sally, steve = (make_user("sales", username=n) for n in ("mia", "sally", "steve"))
    boss = make_user("admin", username="boss")
    set_team(sally, create_team("North", manager=mia))
    set_team(steve, create_team("South"))

    def names(user):
        return sorted(visible_people(user).values_list("username", flat=True))

    assert names(sally) == ["sally"]
    assert names(mia) == ["mia", "sally"]
    assert names(boss) == ["boss", "mia", "sally", "steve"]
