"""After an event, as a user clicks it in a real browser: on a fair whose visitors came,
enter a cost and create the follow-up (activities, a draft campaign, the survey emailed
through a loopback SMTP server); a visitor answers the survey on the public page from
the link in their email; the results page then shows the satisfaction, the cost against
the revenue and a bar that opens the orders behind it; the exhibitors page shows each
exhibitor's stage across the fair's editions; then both pages in Chinese. Ids start
above 10,000."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.attendance import actions
from kehu.crm.catalog.actions import create_product
from kehu.crm.customers.actions import create_customer
from kehu.crm.events.models import Event
from kehu.crm.sales.actions import create_order
from kehu.crm.sales.models import Activity
from tests.crm.marketing import conftest as marketing_fixtures
from tests.ids import start_ids_at

pytestmark = pytest.mark.django_db(transaction=True)
smtp_server = marketing_fixtures.smtp_server
smtp = marketing_fixtures.smtp
PASSWORD = "a-long-enough-secret"
LINK = re.compile(r"https?://\S+/e/survey/\w+/")
YEAR = timedelta(days=365)
SHOTS = Path("/tmp/shots")


@pytest.fixture(autouse=True)
def no_console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield
    assert [e for e in errors if "/favicon.ico" not in e] == []


def _exhibit(event, customer, price="1000"):
    p = actions.add_participant(event, name=customer.name, kind="exhibitor", customer=customer)
    booth = actions.create_booth(event, code=f"S{p.pk}", size_m2=Decimal(9), price=Decimal(price))
    actions.book_booth(booth, exhibitor=p)
    actions.assign_booth(booth, exhibitor=p)
    return p


@pytest.fixture
def world():
    start_ids_at(10_001)
    boss, _pw = create_user("boss", role="admin", password=PASSWORD)
    seller, _pw = create_user("seller", role="sales", password=PASSWORD)
    today = timezone.localdate()
    fairs = []
    for i in range(3, -1, -1):  # three earlier editions, then this year's
        starts = today - timedelta(days=10) - i * YEAR
        fairs.append(
            Event.objects.create(
                name=f"Tea Fair {starts.year}",
                slug=f"tea-fair-{starts.year}",
                kind=Event.Kind.FAIR,
                status=Event.Status.OPEN,
                starts_on=starts,
                ends_on=starts + timedelta(days=2),
            )
        )
    fair = fairs[-1]
    steady, lapsed = create_customer(name="Steady Cups Ltd"), create_customer(name="Lapsed Pots")
    for e in fairs:
        _exhibit(e, steady)
    for e in fairs[:2]:
        _exhibit(e, lapsed)
    acme = create_customer(name="Acme Tea Co", owner=seller)
    li = actions.add_participant(fair, name="Li Lei", customer=acme, email="li@acme.example")
    actions.check_in(fair, li.badge_code)
    zhao = actions.register(fair, name="Zhao Min", email="zhao@new.example").participant
    actions.check_in(fair, zhao.badge_code)
    ordered = datetime.combine(fair.ends_on + timedelta(days=3), time(11))
    oolong = create_product(sku="OOL-40", name="Oolong, 40 kg", unit_price=Decimal(6000))
    create_order(
        acme, [{"product": oolong, "quantity": Decimal(1)}], ordered_at=timezone.make_aware(ordered)
    )
    return {"boss": boss, "fair": fair, "acme": acme, "li": li}


def _sign_in(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_follow_up_survey_results_and_exhibitor_stages(page, live_server, settings, smtp, world):
    settings.KEHU_SITE_URL = live_server.url  # the survey link in the email leads here
    fair = world["fair"]
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page)
    page.goto(f"/events/{fair.pk}/results/")
    assert fair.pk > 10_000

    # a cost, entered on the page
    page.select_option("#cost-form #id_category", "venue")
    page.fill("#cost-form #id_amount", "2000")
    page.fill("#cost-form #id_note", "Hall rent")
    page.click("#cost-form button[type=submit]")
    page.wait_for_url(f"**/events/{fair.pk}/results/#costs")
    assert "Hall rent" in page.inner_text("#costs")

    # one click follows the fair up
    page.click("#follow-up-form button[type=submit]")
    page.wait_for_selector("#follow-up-done")
    assert "Follow-up created" in page.inner_text("ul.messages")
    activity = Activity.objects.get(customer=world["acme"])
    assert activity.owner.username == "seller" and "Li Lei" in activity.notes
    assert Activity.objects.filter(subject__contains="Zhao Min").exists()  # the lead
    page.click("#follow-up-campaign")
    page.wait_for_url(re.compile(r".*/marketing/\d+/$"))
    assert "Tea Fair" in page.inner_text("h1")

    # the visitor answers from the link in their email, without signing in
    link = LINK.search(smtp.to("li@acme.example")[0].get_content()).group(0)
    visitor = page.context.browser.new_context(locale="en-US").new_page()
    visitor.goto(link)
    visitor.check("input[name=rating][value='4']")
    visitor.check("input[name=would_return][value=yes]")
    visitor.fill("textarea[name=comment]", "Good buyers")
    visitor.click("#survey-form button[type=submit]")
    assert "Thank you, Li Lei" in visitor.inner_text("#survey-thanks")
    visitor.context.close()

    # the results: satisfaction, cost against revenue, a bar that opens its list
    page.goto(f"/events/{fair.pk}/results/")
    assert page.inner_text("#satisfaction-mean") == "4.00 / 5"
    assert page.inner_text("#total-cost") == "2,000.00"
    assert page.inner_text("#total-revenue") == "7,000.00"  # 6,000 of orders, a 1,000 booth
    assert page.inner_text("#roi") == "250%"
    money = "figure[data-chart=event-money]"
    page.wait_for_selector(f"{money}.chart-drawn .js-plotly-plot .main-svg")
    orders = page.locator(f"{money} .js-plotly-plot .trace.bars").nth(2).locator(".point")
    orders.first.scroll_into_view_if_needed()
    box = orders.first.bounding_box()
    assert box and box["height"] > 0
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/events/{fair.pk}/results/orders/?days=90")
    assert "Acme Tea Co" in page.inner_text("#results-rows")
    assert "6,000.00" in page.inner_text("#results-rows")

    # across the editions: Steady is a regular, Lapsed stopped coming
    page.goto("/events/exhibitors/")
    page.wait_for_selector("figure[data-chart=exhibitor-stages] .js-plotly-plot .main-svg")
    rows = page.locator("#exhibitor-table tbody tr")
    stages = {
        rows.nth(i).locator("td").nth(0).inner_text(): rows.nth(i).locator("td").nth(2).inner_text()
        for i in range(rows.count())
    }
    assert stages["Steady Cups Ltd"].startswith("Stability")
    assert stages["Lapsed Pots"].startswith("Decline")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "h6-e2e-exhibitors.png"), full_page=True)

    # in Chinese
    set_language(world["boss"], "zh-hans")
    page.goto(f"/events/{fair.pk}/results/")
    assert "成本回报率" in page.inner_text("#results-figures")
    page.wait_for_selector("figure[data-chart=event-money] .js-plotly-plot .main-svg")
    assert page.locator("figure[data-chart=event-money] figcaption").inner_text() == (
        "成本与收入及销售管道对比"
    )
    page.goto("/events/exhibitors/")
    assert "稳定期" in page.inner_text("#exhibitor-table")
    assert page.locator("h1").inner_text() == "历次活动的展商"
