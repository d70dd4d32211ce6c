"""Membership and points as people click them, in a real browser: a customer joins on
the public page with the code texted to them (read from the SMS outbox), an order
earns points, the counter redeems a reward and an overspend is refused on the form,
and the balance shows on the customer's 360 page, in English and in Chinese."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.catalog.actions import create_product
from kehu.crm.loyalty import actions
from kehu.crm.loyalty.models import EarningRule, Membership, Reward
from kehu.crm.sales.actions import create_order, set_order_status
from tests.ids import start_ids_at

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-enough-secret"


@pytest.fixture
def world(settings, tmp_path) -> dict:
    settings.VAR_DIR = tmp_path  # the file SMS gateway writes under it
    start_ids_at(10_001)  # an id written 10,001 would break the links
    clerk, _pw = create_user("clerk", role="sales", password=PASSWORD)
    actions.save_setting(
        EarningRule(name="1 point per unit", kind="base", points_per_amount=Decimal("1"))
    )
    mug = actions.save_setting(Reward(name="Tea mug", points_cost=1000))
    pot = actions.save_setting(Reward(name="Tea pot", points_cost=5000))
    return {"clerk": clerk, "outbox": tmp_path / "sms" / "outbox.jsonl", "mug": mug, "pot": pot}


@pytest.fixture(autouse=True)
def no_console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    yield
    # a refused form answers 400 (the browser logs it); anything else is a fault
    assert [e for e in errors if "status of 400" not in e] == []


def _join_on_the_public_page(page, outbox) -> Membership:
    page.goto("/loyalty/join/")
    assert page.locator("#field-website").bounding_box()["x"] < -1000  # the honeypot: off screen
    page.fill("#id_name", "Chen Jie")
    page.fill("#id_mobile", "+86 139 1234 5678")
    page.check("#id_consent_sms")
    page.click("#join-form button[type=submit]")
    # the terms box left unticked: the form says what is missing
    assert "Tick this box to join" in page.inner_text("#join-form")
    page.check("#id_consent_terms")
    page.click("#join-form button[type=submit]")
    page.wait_for_url("**/loyalty/join/confirm/")
    assert "ending in 5678" in page.inner_text("main")
    text = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])["text"]
    page.fill("#id_code", re.search(r"\d{6}", text).group(0))
    page.click("#confirm-form button[type=submit]")
    assert "Chen Jie, you are a member now" in page.inner_text("#join-done")
    return Membership.objects.select_related("customer").get(mobile="8613912345678")


def _sign_in(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_join_earn_redeem_and_see_the_balance(page, world):
    membership = _join_on_the_public_page(page, world["outbox"])
    customer = membership.customer
    assert membership.pk > 10_000 and customer.pk > 10_000
    # the new customer is the clerk's; their order earns when the programme runs
    from kehu.crm.customers.actions import update_customer

    update_customer(customer, owner=world["clerk"])
    teapots = create_product(sku="TP-1", name="Teapot", unit_price=Decimal("1234.50"))
    order = create_order(customer, [{"product": teapots, "quantity": Decimal(1)}])
    set_order_status(order, "shipped")
    set_order_status(order, "completed")
    assert actions.run().earned == 1

    _sign_in(page)
    page.goto("/loyalty/")
    page.fill("input[name=q]", "1234 5678")
    page.press("input[name=q]", "Enter")
    page.click(f"#member-rows a[href='/loyalty/members/{membership.pk}/']")
    page.wait_for_url(f"**/loyalty/members/{membership.pk}/")
    assert page.inner_text("#points-balance") == "1,234"
    assert order.number in page.inner_text("#ledger")

    page.select_option("#id_reward", str(world["mug"].pk))
    page.click("#redeem-form button[type=submit]")
    page.wait_for_url(f"**/loyalty/members/{membership.pk}/")
    assert page.inner_text("#points-balance") == "234"
    assert "Tea mug" in page.inner_text("#ledger")

    page.select_option("#id_reward", str(world["pot"].pk))
    page.click("#redeem-form button[type=submit]")
    error = page.locator('ul.errorlist[data-field="reward"]').inner_text()
    assert "Tea pot costs 5000 points; the balance is 234." in error

    page.goto(f"/customers/{customer.pk}/")
    assert page.inner_text("#loyalty-balance") == "234"
    page.click("#loyalty-member h2 a")
    page.wait_for_url(f"**/loyalty/members/{membership.pk}/")

    set_language(world["clerk"], "zh-hans")
    page.goto(f"/customers/{customer.pk}/")
    assert page.locator("#loyalty-member h2").inner_text().startswith("会员积分")
    assert "等级" in page.inner_text("#loyalty-member")
    assert page.inner_text("#loyalty-balance") == "234"
    page.goto(f"/loyalty/members/{membership.pk}/")
    assert "积分明细" in page.inner_text("main, body")
