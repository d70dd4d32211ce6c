"""The staff pages: members list and export, a member's page with redeem and adjust,
enrolling a customer, levels, rules and rewards, messaging members."""

from __future__ import annotations

from typing import Any

import pytest

from kehu.crm.loyalty.actions import adjust
from kehu.crm.loyalty.models import Membership, PointsEntry, Reward


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", username="sam")


@pytest.fixture
def seller_client(seller: Any, client_for: Any) -> Any:
    return client_for(seller)


@pytest.fixture
def admin_client(make_user: Any, client_for: Any) -> Any:
    return client_for(make_user("admin", username="ada"))


def test_member_list_searches_by_mobile_and_shows_the_liability(
    member: Any, admin_client: Any, make_customer: Any, django_assert_max_num_queries: Any
) -> None:
    adjust(member, points=1234, reason="welcome", by=None)
    with django_assert_max_num_queries(12):
        page = admin_client.get("/loyalty/?q=0013800")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Li Na" in text and 'id="points-liability">1,234<' in text
    assert "Li Na" not in admin_client.get("/loyalty/?q=999999").content.decode()
    assert "Li Na" in admin_client.get("/loyalty/?min_balance=1234").content.decode()
    assert "Li Na" not in admin_client.get("/loyalty/?min_balance=1235").content.decode()
    assert admin_client.get("/loyalty/?min_balance=lots").status_code == 400


def test_member_list_export_has_the_balances(member: Any, admin_client: Any) -> None:
    adjust(member, points=70, reason="welcome", by=None)
    response = admin_client.get("/loyalty/members.csv")
    body = b"".join(response.streaming_content).decode()
    assert body.lstrip("\ufeff").startswith("mobile,customer_code,customer,level")
    assert "8613800138000" in body and body.strip().endswith(",70")


def test_a_bad_filter_is_a_400_that_names_it(admin_client: Any) -> None:
    response = admin_client.get("/loyalty/?status=gold")
    assert response.status_code == 400
    assert "status" in response.content.decode()


def test_redeem_on_the_member_page_and_an_overspend_refused(
    member: Any, admin_client: Any, make_reward: Any
) -> None:
    cup = make_reward("Tea cup", 100)
    adjust(member, points=150, reason="welcome", by=None)
    response = admin_client.post(f"/loyalty/members/{member.pk}/redeem/", {"reward": cup.pk})
    assert response.status_code == 302
    refused = admin_client.post(f"/loyalty/members/{member.pk}/redeem/", {"reward": cup.pk})
    assert refused.status_code == 400
    assert "costs 100 points; the balance is 50" in refused.content.decode()
    assert PointsEntry.objects.filter(kind="redeem").count() == 1


def test_adjust_needs_a_reason(member: Any, admin_client: Any) -> None:
    response = admin_client.post(f"/loyalty/members/{member.pk}/adjust/", {"points": 5})
    assert response.status_code == 400
    ok = admin_client.post(
        f"/loyalty/members/{member.pk}/adjust/", {"points": 5, "reason": "goodwill"}
    )
    assert ok.status_code == 302
    page = admin_client.get(f"/loyalty/members/{member.pk}/").content.decode()
    assert "goodwill" in page and 'id="points-balance">5<' in page


def test_a_seller_sees_only_the_members_among_their_customers(
    member: Any, seller: Any, seller_client: Any, make_customer: Any
) -> None:
    from kehu.crm.loyalty.actions import join

    own = make_customer("Own shop", owner=seller, phone="13911112222")
    mine = join(mobile=own.phone, channel="staff", customer=own)
    listing = seller_client.get("/loyalty/").content.decode()
    assert "Own shop" in listing and "Li Na" not in listing
    assert seller_client.get(f"/loyalty/members/{member.pk}/").status_code == 404
    assert seller_client.get(f"/loyalty/members/{mine.pk}/").status_code == 200
    assert seller_client.get("/loyalty/rules/new/").status_code == 403


def test_staff_enrol_a_customer_with_its_phone(admin_client: Any, make_customer: Any) -> None:
    customer = make_customer("Zhao Lei", kind="person", phone="+86 136 0000 1111")
    page = admin_client.get(f"/loyalty/enrol/{customer.pk}/")
    assert "+86 136 0000 1111" in page.content.decode()
    response = admin_client.post(f"/loyalty/enrol/{customer.pk}/", {"mobile": "+86 136 0000 1111"})
    assert response.status_code == 302
    membership = Membership.objects.get(customer=customer)
    assert (membership.mobile, membership.channel) == ("8613600001111", "staff")
    again = admin_client.post(f"/loyalty/enrol/{customer.pk}/", {"mobile": "13600001111"})
    assert again.status_code == 400
    assert "member already" in again.content.decode()


def test_rules_levels_and_rewards_are_edited_with_clear_errors(admin_client: Any) -> None:
    bad = admin_client.post(
        "/loyalty/rules/new/",
        {"earningrule-name": "Bonus", "earningrule-kind": "bonus", "earningrule-multiplier": "2"},
    )
    assert bad.status_code == 400
    assert "needs its first and last day" in bad.content.decode()
    bad_level = admin_client.post(
        "/loyalty/rules/levels/new/",
        {
            "membershiplevel-name": "Gold",
            "membershiplevel-rank": "1",
            "membershiplevel-tiers": "Gold,Silver",
            "membershiplevel-multiplier": "1",
        },
    )
    assert "Unknown tier Silver" in bad_level.content.decode()
    ok = admin_client.post(
        "/loyalty/rewards/new/",
        {"reward-name": "Tea cup", "reward-points_cost": "100", "reward-active": "on"},
    )
    assert ok.status_code == 302
    assert Reward.objects.get().name == "Tea cup"
    assert "Tea cup" in admin_client.get("/loyalty/rewards/").content.decode()


def test_message_members_makes_a_target_list_and_opens_the_campaign_form(
    member: Any, admin_client: Any
) -> None:
    from kehu.crm.marketing.models import TargetList

    response = admin_client.post("/loyalty/message/", {"level": ""})
    target_list = TargetList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/new/?target_list={target_list.pk}"
    assert list(target_list.members.values_list("customer_id", flat=True)) == [member.customer_id]
    form = admin_client.get(response["Location"]).content.decode()
    assert "Loyalty members" in form
