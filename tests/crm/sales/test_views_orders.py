from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kehu.crm.sales.actions import create_order
from kehu.crm.sales.models import Order, OrderLine

pytestmark = pytest.mark.django_db


def order_post(customer, lines, **fields):
    data = {
        "customer": customer.pk,
        "kind": "sale",
        "channel": "web",
        "status": "confirmed",
        "ordered_at": "2026-03-01T10:30",
        "original_order_number": "",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, line in enumerate(lines):
        data.update({f"lines-{i}-{key}": value for key, value in line.items()})
    return data


def rows(response):
    return list(response.context["page"].object_list)


def test_order_list_is_only_for_signed_in_users(client):
    response = client.get(reverse("sales:order_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_sales_user_sees_only_orders_of_owned_customers(
    make_user, make_customer, make_order, client_for
):
    sally, steve = make_user("sales"), make_user("sales")
    mine = make_order(make_customer("Mine Co", owner=sally))
    theirs = make_order(make_customer("Theirs Co", owner=steve))
    c = client_for(sally)

    assert [o.pk for o in rows(c.get(reverse("sales:order_list")))] == [mine.pk]
    assert c.get(reverse("sales:order_detail", args=[theirs.pk])).status_code == 404
    export = b"".join(c.get(reverse("sales:order_export")).streaming_content).decode("utf-8-sig")
    assert mine.number in export and theirs.number not in export


def test_order_list_query_count_does_not_grow_with_rows(
    admin_user, make_customer, make_order, client_for, django_assert_max_num_queries
):
    customers = [make_customer(f"Customer {i}", owner=admin_user) for i in range(3)]
    for i in range(30):
        make_order(customers[i % 3], kind="sale")
    original = Order.objects.filter(customer=customers[0])[0]
    create_order(
        customers[0],
        [{"product": original.lines.get().product, "quantity": 1}],
        kind="return",
        original_order=original,
    )
    c = client_for(admin_user)
    with django_assert_max_num_queries(10):
        response = c.get(reverse("sales:order_list"))
    assert len(rows(response)) == 25


def test_order_list_filters_searches_and_sorts(admin_user, make_customer, make_order, client_for):
    acme, zeta = make_customer("Acme Trading"), make_customer("Zeta Foods")
    small = make_order(acme, amount="5.00", status="completed")
    big = make_order(zeta, amount="500.00", status="cancelled")
    c = client_for(admin_user)

    def numbers(**params):
        return [o.number for o in rows(c.get(reverse("sales:order_list"), params))]

    assert numbers(status="cancelled") == [big.number]
    assert numbers(q="acme") == [small.number]
    assert numbers(q=small.number.lower()) == [small.number]
    assert numbers(sort="total") == [small.number, big.number]
    assert numbers(sort="-total") == [big.number, small.number]
    refused = c.get(reverse("sales:order_list"), {"sort": "no_such_column;drop"})
    assert refused.status_code == 400 and "sort" in refused.content.decode()
    assert numbers(customer=str(acme.pk)) == [small.number]
    assert numbers(date_from="2999-01-01") == []
    totals = c.get(reverse("sales:order_list")).context["totals"]
    assert totals == {"n": 2, "net": Decimal("5.00")}


def test_order_list_htmx_request_gets_only_the_rows(
    admin_user, make_customer, make_order, client_for
):
    make_order(make_customer())
    response = client_for(admin_user).get(reverse("sales:order_list"), HTTP_HX_REQUEST="true")
    assert [t.name for t in response.templates][0] == "sales/partials/order_rows.html"
    assert b"<html" not in response.content


@pytest.mark.parametrize(
    "url",
    [
        "sales:order_list",
        "sales:opportunity_list",
        "sales:opportunity_board",
        "sales:activity_list",
    ],
)
def test_a_history_restore_of_a_sales_list_gets_the_whole_page(admin_user, client_for, url):
    """The back button makes htmx fetch a page it no longer holds: the rows alone would
    replace the whole page; a cache keeps the rows and the page apart."""
    c = client_for(admin_user)
    restore = c.get(reverse(url), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert b"<html" in restore.content
    assert "HX-Request" in restore["Vary"]
    rows = c.get(reverse(url), HTTP_HX_REQUEST="true")
    assert b"<html" not in rows.content and "HX-Request" in rows["Vary"]


def test_csv_export_has_every_filtered_row(admin_user, make_customer, make_order, client_for):
    customer = make_customer()
    for i in range(30):
        make_order(customer, status="completed" if i % 3 else "shipped")
    response = client_for(admin_user).get(reverse("sales:order_export"), {"status": "completed"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("number,ordered_at,customer_code,customer,kind,status")
    assert len(lines) == 1 + 20


def test_order_form_preselects_customer_and_offers_only_visible_ones(
    make_user, make_customer, client_for
):
    sally = make_user("sales")
    mine = make_customer("Mine Co", owner=sally)
    theirs = make_customer("Theirs Co", owner=make_user("sales"))
    response = client_for(sally).get(reverse("sales:order_create"), {"customer": mine.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert str(form["customer"].value()) == str(mine.pk)
    assert f'value="{mine.pk}" data-label="Mine Co ({mine.code})" checked' in response.text
    assert form.fields["customer"].queryset.filter(pk=theirs.pk).count() == 0


def test_create_order_with_lines_computes_prices_and_total(
    sales_user, make_customer, make_product, client_for
):
    customer = make_customer("Buyer Co", owner=sales_user, status="prospect")
    tea, cup = make_product("Tea", price="12.50"), make_product("Cup", price="4.00")
    data = order_post(
        customer,
        [
            {"product": tea.pk, "quantity": "2", "unit_price": "", "discount_pct": ""},
            {"product": cup.pk, "quantity": "3", "unit_price": "5.00", "discount_pct": "10"},
        ],
    )
    response = client_for(sales_user).post(reverse("sales:order_create"), data)

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.owner == sales_user and order.customer == customer
    lines = list(order.lines.order_by("id"))
    assert [line.unit_price for line in lines] == [Decimal("12.50"), Decimal("5.00")]
    assert [line.line_total for line in lines] == [Decimal("25.00"), Decimal("13.50")]
    assert order.total_amount == Decimal("38.50")
    customer.refresh_from_db()
    assert customer.status == "active"


def test_bad_line_shows_errors_per_line_and_writes_no_order(
    admin_user, make_customer, make_product, client_for
):
    customer, tea = make_customer(), make_product()
    data = order_post(
        customer,
        [
            {"product": tea.pk, "quantity": "1"},
            {"product": tea.pk, "quantity": "-4", "discount_pct": "150"},
        ],
    )
    response = client_for(admin_user).post(reverse("sales:order_create"), data)

    assert response.status_code == 422
    line_errors = response.context["lines"].forms[1].errors
    assert "quantity" in line_errors and "discount_pct" in line_errors
    assert response.context["lines"].forms[0].errors == {}
    assert b'class="errorlist"' in response.content
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_order_without_lines_is_refused(admin_user, make_customer, client_for):
    response = client_for(admin_user).post(
        reverse("sales:order_create"), order_post(make_customer(), [])
    )
    assert response.status_code == 422
    assert response.context["lines"].non_form_errors()
    assert Order.objects.count() == 0


def test_order_form_errors_show_together_with_line_errors(admin_user, client_for, make_product):
    data = order_post(
        type("Missing", (), {"pk": 999_999})(),
        [{"product": make_product().pk, "quantity": "-1"}],
        ordered_at="not a date",
    )
    response = client_for(admin_user).post(reverse("sales:order_create"), data)
    assert response.status_code == 422
    assert {"customer", "ordered_at"} <= set(response.context["form"].errors)
    assert "quantity" in response.context["lines"].forms[0].errors


def test_sales_user_cannot_order_for_another_owners_customer(
    make_user, make_customer, make_product, client_for
):
    sally = make_user("sales")
    theirs = make_customer("Theirs Co", owner=make_user("sales"))
    data = order_post(theirs, [{"product": make_product().pk, "quantity": "1"}])
    response = client_for(sally).post(reverse("sales:order_create"), data)
    assert response.status_code == 422
    assert "customer" in response.context["form"].errors
    assert Order.objects.count() == 0


def test_analyst_cannot_create_or_change_orders(
    analyst_user, make_customer, make_order, client_for
):
    order = make_order(make_customer())
    c = client_for(analyst_user)
    assert c.get(reverse("sales:order_list")).status_code == 200
    assert c.get(reverse("sales:order_create")).status_code == 403
    response = c.post(reverse("sales:order_status", args=[order.pk]), {"status": "shipped"})
    assert response.status_code == 403


def test_return_needs_an_original_order_of_the_same_customer(
    admin_user, make_customer, make_order, make_product, client_for
):
    acme, zeta = make_customer("Acme"), make_customer("Zeta")
    original = make_order(acme, amount="30.00")
    other = make_order(zeta)
    line = [{"product": original.lines.get().product_id, "quantity": "1"}]
    c = client_for(admin_user)

    missing = c.post(reverse("sales:order_create"), order_post(acme, line, kind="return"))
    assert "original_order_number" in missing.context["form"].errors
    foreign = c.post(
        reverse("sales:order_create"),
        order_post(acme, line, kind="return", original_order_number=other.number),
    )
    assert "original_order_number" in foreign.context["form"].errors
    assert Order.objects.filter(kind="return").count() == 0

    response = c.post(
        reverse("sales:order_create"),
        order_post(acme, line, kind="return", original_order_number=original.number.lower()),
    )
    returned = Order.objects.get(kind="return")
    assert response.status_code == 302
    assert returned.original_order == original and returned.total_amount == Decimal("-30.00")
    page = c.get(reverse("sales:order_detail", args=[original.pk]))
    assert list(page.context["returns"]) == [returned]
    assert returned.number.encode() in page.content


def test_order_detail_shows_lines_and_moves_status_along_the_flow(
    admin_user, make_customer, make_order, client_for
):
    order = make_order(make_customer(), amount="1234.50")
    c = client_for(admin_user)
    page = c.get(reverse("sales:order_detail", args=[order.pk]))
    assert page.status_code == 200
    assert b"1,234.50" in page.content
    assert [v for v, _ in page.context["status_form"].fields["status"].choices] == [
        "shipped",
        "cancelled",
    ]

    url = reverse("sales:order_status", args=[order.pk])
    assert c.post(url, {"status": "shipped"}).status_code == 302
    assert c.post(url, {"status": "completed"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "completed"
    assert c.post(url, {"status": "confirmed"}).status_code == 422
    order.refresh_from_db()
    assert order.status == "completed"


def test_sales_user_cannot_change_another_owners_order(
    make_user, make_customer, make_order, client_for
):
    sally = make_user("sales")
    order = make_order(make_customer(owner=make_user("sales")))
    response = client_for(sally).post(
        reverse("sales:order_status", args=[order.pk]), {"status": "cancelled"}
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "confirmed"


def test_action_errors_of_a_line_land_on_that_line(make_product):
    from kehu.crm.sales.forms import line_errors_into, order_line_formset

    product = make_product()
    data = order_post(
        type("Any", (), {"pk": 1})(),
        [{"product": product.pk, "quantity": "1"}, {"product": product.pk, "quantity": "2"}],
    )
    lines = order_line_formset(data)
    assert lines.is_valid()

    rest = line_errors_into(
        lines, {"lines.1.product_id": ["no such product"], "lines": ["needs a line"]}
    )

    assert lines.forms[1].errors == {"product": ["no such product"]}
    assert rest == {"lines": ["needs a line"]}


def test_record_a_return_link_prefills_the_return_form(
    admin_user, make_customer, make_order, client_for
):
    original = make_order(make_customer())
    c = client_for(admin_user)
    page = c.get(reverse("sales:order_detail", args=[original.pk])).content.decode()
    link = f"?customer={original.customer_id}&amp;kind=return&amp;original={original.number}"
    assert link in page

    form = c.get(
        reverse("sales:order_create"),
        {"customer": original.customer_id, "kind": "return", "original": original.number},
    ).context["form"]
    assert form["kind"].value() == "return"
    assert form["original_order_number"].value() == original.number
    assert [o.number for o in form.recent_orders] == [original.number]


def test_order_workflow_is_enforced_by_the_action_itself(make_customer, admin_user):
    from django.core.exceptions import ValidationError

    from kehu.crm.sales import actions

    order = actions.create_order(
        make_customer(),
        [{"description": "Service", "quantity": 1, "unit_price": 5}],
        by=admin_user,
    )
    with pytest.raises(ValidationError) as caught:
        actions.set_order_status(order, "completed")  # confirmed cannot jump to completed
    assert caught.value.error_dict["status"][0].code == "invalid_transition"
    actions.set_order_status(order, "shipped")
    actions.set_order_status(order, "completed")
    assert order.status == "completed"
