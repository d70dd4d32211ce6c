"""Each role signs in and finds its dashboard on the home page, drawn by Plotly with data,
in English and in Chinese; clicking a bar of a chart opens the list behind it, showing
as many rows as the bar counted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.utils import timezone

import kehu.crm
from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.catalog.actions import create_product
from kehu.crm.customers.actions import create_customer
from kehu.crm.intelligence.models import CustomerScore, Segment, ValueRun
from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.crm.sales.actions import create_activity, create_opportunity, create_order
from kehu.crm.service.actions import change_status, open_ticket
from kehu.crm.service.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"

# the charts each role's home page draws, and the Chinese title of the first
CHARTS = {
    "sales": (["sales-pipeline", "sales-revenue", "sales-activities"], "我的未结商机（按阶段）"),
    "service": (
        ["service-open", "service-sla", "service-flow", "service-satisfaction"],
        "未关闭工单（按状态和优先级）",
    ),
    "marketing": (
        ["marketing-campaigns", "marketing-segments", "marketing-churn"],
        "进行中的营销活动：与对照组的转化对比",
    ),
    "analyst": (["analyst-pyramid"], "价值金字塔"),
    "admin": (["admin-users"], "各角色用户数"),
}


# every text node of an element, the plots' SVG text and the closed tables' included
TEXTS = """(root) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) texts.push(text);
  }
  return texts;
}"""


def _english_msgids() -> set[str]:
    """The interface messages whose Chinese differs from the English."""
    po = Path(kehu.crm.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"
    return {e.msgid for e in polib.pofile(str(po)) if e.msgstr and e.msgstr != e.msgid}


@pytest.fixture
def world(db):
    users = {role: create_user(f"{role}-user", role=role, password=PASSWORD)[0] for role in CHARTS}
    sally = users["sales"]
    run = ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=timezone.now())
    Segment.objects.create(
        run=run, key=1, name="Teahouse regulars", name_key="", size=3, share=1.0, value_share=1.0
    )
    customers = []
    for i, (tier, churn) in enumerate([("Gold", 0.8), ("Lead", 0.4), ("Lead", 0.1)]):
        customer = create_customer(name=f"Tea House {i}", owner=sally)
        CustomerScore.objects.create(
            customer=customer, run=run, tier=tier, churn_risk=churn, segment=1, predicted_clv=100
        )
        customers.append(customer)
    for amount in (500, 300):
        create_opportunity(
            customers[0],
            name=f"Deal {amount}",
            stage="proposal",
            amount=Decimal(amount),
            owner=sally,
        )
    create_opportunity(customers[1], name="Early", stage="qualification", owner=sally)
    tea = create_product(sku="TEA-1", name="Green tea", unit_price=Decimal("12.50"))
    create_order(customers[0], [{"product": tea, "quantity": Decimal(4)}], owner=sally)
    now = timezone.now()
    create_activity(owner=sally, subject="Call back", kind="call", due_at=now - timedelta(hours=3))
    late = open_ticket(customers[0], subject="Broken lid", priority="high")
    # its first response was due an hour ago: breached
    Ticket.objects.filter(pk=late.pk).update(first_response_due=now - timedelta(hours=1))
    open_ticket(customers[1], subject="Where is my order", priority="normal")
    open_ticket(customers[2], subject="Invoice copy", priority="normal")
    thanked = change_status(open_ticket(customers[2], subject="Thanks"), "resolved")
    Ticket.objects.filter(pk=thanked.pk).update(satisfaction_score=5)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Spring tea fair", goal="win_back", status="sent", starts_on=today, ends_on=today
    )
    for customer, group, converted in zip(
        customers, ["treated", "treated", "control"], [True, False, False], strict=True
    ):
        CampaignMember.objects.create(
            campaign=campaign, customer=customer, group=group, status="sent", converted=converted
        )
    return users


def _sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _charts_drawn_with_data(page, keys: list[str]) -> list[str]:
    """Each chart is drawn and its table holds a number other than zero; the titles."""
    titles = []
    for key in keys:
        figure = f"figure[data-chart={key}]"
        page.wait_for_selector(f"{figure} .js-plotly-plot .main-svg", state="attached")
        cells = page.locator(f"{figure} table tbody td").all_text_contents()
        assert any(c.strip() not in ("", "0", "—", "0.0%", "0%") for c in cells), (key, cells)
        titles.append(page.locator(f"{figure} figcaption").text_content())
    return titles


@pytest.mark.parametrize("role", list(CHARTS))
def test_each_role_sees_its_charts_drawn_in_english_and_chinese(page, world, role):
    user = world[role]
    keys, chinese_title = CHARTS[role]
    _sign_in(page, user.username)
    assert page.locator(f"#dashboard-{role}").count() == 1
    assert page.locator("section.dashboard").count() == 1  # no other role's block
    english = _charts_drawn_with_data(page, keys)

    set_language(user, "zh-hans")
    page.reload()
    chinese = _charts_drawn_with_data(page, keys)
    assert chinese[0] == chinese_title
    assert not set(english) & set(chinese)  # every title translated
    assert page.locator("html[lang=zh-hans]").count() == 1
    # no interface text of the dashboard (figures, tables, legends, axes) left in English
    shown = page.locator("section.dashboard").first.evaluate(TEXTS)
    untranslated = sorted(set(shown) & _english_msgids())
    assert not untranslated, untranslated


def _click_bar(page, key: str, index: int) -> None:
    bar = page.locator(f"figure[data-chart={key}] .js-plotly-plot .bars .point").nth(index)
    box = bar.bounding_box()
    assert box and box["height"] > 0
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_pipeline_bar_opens_the_filtered_opportunity_list_with_its_count(page, world):
    _sign_in(page, world["sales"].username)
    page.wait_for_selector("figure[data-chart=sales-pipeline] .js-plotly-plot .main-svg")
    row = page.locator("figure[data-chart=sales-pipeline] table tbody tr").nth(2)
    assert row.locator("th").text_content() == "Proposal"
    _click_bar(page, "sales-pipeline", 2)  # qualification, needs analysis, proposal
    page.wait_for_url("**/sales/opportunities/?stage=proposal&mine=1")
    assert "Open: 2 opportunities" in page.inner_text("#pipeline-totals")
    assert page.locator("main table tbody tr").count() == 2


def test_a_ticket_bar_opens_the_filtered_ticket_list_with_its_count(page, world):
    _sign_in(page, world["service"].username)
    page.wait_for_selector("figure[data-chart=service-open] .js-plotly-plot .main-svg")
    # the stack of Normal tickets (third series) on the New status: two tickets
    bar = page.locator("figure[data-chart=service-open] .js-plotly-plot .trace.bars").nth(2)
    point = bar.locator(".point").nth(0).bounding_box()
    assert point and point["height"] > 0
    page.mouse.click(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
    page.wait_for_url("**/service/tickets/?status=new&priority=normal")
    assert page.locator("#ticket-rows table tbody tr").count() == 2
