"""A return is checked against its original order: its products only, at most what was
bought less what was returned already, at the price paid; never shipped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kehu.crm.sales import actions
from kehu.crm.sales.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(make_customer, make_product, admin_user):
    tea, cup = make_product("Tea", price="10.00"), make_product("Cup", price="4.00")
    return actions.create_order(
        make_customer("Acme"),
        [
            {"product": tea, "quantity": Decimal("3"), "discount_pct": Decimal("10")},
            {"product": cup, "quantity": Decimal("2")},
        ],
        by=admin_user,
    )


def _return(sale, lines, **fields):
    return actions.create_order(sale.customer, lines, kind="return", original_order=sale, **fields)


def return_post(sale, lines):
    data = {
        "customer": sale.customer_id,
        "customer__q": "",
        "kind": "return",
        "original_order_number": sale.number,
        "channel": "web",
        "status": "completed",
        "ordered_at": "2026-03-01T10:30",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, line in enumerate(lines):
        data.update({f"lines-{i}-{key}": value for key, value in line.items()})
    return data


def _codes(error: ValidationError) -> dict[str, str]:
    return {k: v[0].code for k, v in error.error_dict.items()}


def test_a_product_never_on_the_order_cannot_be_returned(sale, make_product):
    with pytest.raises(ValidationError) as caught:
        _return(sale, [{"product": make_product("Kettle"), "quantity": 1}])
    assert _codes(caught.value) == {"lines.0.product_id": "not_on_original"}
    assert "Kettle was not on order" in str(caught.value)
    assert not Order.objects.filter(kind="return").exists()


def test_at_most_what_was_bought_less_what_was_returned(sale):
    tea = sale.lines.get(product__name="Tea").product
    _return(sale, [{"product": tea, "quantity": 2}])
    with pytest.raises(ValidationError) as caught:
        _return(sale, [{"product": tea, "quantity": 2}])
    assert _codes(caught.value) == {"lines.0.quantity": "more_than_bought"}
    assert "3 bought, 2 returned already" in str(caught.value)
    # two lines of the same product count together
    with pytest.raises(ValidationError):
        _return(sale, [{"product": tea, "quantity": 1}, {"product": tea, "quantity": 1}])
    assert _return(sale, [{"product": tea, "quantity": 1}]).total_amount == Decimal("-9.00")


def test_a_cancelled_return_gives_its_quantity_back(sale):
    tea = sale.lines.get(product__name="Tea").product
    first = _return(sale, [{"product": tea, "quantity": 3}])
    actions.set_order_status(first, "cancelled")
    assert _return(sale, [{"product": tea, "quantity": 3}]).status == "confirmed"


def test_a_return_takes_the_price_paid_and_refunds_no_more(sale):
    tea = sale.lines.get(product__name="Tea").product
    tea.unit_price = Decimal("99.00")  # the list price changed since the sale
    tea.save()
    returned = _return(sale, [{"product": tea, "quantity": 1}])
    line = returned.lines.get()
    assert (line.unit_price, line.discount_pct) == (Decimal("10.0000"), Decimal("10.00"))
    assert returned.total_amount == Decimal("-9.00")
    with pytest.raises(ValidationError) as caught:
        _return(sale, [{"product": tea, "quantity": 1, "unit_price": Decimal("50")}])
    assert _codes(caught.value) == {"lines.0.unit_price": "above_price_paid"}


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_a_draft_or_cancelled_order_cannot_be_returned(make_customer, make_order, status):
    order = make_order(make_customer(), status=status)
    with pytest.raises(ValidationError) as caught:
        _return(order, [{"product": order.lines.get().product, "quantity": 1}])
    assert _codes(caught.value) == {"original_order": "not_returnable"}


def test_a_return_is_never_shipped(sale, admin_user, client_for):
    tea = sale.lines.get(product__name="Tea").product
    returned = _return(sale, [{"product": tea, "quantity": 1}])
    page = client_for(admin_user).get(reverse("sales:order_detail", args=[returned.pk]))
    offered = [v for v, _label in page.context["status_form"].fields["status"].choices]
    assert offered == ["completed", "cancelled"]
    with pytest.raises(ValidationError):
        actions.set_order_status(returned, "shipped")
    response = client_for(admin_user).post(
        reverse("sales:order_status", args=[returned.pk]), {"status": "shipped"}
    )
    assert response.status_code == 422


def test_record_a_return_shows_only_while_something_can_be_returned(
    make_customer, make_order, admin_user, client_for
):
    c = client_for(admin_user)
    customer = make_customer()

    def has_link(order):
        page = c.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
        return 'id="record-return"' in page

    assert not has_link(make_order(customer, status="draft"))
    assert not has_link(make_order(customer, status="cancelled"))
    order = make_order(customer, status="confirmed")
    assert has_link(order)
    _return(order, [{"product": order.lines.get().product, "quantity": 1}])
    assert not has_link(order)
    assert "Everything on this order has been returned." in c.get(order.get_absolute_url()).text


def test_return_form_prefills_what_is_left_at_the_price_paid(sale, admin_user, client_for):
    tea = sale.lines.get(product__name="Tea").product
    _return(sale, [{"product": tea, "quantity": 1}])
    response = client_for(admin_user).get(
        reverse("sales:order_create"), {"kind": "return", "original": sale.number}
    )
    lines = response.context["lines"]
    prefilled = [
        (str(f["product"].value()), f["quantity"].value(), f["unit_price"].value())
        for f in lines.forms
        if f.initial
    ]
    assert prefilled == [
        (str(tea.pk), Decimal("2"), Decimal("10.00")),
        (str(sale.lines.get(product__name="Cup").product_id), Decimal("2"), Decimal("4.00")),
    ]
    assert str(response.context["form"]["customer"].value()) == str(sale.customer_id)
    assert "Return of order" in response.text


def test_web_return_refuses_too_much_with_the_message_on_the_line(sale, admin_user, client_for):
    tea = sale.lines.get(product__name="Tea").product
    data = return_post(sale, [{"product": tea.pk, "quantity": "5"}])
    response = client_for(admin_user).post(reverse("sales:order_create"), data)
    assert response.status_code == 422
    assert response.context["lines"].forms[0].errors["quantity"] == [
        "At most 3 of Tea can be returned: 3 bought, 0 returned already."
    ]
    assert not Order.objects.filter(kind="return").exists()


def test_web_return_leaves_out_lines_set_to_zero(sale, admin_user, client_for):
    tea = sale.lines.get(product__name="Tea").product
    cup = sale.lines.get(product__name="Cup").product
    data = return_post(
        sale, [{"product": tea.pk, "quantity": "0"}, {"product": cup.pk, "quantity": "1"}]
    )
    response = client_for(admin_user).post(reverse("sales:order_create"), data)
    returned = Order.objects.get(kind="return")
    assert response.status_code == 302
    assert [(line.product_id, line.quantity) for line in returned.lines.all()] == [
        (cup.pk, Decimal("1.000"))
    ]
