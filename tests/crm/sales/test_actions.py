"""The sales actions: orders and their lines, the order workflow, opportunities through
the pipeline stages and activities, and what each refuses whoever calls it. (Returns
have their own tests: test_returns.py.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.crm.customers.models import Customer
from kehu.crm.sales.actions import (
    complete_activity,
    create_activity,
    create_opportunity,
    create_order,
    move_opportunity,
    set_order_status,
    update_opportunity,
)
from kehu.crm.sales.models import Opportunity, Order, OrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(make_product):
    return make_product("Oolong 250 g", price="10.00")


def test_an_order_takes_the_next_number_the_price_and_name_and_computes_its_total(
    make_customer, tea, sales_user
):
    customer = make_customer()
    first = create_order(customer, [{"product": tea, "quantity": 1}])
    second = create_order(
        customer,
        [
            {"product": tea, "quantity": Decimal(2), "discount_pct": Decimal(10)},
            {"description": "Gift wrap", "quantity": 1, "unit_price": Decimal("1.50")},
        ],
        by=sales_user,
    )
    assert (first.number, second.number) == ("SO00000001", "SO00000002")
    lines = list(second.lines.order_by("id").values_list("description", "unit_price", "line_total"))
    assert lines == [
        ("Oolong 250 g", Decimal("10.00"), Decimal("18.00")),
        ("Gift wrap", Decimal("1.50"), Decimal("1.50")),
    ]
    stored = Order.objects.get(pk=second.pk)
    assert stored.total_amount == Decimal("19.50")
    assert (stored.owner, stored.status, stored.kind) == (sales_user, "confirmed", "sale")


def test_a_first_sale_makes_a_prospect_an_active_customer(make_customer, tea):
    customer = make_customer(status="prospect")
    create_order(customer, [{"product": tea, "quantity": 1}])
    assert Customer.objects.get(pk=customer.pk).status == "active"


@pytest.mark.parametrize(
    ("lines", "key"),
    [
        ([], "lines"),
        ([{"product_id": 999_999, "quantity": 1}], "lines.0.product_id"),
        ([{"quantity": 1, "unit_price": Decimal("1")}], "lines.0.description"),
        (
            [{"description": "Wrap", "quantity": 1, "unit_price": Decimal("-1")}],
            "lines.0.unit_price",
        ),
    ],
)
def test_bad_lines_are_refused_by_their_index_and_nothing_is_written(make_customer, lines, key):
    customer = make_customer()
    with pytest.raises(ValidationError) as caught:
        create_order(customer, lines)
    assert key in caught.value.error_dict
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_a_taken_order_number_is_a_field_error(make_customer, tea):
    customer = make_customer()
    create_order(customer, [{"product": tea, "quantity": 1}], number="SO-7")
    with pytest.raises(ValidationError) as caught:
        create_order(customer, [{"product": tea, "quantity": 2}], number="SO-7")
    assert caught.value.error_dict["number"][0].code == "unique"
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1


def test_the_order_workflow_moves_forward_only(make_customer, tea):
    order = create_order(make_customer(), [{"product": tea, "quantity": 1}])
    set_order_status(order, "shipped")
    set_order_status(order, "shipped")  # the same status again: nothing to do
    with pytest.raises(ValidationError) as caught:
        set_order_status(order, "confirmed")
    assert caught.value.error_dict["status"][0].code == "invalid_transition"
    with pytest.raises(ValidationError) as caught:
        set_order_status(order, "lost in the post")
    assert caught.value.error_dict["status"][0].code == "invalid_choice"
    set_order_status(order, "completed")
    assert Order.objects.get(pk=order.pk).status == "completed"


def test_an_opportunity_takes_its_stages_usual_probability_and_closes_when_won(
    make_customer, sales_user
):
    deal = create_opportunity(make_customer(), name="Teapots", by=sales_user, amount=Decimal(800))
    assert (deal.stage, deal.probability, deal.owner, deal.closed_at) == (
        "qualification",
        10,
        sales_user,
        None,
    )
    move_opportunity(deal, "proposal")
    assert Opportunity.objects.get().probability == 50
    won = move_opportunity(deal, "won")
    assert (won.probability, won.is_open) == (100, False) and won.closed_at is not None
    reopened = move_opportunity(won, "negotiation")
    assert (reopened.probability, reopened.closed_at) == (75, None)


def test_a_probability_given_is_kept(make_customer):
    deal = create_opportunity(make_customer(), name="Cups", stage="proposal", probability=35)
    assert deal.probability == 35
    update_opportunity(deal, stage="negotiation", probability=60)
    assert Opportunity.objects.get().probability == 60
    update_opportunity(deal, amount=Decimal(120))  # no new stage: the probability stays
    stored = Opportunity.objects.get()
    assert (stored.probability, stored.amount, stored.stage) == (60, Decimal(120), "negotiation")


def test_an_unknown_stage_is_refused_and_nothing_changes(make_customer):
    with pytest.raises(ValidationError) as caught:
        create_opportunity(make_customer(), name="Odd", stage="dreaming")
    assert "stage" in caught.value.error_dict and not Opportunity.objects.exists()
    deal = create_opportunity(make_customer("Other Co"), name="Real")
    with pytest.raises(ValidationError):
        update_opportunity(deal, stage="dreaming", name="Renamed")
    assert (Opportunity.objects.get().stage, Opportunity.objects.get().name) == (
        "qualification",
        "Real",
    )


def test_an_activity_about_a_deal_is_about_its_customer_and_can_be_done_and_undone(
    make_customer, sales_user
):
    customer = make_customer()
    deal = create_opportunity(customer, name="Teapots")
    call = create_activity(
        owner=sales_user,
        subject="Call",
        due_at=timezone.now() + timedelta(days=1),
        opportunity=deal,
    )
    assert call.customer == customer and call.completed_at is None
    complete_activity(call)
    assert call.completed_at is not None
    complete_activity(call, done=False)
    call.refresh_from_db()
    assert call.completed_at is None


def test_an_activity_needs_a_subject(sales_user):
    with pytest.raises(ValidationError) as caught:
        create_activity(owner=sales_user, subject="", due_at=timezone.now())
    assert "subject" in caught.value.error_dict
