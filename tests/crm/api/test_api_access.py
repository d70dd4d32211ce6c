"""Who may call what: authentication, role permissions and row-level visibility, the
same rules as the screens."""

from __future__ import annotations

import pytest
from tests.crm.api.client import NEXT_YEAR

from kehu.crm.sales.models import Order

pytestmark = pytest.mark.django_db

LISTS = [
    "/customers",
    "/products",
    "/product-categories",
    "/orders",
    "/opportunities",
    "/activities",
    "/tickets",
    "/interactions",
    "/me",
]


@pytest.mark.parametrize("path", LISTS)
def test_anonymous_caller_gets_401_with_the_error_shape(anonymous_api, path):
    response = anonymous_api.get(path)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication required: send 'Authorization: Bearer <token>'.",
        "errors": [],
    }


def test_wrong_token_is_401(db):
    from tests.crm.api.client import ApiClient

    assert ApiClient("kehu_not-a-token").get("/customers").status_code == 401


def test_token_of_a_deactivated_user_is_401(api_for, sales_user):
    api = api_for(sales_user)
    sales_user.is_active = False
    sales_user.save()
    assert api.get("/me").status_code == 401


def test_session_login_works_too(client_for, analyst_user):
    response = client_for(analyst_user).get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "ana"


@pytest.mark.parametrize(
    ("role", "manager", "sees_all"),
    [
        ("admin", False, True),
        ("sales", False, False),
        ("sales", True, True),
        ("service", False, True),
        ("marketing", False, True),
        ("analyst", False, True),
    ],
)
def test_me_names_user_roles_and_scope(api_for, make_user, role, manager, sees_all):
    user = make_user(role, manager=manager)
    body = api_for(user).get("/me").json()
    assert body["username"] == user.username
    assert body["roles"] == [role]
    assert body["sees_all_customers"] is sees_all
    assert "customers.view_customer" in body["permissions"]


# --- role permissions ---------------------------------------------------------------

VIEW = {
    # path -> roles without the view permission
    "/customers": set(),
    "/products": set(),
    "/orders": set(),
    "/opportunities": {"service"},
    "/activities": set(),
    "/tickets": set(),
    "/interactions": set(),
}


@pytest.mark.parametrize("role", ["admin", "sales", "service", "marketing", "analyst"])
@pytest.mark.parametrize("path", sorted(VIEW))
def test_list_needs_the_view_permission(api_for, make_user, role, path):
    response = api_for(make_user(role)).get(path)
    expected = 403 if role in VIEW[path] else 200
    assert response.status_code == expected
    if expected == 403:
        assert "permission" in response.json()["detail"]


CREATE_ALLOWED = {
    "/customers": {"admin", "sales"},
    "/products": {"admin"},
    "/orders": {"admin", "sales"},
    "/opportunities": {"admin", "sales"},
    "/activities": {"admin", "sales", "service", "marketing"},
    "/tickets": {"admin", "service"},
    "/interactions": {"admin", "sales", "service", "marketing"},
}


def _valid_body(path: str, customer_id: int, product_id: int) -> dict[str, object]:
    return {
        "/customers": {"name": "New Co"},
        "/products": {"sku": "NEW-1", "name": "New thing", "unit_price": "1.00"},
        "/orders": {
            "customer_id": customer_id,
            "lines": [{"product_id": product_id, "quantity": 1}],
        },
        "/opportunities": {"customer_id": customer_id, "name": "Deal"},
        "/activities": {
            "customer_id": customer_id,
            "subject": "Call",
            "due_at": f"{NEXT_YEAR}-01-01T09:00",
        },
        "/tickets": {"customer_id": customer_id, "subject": "Broken"},
        "/interactions": {"customer_id": customer_id, "channel": "email", "subject": "Hi"},
    }[path]


@pytest.mark.parametrize("role", ["admin", "sales", "service", "marketing", "analyst"])
@pytest.mark.parametrize("path", sorted(CREATE_ALLOWED))
def test_create_needs_the_add_permission(api_for, make_user, make_customer, product, role, path):
    user = make_user(role)
    customer = make_customer("Own Co", owner=user)
    api = api_for(user)
    n_before = api_for(make_user("admin")).get(path).json()["count"]

    response = api.post(path, _valid_body(path, customer.pk, product.pk))

    n_after = api_for(make_user("admin")).get(path).json()["count"]
    if role in CREATE_ALLOWED[path]:
        assert response.status_code == 201, response.json()
        assert n_after == n_before + 1
    else:
        assert response.status_code == 403
        assert response.json()["detail"].startswith("You need the permission")
        assert n_after == n_before


