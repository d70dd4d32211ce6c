"""The sales reads shared by the pages, the exports and the 360 page
(kehu.crm.sales.queries): whose records a user sees, the list filters, the totals, the
pipeline board, what of an order can still be returned and the customer's activities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.crm.sales import queries
from kehu.crm.sales.actions import (
    complete_activity,
    create_activity,
    create_opportunity,
    create_order,
    set_order_status,
)

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime:
    return datetime(2025, 5, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def sellers(make_user, make_customer):
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    return (
        sally,
        steve,
        make_customer("Sally Tea House", owner=sally),
        make_customer("Steve Noodles", owner=steve),
    )


@pytest.fixture
def orders(sellers, make_product):
    sally, steve, hers, his = sellers
    tea = make_product(price="10.00")

    def order(customer, day, quantity, **fields):
        lines = [{"product": tea, "quantity": quantity}]
        return create_order(customer, lines, ordered_at=_at(day), **fields)

    return {
        "early": order(hers, 1, 1, by=sally),
        "late": order(hers, 20, 3, by=steve),  # recorded by a colleague: not "mine"
        "his": order(his, 10, 2, by=steve),
    }


def _numbers(found) -> list[str]:
    return [o.number for o in found]


def test_a_seller_sees_the_orders_of_own_customers_a_manager_all(orders, sellers, make_user):
    sally, *_ = sellers
    mine = {orders["early"].pk, orders["late"].pk}
    assert set(queries.visible_orders(sally).values_list("pk", flat=True)) == mine
    assert queries.visible_orders(make_user("sales", manager=True)).count() == 3


def test_order_filters(orders, sellers):
    sally, steve, hers, _ = sellers
    early, late = orders["early"].number, orders["late"].number
    assert _numbers(queries.filtered_orders(sally)) == [late, early]  # newest first
    assert _numbers(queries.filtered_orders(sally, q=early.lower())) == [early]
    assert _numbers(queries.filtered_orders(sally, q="sally tea")) == [late, early]
    assert _numbers(queries.filtered_orders(sally, q="steve")) == []  # not hers to see
    assert _numbers(queries.filtered_orders(sally, mine="1")) == [early]
    assert _numbers(queries.filtered_orders(sally, customer=str(hers.pk), sort="date")) == [
        early,
        late,
    ]
    assert _numbers(queries.filtered_orders(sally, date_from="2025-05-02")) == [late]
    assert _numbers(queries.filtered_orders(sally, date_to="2025-05-01")) == [early]
    # a date that is not one filters nothing (the page says so; the query does not fail)
    assert _numbers(queries.filtered_orders(sally, date_from="2025-02-31")) == [late, early]
    assert _numbers(queries.filtered_orders(steve, sort="-total")) == [orders["his"].number]


def test_totals_count_every_order_but_no_cancelled_amount(orders, sellers):
    sally, *_ = sellers
    assert queries.order_totals(queries.filtered_orders(sally)) == {
        "n": 2,
        "net": Decimal("40.00"),
    }
    set_order_status(orders["late"], "cancelled")
    assert queries.order_totals(queries.filtered_orders(sally)) == {
        "n": 2,
        "net": Decimal("10.00"),
    }


def test_a_return_is_never_shipped(orders):
    sale = orders["late"]
    returned = create_order(
        sale.customer,
        [{"product": sale.lines.get().product, "quantity": 1}],
        kind="return",
        original_order=sale,
    )
    assert queries.status_flow(sale) == ("shipped", "cancelled")
    assert queries.status_flow(returned) == ("completed", "cancelled")
    set_order_status(returned, "completed")
    assert queries.status_flow(returned) == ()


def test_returnable_lines_subtract_returns_but_not_cancelled_ones(orders):
    sale = orders["late"]  # 3 of the tea
    product = sale.lines.get().product

    def give_back(quantity):
        line = [{"product": product, "quantity": quantity}]
        return create_order(sale.customer, line, kind="return", original_order=sale)

    first = give_back(1)
    cancelled = give_back(1)
    set_order_status(cancelled, "cancelled")
    (line,) = queries.returnable_lines(sale).values()
    assert (line.product, line.bought, line.returned, line.left) == (
        product,
        Decimal("3"),
        Decimal("1"),
        Decimal("2"),
    )
    assert line.net_unit_price == Decimal("10.00")
    # editing a return counts what the others took back, not itself
    (line,) = queries.returnable_lines(sale, exclude=first).values()
    assert line.left == Decimal("3")


def test_a_line_without_a_product_is_the_same_line_by_its_description():
    assert queries.line_key(None, "  Gift WRAP ") == queries.line_key(None, "gift wrap")
    assert queries.line_key(7, "anything") == ("product", "7")


@pytest.fixture
def deals(sellers):
    sally, _, hers, his = sellers
    soon = date(2025, 7, 1)

    def deal(customer, name, stage, amount, probability, days=0):
        return create_opportunity(
            customer,
            by=sally,
            name=name,
            stage=stage,
            amount=Decimal(amount),
            probability=probability,
            expected_close_date=soon + timedelta(days=days),
        )

    return [
        deal(hers, "Teapots", "proposal", "1000", 50, days=3),
        deal(hers, "Cups", "proposal", "200", 25, days=1),
        deal(hers, "Kettles", "qualification", "400", 10),
        deal(hers, "Old win", "won", "900", 100),
        deal(his, "His deal", "negotiation", "5000", 80),
    ]


def test_opportunity_filters_see_only_own_customers(deals, sellers):
    sally, *_ = sellers
    names = lambda **f: [o.name for o in queries.filtered_opportunities(sally, **f)]  # noqa: E731
    assert names() == ["Kettles", "Old win", "Cups", "Teapots"]  # soonest close first
    assert names(state="open") == ["Kettles", "Cups", "Teapots"]
    assert names(state="closed") == ["Old win"]
    assert names(stage="proposal", sort="-amount") == ["Teapots", "Cups"]
    assert names(q="pot") == ["Teapots"]
    assert names(close_from="2025-07-03") == ["Teapots"]
    assert names(close_to="2025-07-01") == ["Kettles", "Old win"]


def test_pipeline_totals_and_the_board_count_open_deals(deals, sellers):
    sally, *_ = sellers
    mine = queries.visible_opportunities(sally)
    assert queries.pipeline_totals(mine) == {
        "n": 3,
        "total": Decimal("1600"),
        "weighted": Decimal("590"),  # 500 + 50 + 40
    }
    columns = {c.stage: c for c in queries.board_columns(mine, cap=1)}
    assert [c.stage for c in queries.board_columns(mine)][:2] == ["qualification", "needs_analysis"]
    proposal = columns["proposal"]
    assert (proposal.n, proposal.amount, proposal.weighted) == (2, Decimal("1200"), Decimal("550"))
    assert [c.name for c in proposal.cards] == ["Cups"] and proposal.n_more == 1
    assert columns["won"].n == 1 and columns["negotiation"].n == 0
    assert columns["negotiation"].cards == []


def test_activities_a_seller_sees_and_the_default_list(sellers):
    sally, steve, hers, his = sellers
    now = timezone.now()
    due = create_activity(owner=sally, customer=hers, subject="Call", due_at=now - timedelta(1))
    later = create_activity(owner=sally, subject="Plan week", due_at=now + timedelta(2))
    done = create_activity(owner=sally, customer=hers, subject="Done", due_at=now)
    complete_activity(done)
    colleague = create_activity(owner=steve, customer=hers, subject="Visit", due_at=now)
    create_activity(owner=steve, customer=his, subject="His", due_at=now)
    create_activity(owner=steve, subject="His own", due_at=now)

    assert set(queries.visible_activities(sally)) == {due, later, done, colleague}
    assert list(queries.filtered_activities(sally)) == [due, later]  # mine, open, by due
    assert list(queries.filtered_activities(sally, overdue="1")) == [due]
    assert list(queries.filtered_activities(sally, state="done")) == [done]
    assert set(queries.filtered_activities(sally, who="all", customer=str(hers.pk))) == {
        due,
        colleague,
    }


def test_the_customer_activities_list_open_ones_first_then_the_latest_done(sellers):
    sally, _, hers, _ = sellers
    now = timezone.now()
    for i in (3, 1, 2):
        create_activity(owner=sally, customer=hers, subject=f"Open {i}", due_at=now + timedelta(i))
    for i in range(4):
        complete_activity(
            create_activity(owner=sally, customer=hers, subject=f"Done {i}", due_at=now)
        )
    shown = queries.customer_activities(hers.pk, limit=2)
    assert shown["n_open_activities"] == 3
    subjects = [a.subject for a in shown["activities"]]
    assert subjects[:2] == ["Open 1", "Open 2"]  # soonest due, up to the limit
    assert len(subjects) == 2 + 3 and all(s.startswith("Done") for s in subjects[2:])
