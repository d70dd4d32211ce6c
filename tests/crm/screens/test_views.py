"""The screens about customers: the list (scope, search, its cap, htmx rows), its CSV
export, the 360 page and its printable report."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
