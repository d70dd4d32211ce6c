"""A customer is found by the email or phone of one of its contacts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from kehu.crm.customers.actions import add_contact
from kehu.crm.customers.queries import search, visible_customers

pytestmark = pytest.mark.django_db


def _names(client, q: str) -> list[str]:
    response = client.get(reverse("customers:list"), {"q": q})
    assert response.status_code == 200
    return [c.name for c in response.context["page"].object_list]


def test_search_finds_a_customer_by_a_contacts_email_and_phone(
    admin_user, make_customer, client_for
):
    acme = make_customer("Acme Trading Ltd", email="office@acme.example")
    add_contact(acme, name="Li Na", email="Li.Na@Buyer.example", phone="+86 (21) 5555-0199")
    make_customer("Other Ltd", email="other@example.com")
    c = client_for(admin_user)

    assert _names(c, "li.na@buyer.example") == ["Acme Trading Ltd"]
    assert _names(c, "LI.NA@buy") == ["Acme Trading Ltd"]  # a prefix, any case
    assert _names(c, "li.na") == ["Acme Trading Ltd"]  # the start of the address
    assert _names(c, "+86 21 5555 0199") == ["Acme Trading Ltd"]
    assert _names(c, "862155550199") == ["Acme Trading Ltd"]
    assert _names(c, "nobody@buyer.example") == []


def test_contact_search_respects_the_owners_scope(make_user, make_customer, client_for):
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    theirs = make_customer("Theirs Co", owner=steve)
    add_contact(theirs, name="Bo", email="bo@theirs.example")
    assert _names(client_for(sally), "bo@theirs.example") == []
    assert _names(client_for(steve), "bo@theirs.example") == ["Theirs Co"]


def test_contact_phone_search_uses_the_expression_index(admin_user, make_customer):
    found = search(visible_customers(admin_user), "+49 30 1234 5678")
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # a table of a few rows is read whole; forbid that to see whether the query
            # *can* use the index (its expression must be the index's, to the letter)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "contact_phone_digits_idx" in plan
