"""The customer and contact actions: codes, owners, tags and search terms, changing only
the fields given, and validation of every write path, not only the form."""

from __future__ import annotations

import pytest

from kehu.crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_consent_rules_hold_for_every_write_path_not_only_the_form(admin_user):
    from django.core.exceptions import ValidationError

    from kehu.crm.customers.actions import create_customer

    with pytest.raises(ValidationError) as caught:
        create_customer(name="No Mail Co", consent_email=True, by=admin_user)
    assert caught.value.error_dict["email"][0].code == "required"


def test_none_in_a_text_column_is_a_field_error_not_a_database_error(admin_user):
    from django.core.exceptions import ValidationError

    from kehu.crm.customers.actions import create_customer

    with pytest.raises(ValidationError) as caught:
        create_customer(name="Null Co", source_channel=None, by=admin_user)
    assert caught.value.error_dict["source_channel"][0].code == "null"
    assert not Customer.objects.exists()


def test_customers_take_codes_in_turn_and_their_creator_as_owner(sales_user):
    from kehu.crm.customers.actions import create_customer

    first = create_customer(name="First Ltd", by=sales_user)
    second = create_customer(name="Second Ltd", by=sales_user, owner=None)
    assert (first.code, second.code) == ("C0000001", "C0000002")
    assert Customer.objects.get(pk=first.pk).owner == sales_user


def test_tags_are_trimmed_once_each_and_replaced_only_when_given(make_customer):
    from kehu.crm.customers.actions import update_customer

    customer = make_customer(tags=[" vip ", "vip", "", "expo"])
    assert sorted(customer.tags.values_list("name", flat=True)) == ["expo", "vip"]
    update_customer(customer, city="Ningbo")  # tags not given: kept
    assert sorted(customer.tags.values_list("name", flat=True)) == ["expo", "vip"]
    update_customer(customer, tags=["wholesale"])
    assert list(customer.tags.values_list("name", flat=True)) == ["wholesale"]


def test_update_changes_only_the_fields_given_and_reindexes_the_search(make_customer):
    from kehu.crm.customers.actions import update_customer
    from kehu.crm.customers.queries import search

    customer = make_customer("Old Name Ltd", city="Suzhou", email="old@example.com")
    update_customer(customer, name="Jade River Trading")
    stored = Customer.objects.get()
    assert (stored.name, stored.city, stored.email) == (
        "Jade River Trading",
        "Suzhou",
        "old@example.com",
    )
    assert list(search(Customer.objects.all(), "jade riv")) == [stored]
    assert not search(Customer.objects.all(), "old name").exists()


def test_update_refuses_bad_values_and_leaves_the_row_as_it_was(make_customer):
    from django.core.exceptions import ValidationError

    from kehu.crm.customers.actions import update_customer

    customer = make_customer("Steady Ltd", status="active")
    with pytest.raises(ValidationError) as caught:
        update_customer(customer, email="not-an-email", status="sleeping")
    assert {"email", "status"} <= set(caught.value.error_dict)
    stored = Customer.objects.get()
    assert (stored.email, stored.status) == ("", "active")


def test_a_new_primary_contact_takes_over_from_the_former_one(make_customer):
    from kehu.crm.customers.actions import add_contact, update_contact

    customer = make_customer()
    li = add_contact(customer, name="Li Na", is_primary=True)
    wang = add_contact(customer, name="Wang Fang", is_primary=True)
    primaries = lambda: list(customer.contacts.filter(is_primary=True))  # noqa: E731
    assert primaries() == [wang]
    update_contact(li, is_primary=True, title="Buyer")
    assert primaries() == [li]
    li.refresh_from_db()
    assert (li.name, li.title) == ("Li Na", "Buyer")


def test_a_contact_with_a_bad_email_is_refused(make_customer):
    from django.core.exceptions import ValidationError

    from kehu.crm.customers.actions import add_contact

    customer = make_customer()
    with pytest.raises(ValidationError) as caught:
        add_contact(customer, name="Li Na", email="li at example")
    assert "email" in caught.value.error_dict
    assert not customer.contacts.exists()
