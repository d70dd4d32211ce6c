"""The loyalty API: a customer's membership, its ledger, redeeming (4xx with reasons)."""

from __future__ import annotations

from typing import Any

from kehu.crm.loyalty.actions import adjust


def test_membership_ledger_and_redeem(
    member: Any, make_reward: Any, api_for: Any, make_user: Any
) -> None:
    client = api_for(make_user("admin"))
    adjust(member, points=120, reason="welcome", by=None)
    cup = make_reward("Tea cup", 100)
    got = client.get(f"/customers/{member.customer_id}/membership")
    assert got.status_code == 200
    assert (got.json()["balance"], got.json()["mobile"]) == (120, "8613800138000")
    redeemed = client.post(
        f"/customers/{member.customer_id}/membership/redeem", {"reward_id": cup.pk}
    )
    assert redeemed.status_code == 201 and redeemed.json()["balance"] == 20
    refused = client.post(
        f"/customers/{member.customer_id}/membership/redeem", {"reward_id": cup.pk}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reward_id"
    assert "the balance is 20" in refused.json()["errors"][0]["message"]
    ledger = client.get(f"/customers/{member.customer_id}/membership/ledger").json()
    assert [e["kind"] for e in ledger["items"]] == ["redeem", "adjust"]


def test_not_a_member_is_a_404_with_a_message(
    make_customer: Any, api_for: Any, make_user: Any
) -> None:
    customer = make_customer("Walk-in")
    response = api_for(make_user("admin")).get(f"/customers/{customer.pk}/membership")
    assert response.status_code == 404
    assert "not a member" in response.json()["detail"]
