from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_customer_list_is_only_for_signed_in_users(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_sales_user_sees_only_owned_customers(make_user, make_customer, client_for):
    sally = make_user("sales", username="sally")
    other = make_user("sales", username="steve")
    make_customer("Mine Co", owner=sally)
    theirs = make_customer("Theirs Co", owner=other)

    response = client_for(sally).get(reverse("customers:list"))

    assert response.status_code == 200
    names = [c.name for c in response.context["page"].object_list]
    assert names == ["Mine Co"]
    assert client_for(sally).get(reverse("customers:detail", args=[theirs.pk])).status_code == 404


def test_sales_manager_sees_every_customer(make_user, make_customer, client_for):
    manager = make_user("sales", manager=True)
    make_customer("A Co", owner=make_user("sales"))
    make_customer("B Co")
    response = client_for(manager).get(reverse("customers:list"))
    assert response.context["page"].paginator.count == 2


def test_search_finds_word_prefixes_of_name_email_and_phone(admin_user, make_customer, client_for):
    make_customer("Zhang Wei Trading", email="wei@example.cn", phone="+86 138 0013 8000")
    make_customer("张伟贸易")
    make_customer("Other Ltd")
    c = client_for(admin_user)

    def names(q: str) -> list[str]:
        return [
            x.name for x in c.get(reverse("customers:list"), {"q": q}).context["page"].object_list
        ]

    assert names("zha tra") == ["Zhang Wei Trading"]
    assert names("WEI") == ["Zhang Wei Trading"]
    assert names("wei@exa") == ["Zhang Wei Trading"]
    assert names("13800138000") == []  # phone terms are full digit strings, +86 included
    assert names("8613800138000") == ["Zhang Wei Trading"]
    assert names("张") == ["张伟贸易"]
    assert names("伟贸") == ["张伟贸易"]
    assert names("nobody") == []


def test_list_query_count_does_not_grow_with_rows(
    admin_user, make_customer, client_for, django_assert_max_num_queries
):
    for i in range(30):
        make_customer(f"Customer {i:02d}", owner=admin_user)
    c = client_for(admin_user)
    with django_assert_max_num_queries(8):
        response = c.get(reverse("customers:list"))
    assert len(response.context["page"].object_list) == 25


def test_create_customer_shows_field_errors_and_writes_nothing(admin_user, client_for):
    response = client_for(admin_user).post(
        reverse("customers:create"),
        {
            "kind": "company",
            "name": "  ",
            "status": "active",
            "email": "not-an-email",
            "source_channel": "web",
            "consent_sms": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "name" in errors and "email" in errors and "phone" in errors
    assert Customer.objects.count() == 0


def test_create_customer_assigns_code_owner_and_tags(sales_user, client_for):
    response = client_for(sales_user).post(
        reverse("customers:create"),
        {
            "kind": "person",
            "name": "Li Na",
            "status": "prospect",
            "email": "li@example.com",
            "source_channel": "exhibition",
            "tag_names": "vip, expo-2026",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert customer.code == "C0000001"
    assert customer.owner == sales_user
    assert sorted(customer.tags.values_list("name", flat=True)) == ["expo-2026", "vip"]


def test_edit_is_recorded_in_change_history(admin_user, make_customer, client_for):
    customer = make_customer("Old Name Ltd", status="prospect")
    c = client_for(admin_user)
    c.post(
        reverse("customers:edit", args=[customer.pk]),
        {"kind": "company", "name": "New Name Ltd", "status": "active", "source_channel": "web"},
    )
    page = c.get(reverse("customers:detail", args=[customer.pk]))
    changes = page.context["history"]
    assert changes[0].by == "boss"
    assert ("name", "Old Name Ltd", "New Name Ltd") in changes[0].fields
    assert ("status", "Prospect", "Active") in changes[0].fields  # labels, not raw values


def test_analyst_cannot_edit(analyst_user, make_customer, client_for):
    customer = make_customer()
    response = client_for(analyst_user).get(reverse("customers:edit", args=[customer.pk]))
    assert response.status_code == 403


def test_csv_export_has_every_filtered_row(admin_user, make_customer, client_for):
    for i in range(30):
        make_customer(f"Export {i:02d}", status="active" if i % 2 else "prospect")
    response = client_for(admin_user).get(reverse("customers:export"), {"status": "active"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("code,name,kind,status")
    assert len(lines) == 1 + 15


def test_printable_report_renders(admin_user, make_customer, client_for):
    customer = make_customer("Report Co")
    response = client_for(admin_user).get(reverse("customers:report", args=[customer.pk]))
    assert response.status_code == 200
    assert b"data-print" in response.content  # kehu.js prints: no inline handler (CSP)


def test_htmx_gets_rows_but_a_history_restore_gets_the_whole_page(admin_user, client_for):
    c = client_for(admin_user)
    rows = c.get(reverse("customers:list"), HTTP_HX_REQUEST="true")
    restore = c.get(
        reverse("customers:list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert b"<html" not in rows.content and b"<html" in restore.content
    assert "HX-Request" in rows["Vary"]


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


def test_a_word_many_customers_share_is_capped_and_says_so(
    admin_user, make_customer, client_for, monkeypatch
):
    from kehu.crm.customers import queries

    monkeypatch.setattr(queries.search, "__defaults__", (5, None))
    monkeypatch.setattr(queries, "SEARCH_LIMIT", 5)
    for i in range(8):
        make_customer(f"Common {i} Ltd")
    response = client_for(admin_user).get(reverse("customers:list"), {"q": "ltd"})
    assert response.context["page"].paginator.count == 5
    assert b'id="search-capped"' in response.content
    narrow = client_for(admin_user).get(reverse("customers:list"), {"q": "ltd common 3"})
    assert [c.name for c in narrow.context["page"].object_list] == ["Common 3 Ltd"]
    assert b'id="search-capped"' not in narrow.content


def test_the_cap_applies_after_a_sales_users_scope(
    make_user, make_customer, client_for, monkeypatch
):
    from kehu.crm.customers import queries

    monkeypatch.setattr(queries.search, "__defaults__", (3, None))
    monkeypatch.setattr(queries, "SEARCH_LIMIT", 3)
    sally, other = make_user("sales"), make_user("sales")
    for i in range(6):
        make_customer(f"Alpha {i} Ltd", owner=other)
    mine = make_customer("Zulu Ltd", owner=sally)
    response = client_for(sally).get(reverse("customers:list"), {"q": "ltd"})
    assert list(response.context["page"].object_list) == [mine]
