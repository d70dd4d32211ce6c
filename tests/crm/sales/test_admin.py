"""The Django admin moves an order's status only along its workflow, through
sales.actions.set_order_status."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
