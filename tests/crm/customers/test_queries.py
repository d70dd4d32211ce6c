"""The customer reads the list, the API and the exports share
(kehu.crm.customers.queries): who sees which customer, the search and the list filters
and sorts (the data-mining ones are tested with the list, in tests/crm/screens)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kehu.crm.customers.actions import add_contact
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.customers.queries import (
    customer_scope,
    filtered_customers,
    search,
    search_is_capped,
    visible_customers,
)
from kehu.crm.integration.merge import merge_customers

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(make_user, make_customer):
    """Sally's two customers and Steve's one, each with a contact."""
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    customers = {
        "tea": make_customer("Hangzhou Tea House", owner=sally, country="CN", status="active"),
        "noodle": make_customer(
            "Lanzhou Noodle Bar", owner=sally, kind="person", tags=["vip"], country="CN"
        ),
        "berlin": make_customer("Berlin Tea Traders", owner=steve, country="DE"),
    }
    for customer in customers.values():
        add_contact(customer, name=f"Buyer at {customer.name}")
    return sally, steve, customers


def _names(queryset) -> list[str]:
    return [c.name for c in queryset]


def test_a_seller_sees_own_customers_a_manager_and_an_administrator_all(book, make_user):
    sally, steve, customers = book
    assert set(visible_customers(sally)) == {customers["tea"], customers["noodle"]}
    assert set(visible_customers(steve)) == {customers["berlin"]}
    for user in (make_user("sales", manager=True), make_user("admin"), make_user("service")):
        assert visible_customers(user).count() == 3, user.username
    assert not visible_customers(AnonymousUser()).exists()


def test_a_customer_merged_into_another_is_seen_by_nobody(book, admin_user):
    sally, _, customers = book
    merge_customers(customers["tea"], customers["noodle"], by=admin_user)
    assert set(visible_customers(sally)) == {customers["tea"]}
    assert customers["noodle"] not in visible_customers(admin_user)
    assert Customer.objects.filter(pk=customers["noodle"].pk).exists()  # kept as history


def test_the_scope_restricts_related_records_to_visible_customers(book, admin_user):
    sally, _, _ = book
    contacts = lambda user: {c.customer.name for c in Contact.objects.filter(customer_scope(user))}  # noqa: E731
    assert contacts(sally) == {"Hangzhou Tea House", "Lanzhou Noodle Bar"}
    assert len(contacts(admin_user)) == 3
    assert contacts(AnonymousUser()) == set()


def test_search_needs_every_word_as_a_prefix_and_stays_in_the_scope(book):
    sally, _, customers = book
    every = Customer.objects.order_by("name")
    assert _names(search(every, "tea")) == ["Berlin Tea Traders", "Hangzhou Tea House"]
    assert _names(search(every, "TEA hang")) == ["Hangzhou Tea House"]
    assert _names(search(every, "ea")) == []  # words match from their start
    assert _names(search(every, "tea nowhere")) == []
    assert _names(search(every, "")) == _names(every)  # no words: no filter
    assert _names(search(visible_customers(sally).order_by("name"), "tea")) == [
        "Hangzhou Tea House"
    ]
    assert search(every, "tea", limit=1).count() == 1


def test_a_customer_two_words_match_is_found_once_and_the_cap_is_told_by_matches(
    make_customer,
):
    make_customer("Smith Smithson Partners")
    make_customer("Smithfield Foods")
    every = Customer.objects.order_by("name")
    assert _names(search(every, "smith")) == ["Smith Smithson Partners", "Smithfield Foods"]
    assert not search_is_capped("smith", limit=3)
    assert search_is_capped("smith", limit=1)
    assert not search_is_capped("nobody", limit=1)
    assert search_is_capped("partners", limit=1)


def test_list_filters(book):
    sally, steve, customers = book
    assert _names(filtered_customers(sally)) == ["Hangzhou Tea House", "Lanzhou Noodle Bar"]
    assert _names(filtered_customers(sally, q="noodle")) == ["Lanzhou Noodle Bar"]
    assert _names(filtered_customers(sally, q="berlin")) == []  # Steve's
    assert _names(filtered_customers(sally, status="active")) == ["Hangzhou Tea House"]
    assert _names(filtered_customers(sally, kind="person")) == ["Lanzhou Noodle Bar"]
    assert _names(filtered_customers(sally, tag="vip")) == ["Lanzhou Noodle Bar"]
    assert _names(filtered_customers(steve, country="DE")) == ["Berlin Tea Traders"]
    assert _names(filtered_customers(steve, country="CN")) == []
    assert _names(filtered_customers(steve, owner="me")) == ["Berlin Tea Traders"]


def test_an_owner_filter_by_id_for_a_manager(book, make_user):
    sally, steve, _ = book
    manager = make_user("sales", manager=True)
    assert _names(filtered_customers(manager, owner=str(steve.pk))) == ["Berlin Tea Traders"]
    assert len(_names(filtered_customers(manager, owner="nobody"))) == 3  # not an id: ignored
    assert _names(filtered_customers(manager, owner="me")) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Berlin Tea Traders", "Hangzhou Tea House", "Lanzhou Noodle Bar"]),
        ("-name", ["Lanzhou Noodle Bar", "Hangzhou Tea House", "Berlin Tea Traders"]),
        ("code", ["Hangzhou Tea House", "Lanzhou Noodle Bar", "Berlin Tea Traders"]),
        ("-created", ["Berlin Tea Traders", "Lanzhou Noodle Bar", "Hangzhou Tea House"]),
        ("country", ["Hangzhou Tea House", "Lanzhou Noodle Bar", "Berlin Tea Traders"]),
        ("unknown", ["Berlin Tea Traders", "Hangzhou Tea House", "Lanzhou Noodle Bar"]),
        ("-churn", []),  # a score sort leaves out customers the analysis has not scored
    ],
)
def test_each_sort_key_orders_the_rows(book, admin_user, sort, expected):
    assert _names(filtered_customers(admin_user, sort=sort)) == expected
