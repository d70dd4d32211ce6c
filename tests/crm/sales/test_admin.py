"""The Django admin moves an order's status only along its workflow, through
sales.actions.set_order_status, and shows an order's lines without editing them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _move(client, status, *orders):
    return client.post(
        reverse("admin:sales_order_changelist"),
        {"action": f"move_to_{status}", "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def test_orders_move_along_the_workflow_and_a_refused_move_is_named(
    admin_user, make_customer, make_order, client_for
):
    c = client_for(admin_user)
    order = make_order(make_customer())
    assert order.status == "confirmed"
    page = c.get(reverse("admin:sales_order_change", args=[order.pk])).content.decode()
    assert 'name="status"' not in page  # read-only: no field to post
    html = _move(c, "completed", order).content.decode()
    assert f"Not moved: {order}: an order that is &#x27;confirmed&#x27; can move to" in html
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert "1 record moved to Shipped." in _move(c, "shipped", order).content.decode()
    order.refresh_from_db()
    assert order.status == "shipped"


def test_opportunities_change_stage_through_the_action_which_closes_a_won_deal(
    admin_user, make_customer, make_opportunity, client_for
):
    c = client_for(admin_user)
    deal = make_opportunity(make_customer())
    page = c.get(reverse("admin:sales_opportunity_change", args=[deal.pk])).content.decode()
    assert 'name="stage"' not in page and 'name="closed_at_0"' not in page
    response = c.post(
        reverse("admin:sales_opportunity_changelist"),
        {"action": "move_to_won", "_selected_action": [deal.pk]},
        follow=True,
    )
    assert "1 record moved to Won." in response.content.decode()
    deal.refresh_from_db()
    assert (deal.stage, deal.probability) == ("won", 100) and deal.closed_at is not None


def _form_data(page) -> dict:
    """What the order's change form posts as it stands (fields and inline management)."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "ordered_at":
            local = timezone.localtime(value)
            data["ordered_at_0"], data["ordered_at_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
        else:
            data[name] = "" if value is None else getattr(value, "pk", value)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    return data


def test_order_lines_are_read_in_the_admin_not_edited(
    admin_user, make_customer, make_order, client_for
):
    """The lines and the total are create_order's; the admin cannot change, add or
    delete a line behind it."""
    c = client_for(admin_user)
    order = make_order(make_customer(), amount="40.00")
    line = order.lines.get()
    url = reverse("admin:sales_order_change", args=[order.pk])
    page = c.get(url)
    html = page.content.decode()
    assert "40.00" in html  # the line is shown
    assert 'name="lines-0-quantity"' not in html and 'name="lines-0-DELETE"' not in html
    data = {
        **_form_data(page),
        "notes": "Call before delivery",
        "lines-0-id": line.pk,
        "lines-0-order": order.pk,
        "lines-0-quantity": "9",
        "lines-0-DELETE": "on",
        "lines-1-product": line.product_id,
        "lines-1-quantity": "3",
        "lines-TOTAL_FORMS": "2",
    }
    response = c.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    order.refresh_from_db()
    assert order.notes == "Call before delivery"  # the order itself was saved
    assert list(order.lines.values_list("pk", "quantity")) == [(line.pk, line.quantity)]
    assert order.total_amount == Decimal("40.00")
