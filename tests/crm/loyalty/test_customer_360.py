"""The customer 360 page shows the member's points, level and latest entries, or offers
to enrol a customer who is not a member."""

from __future__ import annotations

from typing import Any

from kehu.crm.loyalty.actions import adjust
from kehu.crm.loyalty.models import MembershipLevel


def test_the_360_page_shows_balance_and_level(
    member: Any, make_user: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    gold = MembershipLevel.objects.create(name="Gold", rank=1)
    type(member).objects.filter(pk=member.pk).update(level=gold)
    adjust(member, points=2500, reason="welcome", by=None)
    page = client_for(make_user("admin")).get(f"/customers/{member.customer_id}/")
    text = page.content.decode()
    assert 'id="loyalty-balance">2,500<' in text
    assert 'id="loyalty-level">Gold<' in text
    assert f"/loyalty/members/{member.pk}/" in text


def test_the_360_page_offers_to_enrol_a_customer(
    make_customer: Any, make_user: Any, client_for: Any
) -> None:
    seller = make_user("sales")
    customer = make_customer("Walk-in", phone="13900001111", owner=seller)
    text = client_for(seller).get(f"/customers/{customer.pk}/").content.decode()
    assert "Not a member." in text
    assert f"/loyalty/enrol/{customer.pk}/" in text
