"""The customer and product pickers reach every record the user may see, by the customer
search's terms, and the server checks every chosen id."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.crm.sales.test_views_orders import order_post

from kehu.crm.sales.models import Opportunity, Order

pytestmark = pytest.mark.django_db


def options(client, url, name, text):
    response = client.get(url, {"name": name, f"{name}__q": text})
    assert response.status_code == 200
    return response.text


def test_customer_picker_finds_customers_far_beyond_the_old_cap_of_500(
    admin_user, make_customer, client_for
):
    from kehu.crm.customers.models import Customer, CustomerSearchTerm

    bulk = Customer.objects.bulk_create(
        Customer(code=f"B{i:07d}", name=f"Bulk {i:04d}") for i in range(600)
    )
    CustomerSearchTerm.objects.bulk_create(
        CustomerSearchTerm(customer_id=c.pk, term="bulk")
        for c in Customer.objects.filter(pk__in=[c.pk for c in bulk])
    )
    zhang = make_customer(
        "Zhang Wei Trading", email="buyer@zhangwei.example", phone="+86 21 5555 0199"
    )
    c = client_for(admin_user)
    url = reverse("customers:pick")

    for text in ("zhang", "wei trad", zhang.code.lower(), "buyer@zhangwei", "+86 21 5555"):
        assert f'value="{zhang.pk}"' in options(c, url, "customer", text), text
    assert "Nothing matches" in options(c, url, "customer", "nobody-like-this")
    assert "more match" in options(c, url, "customer", "bulk")


def test_sales_user_picks_only_own_customers(make_user, make_customer, client_for):
    sally = make_user("sales")
    mine = make_customer("Lantern Mine", owner=sally)
    theirs = make_customer("Lantern Theirs", owner=make_user("sales"))
    found = options(client_for(sally), reverse("customers:pick"), "customer", "lantern")
    assert f'value="{mine.pk}"' in found and f'value="{theirs.pk}"' not in found
    manager = client_for(make_user("sales", manager=True))
    assert f'value="{theirs.pk}"' in options(
        manager, reverse("customers:pick"), "customer", "lantern"
    )


def test_a_posted_id_the_user_may_not_see_is_a_clear_form_error(
    make_user, make_customer, make_product, client_for
):
    sally = make_user("sales")
    theirs = make_customer("Theirs Co", owner=make_user("sales"))
    line = [{"product": make_product().pk, "quantity": "1"}]
    c = client_for(sally)
    for pk in (theirs.pk, 999_999, "12abc", 2**70):
        data = {**order_post(theirs, line), "customer": pk}
        response = c.post(reverse("sales:order_create"), data)
        assert response.status_code == 422
        errors = response.context["form"].errors.as_data()["customer"]
        assert errors[0].code in ("not_visible", "no_match"), pk
    assert "No customer #" in response.text or "No customer" in response.text
    assert not Order.objects.exists()


def test_without_javascript_typed_text_with_one_match_is_taken(
    admin_user, make_customer, make_product, client_for
):
    acme = make_customer("Acme Trading")
    make_customer("Zeta Foods")
    data = order_post(acme, [{"product": make_product().pk, "quantity": "1"}])
    data.update(customer="", customer__q="acme")
    response = client_for(admin_user).post(reverse("sales:order_create"), data)
    assert response.status_code == 302
    assert Order.objects.get().customer == acme


def test_without_javascript_several_matches_are_listed_to_choose_from(
    admin_user, make_customer, make_product, client_for
):
    one, two = make_customer("Lantern East"), make_customer("Lantern West")
    data = order_post(one, [{"product": make_product().pk, "quantity": "1"}])
    data.update(customer="", customer__q="lantern")
    response = client_for(admin_user).post(reverse("sales:order_create"), data)
    assert response.status_code == 422
    assert response.context["form"].errors.as_data()["customer"][0].code == "ambiguous"
    assert "2 matches for “lantern”" in response.text
    for customer in (one, two):
        assert f'type="radio" name="customer" value="{customer.pk}"' in response.text


def test_text_typed_over_a_preselected_customer_wins(
    admin_user, make_customer, make_product, client_for
):
    acme, zeta = make_customer("Acme Trading"), make_customer("Zeta Foods")
    data = order_post(acme, [{"product": make_product().pk, "quantity": "1"}])
    data["customer__q"] = "zeta"  # acme's radio still posted, but the user typed zeta
    client_for(admin_user).post(reverse("sales:order_create"), data)
    assert Order.objects.get().customer == zeta


def test_preselected_customer_shows_its_name_on_every_form(admin_user, make_customer, client_for):
    customer = make_customer("Preselected Lantern Co")
    c = client_for(admin_user)
    for url in ("sales:order_create", "sales:opportunity_create", "service:ticket_create"):
        page = c.get(reverse(url), {"customer": customer.pk}).text
        assert f'value="Preselected Lantern Co ({customer.code})"' in page, url
        assert (
            f'value="{customer.pk}" data-label="Preselected Lantern Co ({customer.code})" checked'
            in page
        )


def test_opportunity_and_ticket_save_with_a_picked_customer(admin_user, make_customer, client_for):
    customer = make_customer("Picked Co")
    c = client_for(admin_user)
    response = c.post(
        reverse("sales:opportunity_create"),
        {
            "name": "Deal",
            "customer": customer.pk,
            "customer__q": f"Picked Co ({customer.code})",
            "stage": "qualification",
            "amount": "100",
        },
    )
    assert response.status_code == 302
    assert Opportunity.objects.get().customer == customer
    response = c.post(
        reverse("service:ticket_create"),
        {
            "customer": customer.pk,
            "customer__q": "",
            "type": "inquiry",
            "priority": "normal",
            "channel": "phone",
            "subject": "Where is my tea?",
        },
    )
    assert response.status_code == 302, response.context["form"].errors


def test_product_picker_finds_by_sku_and_name_and_order_takes_typed_sku(
    admin_user, make_customer, make_product, client_for
):
    kettle = make_product("Copper kettle", sku="KET-001")
    make_product("Tea cup", sku="CUP-001")
    c = client_for(admin_user)
    url = reverse("catalog:product_pick")
    assert f'value="{kettle.pk}"' in options(c, url, "lines-0-product", "ket-0")
    assert f'value="{kettle.pk}"' in options(c, url, "lines-0-product", "kettle")
    assert 'data-price="' in options(c, url, "lines-0-product", "kettle")

    data = order_post(make_customer(), [{"product": "", "product__q": "KET-001", "quantity": "2"}])
    response = c.post(reverse("sales:order_create"), data)
    assert response.status_code == 302
    assert Order.objects.get().lines.get().product == kettle
