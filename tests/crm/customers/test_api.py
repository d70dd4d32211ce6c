"""Customers and contacts over the API."""

from __future__ import annotations

import pytest
from tests.crm.api.client import error_fields

from kehu.crm.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def test_create_customer_returns_code_owner_and_tags(api_for, admin_user, sales_user):
    response = api_for(admin_user).post(
        "/customers",
        {"name": "Acme", "kind": "company", "owner": "sally", "tags": ["vip", " wholesale "]},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "C0000001"
    assert body["owner"] == "sally"
    assert body["tags"] == ["vip", "wholesale"]
    assert body["created_at"].endswith("Z") or "+" in body["created_at"]


def test_create_customer_validates_choices_lengths_and_email(api_for, admin_user):
    response = api_for(admin_user).post(
        "/customers",
        {"name": "x" * 201, "status": "zombie", "email": "not-an-email", "phone": "1" * 41},
    )
    assert response.status_code == 422
    assert error_fields(response) == {
        "name": "string_too_long",
        "status": "literal_error",
        "phone": "string_too_long",
    }
    response = api_for(admin_user).post("/customers", {"name": "Acme", "email": "nope"})
    assert error_fields(response) == {"email": "invalid"}
    assert not Customer.objects.exists()


def test_blank_name_is_rejected(api_for, admin_user):
    response = api_for(admin_user).post("/customers", {"name": ""})
    assert error_fields(response) == {"name": "string_too_short"}


def test_unknown_owner_is_a_field_error(api_for, admin_user):
    response = api_for(admin_user).post("/customers", {"name": "Acme", "owner": "ghost"})
    assert response.status_code == 422
    assert error_fields(response) == {"owner": "does_not_exist"}


def test_unknown_fields_are_rejected(api_for, admin_user):
    response = api_for(admin_user).post("/customers", {"name": "Acme", "nmae": "typo"})
    assert error_fields(response) == {"nmae": "extra_forbidden"}


def test_consent_needs_an_address(api_for, admin_user, make_customer):
    api = api_for(admin_user)
    assert error_fields(api.post("/customers", {"name": "A", "consent_email": True})) == {
        "email": "required"
    }
    customer = make_customer("B", email="b@example.com")
    assert api.patch(f"/customers/{customer.pk}", {"consent_email": True}).status_code == 200
    response = api.patch(f"/customers/{customer.pk}", {"email": ""})
    assert error_fields(response) == {"email": "required"}


def test_patch_changes_only_the_given_fields(api_for, admin_user, make_customer):
    customer = make_customer("Acme", city="Oulu", country="FI")
    response = api_for(admin_user).patch(f"/customers/{customer.pk}", {"city": "Espoo"})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.city, customer.country, customer.name) == ("Espoo", "FI", "Acme")


def test_patch_cannot_null_a_required_field(api_for, admin_user, make_customer):
    customer = make_customer("Acme")
    response = api_for(admin_user).patch(f"/customers/{customer.pk}", {"name": None, "city": None})
    assert response.status_code == 422
    assert set(error_fields(response)) == {"name", "city"}


def test_patch_tags_replaces_them_and_records_history(api_for, admin_user, make_customer):
    customer = make_customer("Acme", tags=["old"])
    api = api_for(admin_user)
    assert api.patch(f"/customers/{customer.pk}", {"tags": ["new"]}).json()["tags"] == ["new"]
    assert customer.history.count() >= 2


def test_list_filters_and_search(api_for, admin_user, make_customer, sales_user):
    make_customer("Zhang Wei Trading", country="CN", status="active", owner=sales_user)
    make_customer("Acme Oy", country="FI", kind="company", tags=["vip"])
    make_customer("Mia Person", kind="person", country="FI")
    api = api_for(admin_user)

    def names(**params: str) -> list[str]:
        return [c["name"] for c in api.get("/customers", params).json()["items"]]

    assert names() == ["Acme Oy", "Mia Person", "Zhang Wei Trading"]
    assert names(q="zha tra") == ["Zhang Wei Trading"]
    assert names(country="FI", kind="person") == ["Mia Person"]
    assert names(status="active") == ["Zhang Wei Trading"]
    assert names(tag="vip") == ["Acme Oy"]
    assert names(owner="sally") == ["Zhang Wei Trading"]
    assert names(owner=str(sales_user.pk)) == ["Zhang Wei Trading"]
    assert names(owner="nobody") == []
    assert names(sort="-name") == ["Zhang Wei Trading", "Mia Person", "Acme Oy"]
    assert error_fields(api.get("/customers", {"status": "zombie"})) == {"status": "literal_error"}
    assert error_fields(api.get("/customers", {"sort": "evil"})) == {"sort": "literal_error"}


def test_paging_has_count_and_stable_order(api_for, admin_user, make_customer):
    for i in range(7):
        make_customer("Same Name", city=str(i))
    api = api_for(admin_user)
    first = api.get("/customers", {"limit": 3, "offset": 0}).json()
    second = api.get("/customers", {"limit": 3, "offset": 3}).json()
    third = api.get("/customers", {"limit": 3, "offset": 6}).json()
    ids = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert first["count"] == 7
    assert ids == sorted(ids)
    assert len(set(ids)) == 7
    assert api.get("/customers", {"limit": 0}).status_code == 422
    assert api.get("/customers", {"limit": 10_000}).status_code == 422
    assert api.get("/customers", {"offset": -1}).status_code == 422


def test_unknown_customer_is_404_and_huge_id_is_422(api_for, admin_user):
    api = api_for(admin_user)
    assert api.get("/customers/12345").status_code == 404
    assert api.get("/customers/99999999999999999999999").status_code == 422
    assert api.get("/customers/abc").status_code == 422


def test_contacts_create_list_and_patch(api_for, sales_user, make_customer):
    customer = make_customer("Acme", owner=sales_user)
    api = api_for(sales_user)
    first = api.post(f"/customers/{customer.pk}/contacts", {"name": "Ann", "is_primary": True})
    assert first.status_code == 201
    second = api.post(f"/customers/{customer.pk}/contacts", {"name": "Bob", "is_primary": True})
    listed = api.get(f"/customers/{customer.pk}/contacts").json()
    assert [(c["name"], c["is_primary"]) for c in listed["items"]] == [
        ("Bob", True),
        ("Ann", False),
    ]
    response = api.patch(f"/contacts/{second.json()['id']}", {"title": "CEO"})
    assert response.json()["title"] == "CEO"
    assert error_fields(api.patch(f"/contacts/{second.json()['id']}", {"email": "x"})) == {
        "email": "invalid"
    }
    assert Contact.objects.count() == 2
