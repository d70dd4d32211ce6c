"""The main menu of each role, entry by entry and in order, as the apps declare it
(``AppConfig.nav``); the expected menus are those base.html listed by hand before."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]*)">([^<]*)</a>')

DESK = [
    ("/customers/", "Customers"),
    ("/leads/", "Leads"),
    ("/sales/orders/", "Orders"),
    ("/sales/opportunities/board/", "Pipeline"),
    ("/sales/activities/", "Activities"),
    ("/performance/", "Performance"),  # everyone sees at least their own figures
]
SALES_DESK = [
    *DESK,
    ("/billing/invoices/", "Invoices"),
    ("/events/", "Events"),
    ("/service/tickets/", "Tickets"),
    ("/engagement/", "Interactions"),
    ("/catalog/products/", "Products"),
    ("/marketing/", "Campaigns"),  # every role but service reads campaigns
    ("/loyalty/", "Loyalty"),
]
MENUS = {
    ("admin", False): [
        *SALES_DESK,
        ("/intelligence/", "Intelligence"),
        ("/reports/", "Reports"),
        ("/automation/", "Automation"),
        ("/imports/", "Imports"),
        ("/admin/", "Administration"),
    ],
    ("sales", False): SALES_DESK,
    ("sales", True): [
        *SALES_DESK,
        ("/intelligence/", "Intelligence"),
        ("/reports/", "Reports"),
        ("/imports/duplicates/", "Possible duplicates"),
    ],
    ("service", False): [
        ("/customers/", "Customers"),
        ("/leads/", "Leads"),
        ("/sales/orders/", "Orders"),
        ("/sales/activities/", "Activities"),
        ("/performance/", "Performance"),
        ("/billing/invoices/", "Invoices"),
        ("/events/", "Events"),
        ("/service/tickets/", "Tickets"),
        ("/engagement/", "Interactions"),
        ("/catalog/products/", "Products"),
        ("/loyalty/", "Loyalty"),
        ("/intelligence/", "Intelligence"),
        ("/reports/", "Reports"),
    ],
    ("marketing", False): [
        *DESK,  # no invoices
        ("/events/", "Events"),
        ("/service/tickets/", "Tickets"),
        ("/engagement/", "Interactions"),
        ("/catalog/products/", "Products"),
        ("/marketing/", "Campaigns"),
        ("/loyalty/", "Loyalty"),
        ("/intelligence/", "Intelligence"),
        ("/reports/", "Reports"),
        ("/automation/", "Automation"),
    ],
    ("analyst", False): [
        *SALES_DESK,
        ("/intelligence/", "Intelligence"),
        ("/reports/", "Reports"),
        ("/automation/", "Automation"),
        ("/imports/", "Imports"),
    ],
}


def _menu(client: object) -> list[tuple[str, str]]:
    page = client.get("/").content.decode()  # type: ignore[attr-defined]
    return LINK.findall(NAV.search(page).group(1))


@pytest.mark.parametrize(("role", "manager"), MENUS.keys(), ids=lambda v: str(v))
def test_each_role_sees_its_menu_in_order(
    role: str,
    manager: bool,
    make_user: Callable[..., object],
    client_for: Callable[[object], object],
) -> None:
    client = client_for(make_user(role, manager=manager))
    assert _menu(client) == MENUS[(role, manager)]


def test_the_menu_reads_in_the_users_language(
    make_user: Callable[..., object], client_for: Callable[[object], object]
) -> None:
    client = client_for(make_user("analyst", language="zh-hans"))
    assert [label for _url, label in _menu(client)] == [
        "客户",
        "线索",
        "订单",
        "销售漏斗",
        "活动",
        "业绩",
        "发票",
        "会展活动",
        "工单",
        "互动记录",
        "产品",
        "营销活动",
        "会员积分",
        "客户洞察",
        "报表",
        "自动化",
        "数据导入",
    ]


def test_the_menu_is_built_only_when_a_page_reads_it(make_user: Callable[..., object]) -> None:
    """A page's frame reads the menu; an htmx fragment does not, and must not pay for the
    permission and role queries behind it."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from kehu.crm.accounts.context_processors import navigation

    request = RequestFactory().get("/")
    request.user = make_user("sales")
    with CaptureQueriesContext(connection) as building:
        menu = navigation(request)["main_menu"]
    assert len(building) == 0
    with CaptureQueriesContext(connection) as reading, translation.override("en"):
        labels = [str(label) for label, _url in menu]
    assert len(reading) > 0
    assert labels == [label for _url, label in MENUS[("sales", False)]]
