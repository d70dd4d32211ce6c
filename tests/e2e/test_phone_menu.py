"""On a phone (390 px) the navigation folds behind the Menu switch: hidden at first, shown
by a tap or by the keyboard, and the page never scrolls sideways."""

from __future__ import annotations

import pytest

from kehu.crm.accounts.actions import create_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_menu_opens_by_tap_and_by_keyboard_at_phone_width(page) -> None:
    create_user("chen", role="admin", password="a-long-enough-secret")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/login/")
    page.fill("#id_username", "chen")
    page.fill("#id_password", "a-long-enough-secret")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    orders = page.locator("header nav a", has_text="Orders")

    assert not orders.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("label.menu-toggle")
    assert orders.is_visible()
    orders.click()
    page.wait_for_url("**/sales/orders/")
    assert not orders.is_visible()

    page.focus("#menu-open")
    page.keyboard.press("Space")
    assert orders.is_visible()


def test_the_navigation_is_a_row_on_a_desktop(page) -> None:
    create_user("zhou", role="admin", password="a-long-enough-secret")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/login/")
    page.fill("#id_username", "zhou")
    page.fill("#id_password", "a-long-enough-secret")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("header nav a", has_text="Orders").is_visible()
    assert not page.locator("label.menu-toggle").is_visible()
