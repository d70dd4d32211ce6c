"""The 360 page shows the customer's website, as a link only when it is a web address
(a value such as ``javascript:...`` that reached the database another way stays text)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kehu.crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_the_website_is_a_link_that_opens_apart(
    make_customer: Callable[..., object], admin_user: object, client_for: Callable[..., object]
) -> None:
    customer = make_customer("Web Shop Ltd", website="https://shop.example/about?a=1&b=2")
    html = client_for(admin_user).get(customer.get_absolute_url()).content.decode()
    assert (
        '<a href="https://shop.example/about?a=1&amp;b=2" rel="noopener noreferrer nofollow"'
        ' target="_blank">https://shop.example/about?a=1&amp;b=2</a>'
    ) in html


def test_a_website_that_is_not_a_web_address_is_shown_as_text(
    make_customer: Callable[..., object], admin_user: object, client_for: Callable[..., object]
) -> None:
    customer = make_customer("Odd Ltd")
    Customer.objects.filter(pk=customer.pk).update(website='javascript:alert("x")')
    html = client_for(admin_user).get(customer.get_absolute_url()).content.decode()
    assert 'id="customer-website">javascript:alert(&quot;x&quot;)</dd>' in html
    assert 'href="javascript' not in html


def test_no_website_row_when_there_is_none(
    make_customer: Callable[..., object], admin_user: object, client_for: Callable[..., object]
) -> None:
    customer = make_customer("Offline Ltd")
    html = client_for(admin_user).get(customer.get_absolute_url()).content.decode()
    assert "customer-website" not in html
