"""Property-based tests of every write endpoint: whatever JSON arrives, the answer is
2xx or 4xx (never 500), a 4xx body names fields with machine codes, and a 4xx writes
nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.crm.api.client import NEXT_YEAR

from kehu.crm.catalog.models import Product
from kehu.crm.customers.models import Contact, Customer, Tag
from kehu.crm.engagement.models import Interaction
from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine
from kehu.crm.service.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

COUNTED = [
    Customer,
    Contact,
    Tag,
    Product,
    Order,
    OrderLine,
    Opportunity,
    Activity,
    Ticket,
    TicketEvent,
    Interaction,
]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TRICKY_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "张伟贸易",
        "🙂" * 60,
        "x" * 5000,
        "NaN",
        "Infinity",
        "-0",
        "1e400",
        "0.0001",
        "99999999999999999999.99",
        "2025-02-30",
        "2025-06-01",
        "2025-06-01T10:00:00",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "boss",
        "me",
        "company",
        "person",
        "active",
        "sale",
        "return",
        "draft",
        "shipped",
        "won",
        "lost",
        "open",
        "resolved",
        "closed",
        "email",
        "phone",
        "inbound",
        "urgent",
        "complaint",
        "call",
        "not-an-email",
        "https://example.com",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=5),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    TRICKY_STRINGS,
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def near(valid: dict[str, Any], nested: dict[str, Any] | None = None) -> Any:
    """Bodies close to a valid one: some fields dropped, some replaced by anything."""
    keys = sorted(valid)
    values = {k: JSON for k in keys} | (nested or {})
    overrides = st.lists(
        st.sampled_from(keys).flatmap(lambda k: st.tuples(st.just(k), values[k]))
        | st.tuples(st.text(max_size=8), JSON),
        max_size=4,
    ).map(dict)
    dropped = st.sets(st.sampled_from(keys), max_size=2)
    return st.builds(
        lambda drop, over: {k: v for k, v in valid.items() if k not in drop} | over,
        dropped,
        overrides,
    )


def body_strategy(valid: dict[str, Any], nested: dict[str, Any] | None = None) -> Any:
    return st.one_of(JSON, near(valid, nested), near(valid, nested))


def counts() -> list[int]:
    return [model.objects.count() for model in COUNTED]


def check(client: Any, method: str, path: str, body: Any, row: Any = None) -> None:
    before = counts()
    row_before = type(row).objects.filter(pk=row.pk).values().first() if row else None
    response = client.generic(
        method.upper(), f"/api{path}", json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 500, (path, body)
    event(f"{method.upper()} {path.split('/')[1]}: {response.status_code // 100}xx")
    if response.status_code >= 400:
        payload = response.json()
        assert isinstance(payload["detail"], str)
        for error in payload["errors"]:
            assert {"field", "code", "message"} <= set(error)
        assert counts() == before, (path, body, payload)
        if row is not None:
            assert type(row).objects.filter(pk=row.pk).values().first() == row_before


@pytest.fixture
def world(make_user: Callable[..., Any], make_customer: Callable[..., Any], product: Any):
    from django.test import Client

    from kehu.crm.accounts.actions import issue_token
    from kehu.crm.customers.actions import add_contact
    from kehu.crm.sales.actions import create_activity, create_opportunity, create_order
    from kehu.crm.service.actions import open_ticket

    admin = make_user("admin", username="boss")
    customer = make_customer("Acme", email="a@example.com", phone="123")
    order = create_order(customer, [{"product": product, "quantity": 1}])
    return {
        "client": Client(headers={"Authorization": f"Bearer {issue_token(admin, 'fuzz')}"}),
        "customer": customer,
        "contact": add_contact(customer, name="Ann"),
        "product": product,
        "order": order,
        "opportunity": create_opportunity(customer, name="Deal"),
        "activity": create_activity(owner=admin, subject="Call", due_at=order.ordered_at),
        "ticket": open_ticket(customer, subject="Broken"),
    }


CUSTOMER = {
    "name": "Fuzz Co",
    "kind": "company",
    "status": "active",
    "email": "f@example.com",
    "owner": "boss",
    "tags": ["vip"],
    "consent_email": True,
    "website": "https://x.org",
}
CONTACT = {"name": "Bob", "email": "b@example.com", "phone": "1", "is_primary": True}
PRODUCT = {"sku": "FZ-1", "name": "Fuzz", "unit_price": "1.50", "unit_cost": "1", "is_active": True}
LINE = {
    "product_id": 1,
    "quantity": "2",
    "unit_price": "3.10",
    "discount_pct": "5",
    "description": "thing",
}
LINES = st.lists(body_strategy(LINE), max_size=3)


@given(data=st.data())
@FUZZ
def test_customer_writes_never_fail_with_500(world, data):
    c = world["client"]
    customer, contact = world["customer"], world["contact"]
    check(c, "post", "/customers", data.draw(body_strategy(CUSTOMER)))
    check(c, "patch", f"/customers/{customer.pk}", data.draw(body_strategy(CUSTOMER)), customer)
    check(c, "post", f"/customers/{customer.pk}/contacts", data.draw(body_strategy(CONTACT)))
    check(c, "patch", f"/contacts/{contact.pk}", data.draw(body_strategy(CONTACT)), contact)


@given(data=st.data())
@FUZZ
def test_catalog_writes_never_fail_with_500(world, data):
    c, product = world["client"], world["product"]
    check(c, "post", "/products", data.draw(body_strategy(PRODUCT)))
    check(c, "patch", f"/products/{product.pk}", data.draw(body_strategy(PRODUCT)), product)


@given(data=st.data())
@FUZZ
def test_order_writes_never_fail_with_500(world, data):
    c, customer, order = world["client"], world["customer"], world["order"]
    valid = {
        "customer_id": customer.pk,
        "kind": "sale",
        "channel": "web",
        "lines": [LINE],
        "ordered_at": "2025-01-01T10:00:00Z",
        "original_order_id": order.pk,
        "notes": "",
    }
    check(c, "post", "/orders", data.draw(body_strategy(valid, {"lines": LINES})))
    check(
        c,
        "post",
        f"/orders/{order.pk}/status",
        data.draw(body_strategy({"status": "shipped"})),
        order,
    )


@given(data=st.data())
@FUZZ
def test_opportunity_and_activity_writes_never_fail_with_500(world, data):
    c, customer = world["client"], world["customer"]
    opportunity, activity = world["opportunity"], world["activity"]
    valid = {
        "customer_id": customer.pk,
        "name": "Deal",
        "stage": "proposal",
        "amount": "10",
        "probability": 40,
        "contact_id": world["contact"].pk,
        "owner": "boss",
        "expected_close_date": f"{NEXT_YEAR}-01-01",
        "source_channel": "web",
    }
    check(c, "post", "/opportunities", data.draw(body_strategy(valid)))
    check(
        c, "patch", f"/opportunities/{opportunity.pk}", data.draw(body_strategy(valid)), opportunity
    )
    valid = {
        "subject": "Call",
        "kind": "call",
        "customer_id": customer.pk,
        "opportunity_id": opportunity.pk,
        "due_at": f"{NEXT_YEAR}-01-01T10:00:00Z",
    }
    check(c, "post", "/activities", data.draw(body_strategy(valid)))
    check(
        c,
        "post",
        f"/activities/{activity.pk}/complete",
        data.draw(body_strategy({"done": True})),
        activity,
    )


@given(data=st.data())
@FUZZ
def test_ticket_writes_never_fail_with_500(world, data):
    c, customer, ticket = world["client"], world["customer"], world["ticket"]
    valid = {
        "customer_id": customer.pk,
        "subject": "Broken",
        "type": "defect",
        "priority": "high",
        "contact_id": world["contact"].pk,
        "order_id": world["order"].pk,
        "assignee": "boss",
        "satisfaction_score": 3,
    }
    check(c, "post", "/tickets", data.draw(body_strategy(valid)))
    check(c, "patch", f"/tickets/{ticket.pk}", data.draw(body_strategy(valid)), ticket)
    check(
        c,
        "post",
        f"/tickets/{ticket.pk}/transition",
        data.draw(body_strategy({"status": "open", "message": "ok"})),
        ticket,
    )
    check(
        c,
        "post",
        f"/tickets/{ticket.pk}/comments",
        data.draw(body_strategy({"message": "hi", "to_customer": True})),
    )


@given(data=st.data())
@FUZZ
def test_interaction_writes_never_fail_with_500(world, data):
    c, customer = world["client"], world["customer"]
    valid = {
        "customer_id": customer.pk,
        "channel": "email",
        "direction": "inbound",
        "subject": "Hi",
        "contact_id": world["contact"].pk,
        "duration_minutes": 5,
        "occurred_at": "2025-06-01T10:00:00+08:00",
        "body": "text",
    }
    check(c, "post", "/interactions", data.draw(body_strategy(valid)))


@given(data=st.data())
@FUZZ
def test_a_seller_never_writes_to_another_sellers_customer(api_for, two_sellers, product, data):
    """Whatever ids a sales user sends, nothing lands on a customer they cannot see."""
    sally, steve = two_sellers["sally"], two_sellers["steve"]
    theirs = steve["customer"]
    ids = st.sampled_from(
        [sally["customer"].pk, theirs.pk, steve["contact"].pk, steve["order"].pk, 0, 10**6]
    )
    api = api_for(sally["user"])
    before = [
        theirs.orders.count(),
        theirs.opportunities.count(),
        theirs.interactions.count(),
        theirs.activities.count(),
        theirs.contacts.count(),
    ]
    line = {"product_id": product.pk, "quantity": 1}
    bodies = {
        "/orders": {
            "customer_id": data.draw(ids),
            "lines": [line],
            "original_order_id": data.draw(ids),
            "kind": "return",
        },
        "/opportunities": {
            "customer_id": data.draw(ids),
            "name": "D",
            "contact_id": data.draw(st.none() | ids),
        },
        "/interactions": {
            "customer_id": data.draw(ids),
            "channel": "sms",
            "subject": "S",
            "contact_id": data.draw(st.none() | ids),
        },
        "/activities": {
            "customer_id": data.draw(st.none() | ids),
            "subject": "S",
            "opportunity_id": data.draw(st.none() | ids),
            "due_at": f"{NEXT_YEAR}-01-01",
        },
        f"/customers/{data.draw(ids)}/contacts": {"name": "C"},
    }
    for path, body in bodies.items():
        assert api.post(path, body).status_code < 500
    assert [
        theirs.orders.count(),
        theirs.opportunities.count(),
        theirs.interactions.count(),
        theirs.activities.count(),
        theirs.contacts.count(),
    ] == before