def test_analyst_cannot_create_an_interaction(api_for, analyst_user, make_customer):
    customer = make_customer("Acme")
    response = api_for(analyst_user).post(
        "/interactions", {"customer_id": customer.pk, "channel": "email", "subject": "Hi"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "You need the permission 'engagement.add_interaction' to do this."
    )


def test_service_user_cannot_create_an_order(api_for, service_user, make_customer, product):
    customer = make_customer("Acme")
    body = {"customer_id": customer.pk, "lines": [{"product_id": product.pk, "quantity": 1}]}
    assert api_for(service_user).post("/orders", body).status_code == 403
    assert not Order.objects.exists()


def test_sales_user_cannot_open_a_ticket_but_service_can(
    api_for, sales_user, service_user, make_customer
):
    customer = make_customer("Acme", owner=sales_user)
    body = {"customer_id": customer.pk, "subject": "Broken"}
    assert api_for(sales_user).post("/tickets", body).status_code == 403
    assert api_for(service_user).post("/tickets", body).status_code == 201


def test_only_admin_creates_products(api_for, admin_user, sales_user):
    body = {"sku": "X-1", "name": "Thing", "unit_price": "3.00"}
    assert api_for(sales_user).post("/products", body).status_code == 403
    assert api_for(admin_user).post("/products", body).status_code == 201


# --- row-level visibility -----------------------------------------------------------


def test_sales_user_lists_only_own_rows(api_for, two_sellers):
    api = api_for(two_sellers["sally"]["user"])
    sally_customer = two_sellers["sally"]["customer"]
    for path in ("/customers", "/orders", "/opportunities", "/tickets", "/interactions"):
        body = api.get(path).json()
        assert body["count"] == 1, path
        item = body["items"][0]
        assert item.get("customer_id", item["id"]) == sally_customer.pk, path
    assert api.get("/activities").json()["count"] == 1


def test_sales_user_gets_404_for_another_owners_rows(api_for, two_sellers):
    api = api_for(two_sellers["sally"]["user"])
    steve = two_sellers["steve"]
    paths = [
        f"/customers/{steve['customer'].pk}",
        f"/customers/{steve['customer'].pk}/contacts",
        f"/customers/{steve['customer'].pk}/timeline",
        f"/orders/{steve['order'].pk}",
        f"/opportunities/{steve['opportunity'].pk}",
        f"/tickets/{steve['ticket'].pk}",
        f"/tickets/{steve['ticket'].pk}/events",
    ]
    for path in paths:
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["errors"] == []


def test_sales_user_cannot_write_to_another_owners_rows(api_for, two_sellers):
    api = api_for(two_sellers["sally"]["user"])
    steve = two_sellers["steve"]
    assert api.patch(f"/customers/{steve['customer'].pk}", {"city": "X"}).status_code == 404
    assert api.patch(f"/contacts/{steve['contact'].pk}", {"title": "X"}).status_code == 404
    assert api.post(f"/customers/{steve['customer'].pk}/contacts", {"name": "X"}).status_code == (
        404
    )
    assert api.post(f"/orders/{steve['order'].pk}/status", {"status": "shipped"}).status_code == (
        404
    )
    assert api.patch(f"/opportunities/{steve['opportunity'].pk}", {"stage": "won"}).status_code == (
        404
    )
    assert api.post(f"/activities/{steve['activity'].pk}/complete").status_code == 404


def test_sales_user_cannot_create_rows_for_a_customer_they_cannot_see(
    api_for, two_sellers, product
):
    api = api_for(two_sellers["sally"]["user"])
    theirs = two_sellers["steve"]["customer"].pk
    n_orders = Order.objects.count()
    bodies = {
        "/orders": {"customer_id": theirs, "lines": [{"product_id": product.pk, "quantity": 1}]},
        "/opportunities": {"customer_id": theirs, "name": "Poach"},
        "/interactions": {"customer_id": theirs, "channel": "email", "subject": "Hi"},
        "/activities": {
            "customer_id": theirs,
            "subject": "Call",
            "due_at": f"{NEXT_YEAR}-01-01T10:00",
        },
    }
    for path, body in bodies.items():
        response = api.post(path, body)
        assert response.status_code == 422, path
        assert response.json()["errors"][0]["field"] == "customer_id"
        assert response.json()["errors"][0]["code"] == "does_not_exist"
    assert Order.objects.count() == n_orders


def test_sales_manager_sees_every_owners_rows(api_for, make_user, two_sellers):
    api = api_for(make_user("sales", manager=True))
    assert api.get("/customers").json()["count"] == 2
    assert api.get("/orders").json()["count"] == 2
    assert api.get(f"/orders/{two_sellers['steve']['order'].pk}").status_code == 200


def test_service_user_sees_every_customer(api_for, service_user, two_sellers):
    api = api_for(service_user)
    assert api.get("/customers").json()["count"] == 2
    assert api.get(f"/tickets/{two_sellers['steve']['ticket'].pk}").status_code == 200


def test_sales_user_cannot_assign_an_owner(api_for, two_sellers):
    sally = two_sellers["sally"]
    api = api_for(sally["user"])
    response = api.patch(f"/customers/{sally['customer'].pk}", {"owner": "steve"})
    assert response.status_code == 403
    assert api.post("/customers", {"name": "New Co", "owner": "steve"}).status_code == 403


def test_customer_created_by_a_sales_user_is_theirs(api_for, sales_user):
    body = api_for(sales_user).post("/customers", {"name": "Fresh Co"}).json()
    assert body["owner"] == "sally"


# --- the OpenAPI document -----------------------------------------------------------


def test_openapi_document_lists_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/customers",
        "/api/customers/{customer_id}",
        "/api/customers/{customer_id}/contacts",
        "/api/customers/{customer_id}/timeline",
        "/api/contacts/{contact_id}",
        "/api/products",
        "/api/products/{product_id}",
        "/api/product-categories",
        "/api/orders",
        "/api/orders/{order_id}",
        "/api/orders/{order_id}/status",
        "/api/opportunities",
        "/api/opportunities/{opportunity_id}",
        "/api/activities",
        "/api/activities/{activity_id}/complete",
        "/api/tickets",
        "/api/tickets/{ticket_id}",
        "/api/tickets/{ticket_id}/transition",
        "/api/tickets/{ticket_id}/comments",
        "/api/tickets/{ticket_id}/events",
        "/api/interactions",
        "/api/me",
    ]:
        assert path in paths, path
    assert "BearerAuth" in str(response.json()["components"]["securitySchemes"]) or (
        "TokenAuth" in response.json()["components"]["securitySchemes"]
    )


def test_docs_page_renders(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
