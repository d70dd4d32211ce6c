"""Orders with lines, opportunities and activities over the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.crm.api.client import NEXT_YEAR, error_fields

from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(make_customer, sales_user):
    return make_customer("Acme", owner=sales_user)


def test_order_with_lines_computes_totals(api_for, sales_user, acme, product):
    body = {
        "customer_id": acme.pk,
        "channel": "phone",
        "lines": [
            {"product_id": product.pk, "quantity": 2},
            {
                "description": "Installation",
                "quantity": "1.5",
                "unit_price": "40",
                "discount_pct": 10,
            },
        ],
    }
    response = api_for(sales_user).post("/orders", body)
    assert response.status_code == 201
    order = response.json()
    assert order["number"] == "SO00000001"
    assert order["owner"] == "sally"
    assert order["total_amount"] == "79.00"
    assert [(ln["description"], ln["line_total"]) for ln in order["lines"]] == [
        ("Hammer", "25.00"),
        ("Installation", "54.00"),
    ]
    assert api_for(sales_user).get(f"/orders/{order['id']}").json() == order
    acme.refresh_from_db()
    assert acme.status == "active"


def test_order_with_one_bad_line_creates_nothing(api_for, sales_user, acme, product):
    body = {
        "customer_id": acme.pk,
        "lines": [
            {"product_id": product.pk, "quantity": 1},
            {"product_id": product.pk, "quantity": 1, "discount_pct": 150},
        ],
    }
    response = api_for(sales_user).post("/orders", body)
    assert response.status_code == 422
    assert error_fields(response) == {"lines.1.discount_pct": "less_than_equal"}
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()


def test_order_line_the_action_rejects_leaves_no_order(api_for, sales_user, acme, product):
    body = {
        "customer_id": acme.pk,
        "lines": [{"product_id": product.pk, "quantity": 1}, {"quantity": 1, "unit_price": 1}],
    }
    response = api_for(sales_user).post("/orders", body)
    assert response.status_code == 422
    assert error_fields(response) == {"lines.1.description": "required"}
    assert not Order.objects.exists()


def test_unknown_product_is_named_by_line(api_for, sales_user, acme, product):
    body = {
        "customer_id": acme.pk,
        "lines": [{"product_id": product.pk, "quantity": 1}, {"product_id": 999, "quantity": 1}],
    }
    response = api_for(sales_user).post("/orders", body)
    assert error_fields(response) == {"lines.1.product_id": "does_not_exist"}
    assert not Order.objects.exists()


def test_unknown_customer_and_empty_lines(api_for, sales_user):
    response = api_for(sales_user).post("/orders", {"customer_id": 999, "lines": []})
    assert response.status_code == 422
    assert error_fields(response) == {"lines": "too_short"}
    response = api_for(sales_user).post(
        "/orders", {"customer_id": 999, "lines": [{"quantity": 1, "description": "x"}]}
    )
    assert error_fields(response) == {"customer_id": "does_not_exist"}


def test_amounts_too_big_for_the_columns_are_field_errors(api_for, sales_user, acme):
    line = {"description": "x", "quantity": "999999999.999", "unit_price": "9999999999.99"}
    response = api_for(sales_user).post("/orders", {"customer_id": acme.pk, "lines": [line]})
    assert error_fields(response) == {"total_amount": "max_digits"}
    line = {"description": "x", "quantity": "1e20", "unit_price": "1.001"}
    response = api_for(sales_user).post("/orders", {"customer_id": acme.pk, "lines": [line]})
    assert error_fields(response) == {
        "lines.0.quantity": "decimal_max_digits",
        "lines.0.unit_price": "decimal_max_places",
    }
    assert not Order.objects.exists()


def test_return_refers_to_an_order_of_the_same_customer(
    api_for, admin_user, make_customer, acme, product
):
    api = api_for(admin_user)
    line = [{"product_id": product.pk, "quantity": 1}]
    sale = api.post("/orders", {"customer_id": acme.pk, "lines": line}).json()
    ret = api.post(
        "/orders",
        {"customer_id": acme.pk, "kind": "return", "original_order_id": sale["id"], "lines": line},
    )
    assert ret.status_code == 201
    assert ret.json()["total_amount"] == "-12.50"
    other = make_customer("Other")
    response = api.post(
        "/orders",
        {"customer_id": other.pk, "kind": "return", "original_order_id": sale["id"], "lines": line},
    )
    assert response.status_code == 422
    assert set(error_fields(response)) == {"original_order_id"}


def test_order_status_goes_through_the_action(api_for, sales_user, acme, product):
    api = api_for(sales_user)
    order = api.post(
        "/orders", {"customer_id": acme.pk, "lines": [{"product_id": product.pk, "quantity": 1}]}
    ).json()
    response = api.post(f"/orders/{order['id']}/status", {"status": "shipped"})
    assert response.status_code == 200
    assert response.json()["status"] == "shipped"
    assert response.json()["next_statuses"] == ["completed", "cancelled"]
    bad = api.post(f"/orders/{order['id']}/status", {"status": "teleported"})
    assert error_fields(bad) == {"status": "literal_error"}
    backwards = api.post(f"/orders/{order['id']}/status", {"status": "draft"})
    assert error_fields(backwards) == {"status": "invalid_transition"}
    assert Order.objects.get().status == "shipped"


def test_order_filters(api_for, admin_user, acme, make_customer, product):
    from kehu.crm.sales.actions import create_order

    other = make_customer("Other")
    create_order(acme, [{"product": product, "quantity": 1}], channel="phone")
    create_order(other, [{"product": product, "quantity": 1}], status="draft")
    api = api_for(admin_user)
    assert api.get("/orders", {"customer_id": acme.pk}).json()["count"] == 1
    assert api.get("/orders", {"status": "draft"}).json()["count"] == 1
    assert api.get("/orders", {"channel": "phone"}).json()["count"] == 1
    assert api.get("/orders", {"since": "2100-01-01T00:00:00Z"}).json()["count"] == 0
    assert api.get("/orders", {"channel": "pigeon"}).status_code == 422


def test_opportunity_stage_change_sets_probability_and_close(api_for, sales_user, acme):
    api = api_for(sales_user)
    created = api.post(
        "/opportunities",
        {"customer_id": acme.pk, "name": "Big deal", "amount": "1000", "stage": "proposal"},
    )
    assert created.status_code == 201
    assert created.json()["probability"] == 50
    assert created.json()["weighted_amount"] == "500.00"
    won = api.patch(f"/opportunities/{created.json()['id']}", {"stage": "won"}).json()
    assert (won["stage"], won["probability"]) == ("won", 100)
    assert won["closed_at"] is not None
    assert Opportunity.history.filter(id=won["id"]).count() == 2


def test_opportunity_contact_must_be_the_customers(api_for, sales_user, acme, make_customer):
    from kehu.crm.customers.actions import add_contact

    stranger = add_contact(make_customer("Other"), name="Stranger")
    response = api_for(sales_user).post(
        "/opportunities", {"customer_id": acme.pk, "name": "Deal", "contact_id": stranger.pk}
    )
    assert error_fields(response) == {"contact_id": "does_not_exist"}
    assert not Opportunity.objects.exists()


def test_opportunity_validation(api_for, sales_user, acme):
    response = api_for(sales_user).post(
        "/opportunities",
        {
            "customer_id": acme.pk,
            "name": "D",
            "stage": "dreaming",
            "probability": 101,
            "amount": "-1",
            "expected_close_date": "2024-02-30",
        },
    )
    assert error_fields(response) == {
        "stage": "literal_error",
        "probability": "less_than_equal",
        "amount": "greater_than_equal",
        "expected_close_date": "date_from_datetime_parsing",
    }


def test_opportunity_filters(api_for, sales_user, acme):
    from kehu.crm.sales.actions import create_opportunity

    create_opportunity(acme, name="Open", by=sales_user)
    create_opportunity(acme, name="Lost", stage="lost")
    api = api_for(sales_user)
    assert [o["name"] for o in api.get("/opportunities", {"open": True}).json()["items"]] == [
        "Open"
    ]
    assert api.get("/opportunities", {"stage": "lost"}).json()["count"] == 1
    assert api.get("/opportunities", {"owner": "me"}).json()["count"] == 1


def test_activity_create_complete_and_reopen(api_for, sales_user, acme):
    api = api_for(sales_user)
    created = api.post(
        "/activities",
        {
            "customer_id": acme.pk,
            "subject": "Call back",
            "kind": "call",
            "due_at": f"{NEXT_YEAR}-01-01",
        },
    )
    assert created.status_code == 201
    assert created.json()["owner"] == "sally"
    activity_id = created.json()["id"]
    assert api.post(f"/activities/{activity_id}/complete").json()["completed_at"] is not None
    assert api.get("/activities", {"done": True}).json()["count"] == 1
    reopened = api.post(f"/activities/{activity_id}/complete", {"done": False})
    assert reopened.json()["completed_at"] is None


def test_activity_opportunity_of_another_customer_is_rejected(
    api_for, admin_user, acme, make_customer
):
    from kehu.crm.sales.actions import create_opportunity

    deal = create_opportunity(make_customer("Other"), name="Theirs")
    response = api_for(admin_user).post(
        "/activities",
        {
            "customer_id": acme.pk,
            "opportunity_id": deal.pk,
            "subject": "Call",
            "due_at": f"{NEXT_YEAR}-01-01T10:00:00+02:00",
        },
    )
    assert error_fields(response) == {"opportunity_id": "wrong_customer"}
    assert not Activity.objects.exists()


def test_activity_without_customer_is_private_to_its_owner(api_for, make_user):
    sally, steve = make_user("sales"), make_user("sales")
    api_for(sally).post(
        "/activities", {"subject": "Admin work", "due_at": f"{NEXT_YEAR}-01-01T10:00"}
    )
    assert api_for(sally).get("/activities").json()["count"] == 1
    assert api_for(steve).get("/activities").json()["count"] == 0


def test_decimal_out_schema_is_exact(api_for, sales_user, acme, product):
    response = api_for(sales_user).post(
        "/orders",
        {"customer_id": acme.pk, "lines": [{"product_id": product.pk, "quantity": "0.001"}]},
    )
    line = response.json()["lines"][0]
    assert Decimal(line["quantity"]) == Decimal("0.001")
    assert line["line_total"] == "0.01"


def test_dates_far_ahead_are_refused_until_the_body_confirms_them(
    api_for, sales_user, acme, product
):
    api = api_for(sales_user)
    order = {
        "customer_id": acme.pk,
        "ordered_at": "2099-01-01T10:00:00Z",
        "lines": [{"product_id": product.pk, "quantity": 1}],
    }
    refused = api.post("/orders", order)
    assert refused.status_code == 422
    assert error_fields(refused) == {"ordered_at": "far_future"}
    assert "confirm_dates" in refused.json()["errors"][0]["message"]
    assert not Order.objects.exists()
    assert api.post("/orders", order | {"confirm_dates": True}).status_code == 201

    deal = {"name": "Big one", "customer_id": acme.pk, "expected_close_date": "2099-01-01"}
    assert error_fields(api.post("/opportunities", deal)) == {"expected_close_date": "far_future"}
    created = api.post("/opportunities", deal | {"confirm_dates": True}).json()
    moved = api.patch(f"/opportunities/{created['id']}", {"expected_close_date": "2199-01-01"})
    assert error_fields(moved) == {"expected_close_date": "far_future"}

    task = {"subject": "Call back", "customer_id": acme.pk, "due_at": "2099-01-01T09:00:00Z"}
    assert error_fields(api.post("/activities", task)) == {"due_at": "far_future"}
    assert api.post("/activities", task | {"confirm_dates": True}).status_code == 201
    assert Activity.objects.count() == 1 and Opportunity.objects.count() == 1
