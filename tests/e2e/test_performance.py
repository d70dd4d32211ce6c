"""Staff performance in the browser, in English and in Chinese: a manager opens their
team, sets a salesperson's target for this month and sees the attainment in the table
and on the person's page with its charts; the salesperson cannot open a colleague's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kehu.crm.accounts.actions import create_team, create_user, set_team
from kehu.crm.catalog.actions import create_product
from kehu.crm.customers.actions import create_customer
from kehu.crm.sales.actions import create_order

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"

WORDS = {
    "en": {"title": "Performance", "set": "Set target", "forbidden": "403"},
    "zh-hans": {"title": "业绩", "set": "设定目标", "forbidden": "403"},
}


@pytest.fixture
def team(request):
    language = request.param
    mia, _pw = create_user("mia", role="sales", password=PASSWORD, language=language)
    people = {"mia": mia}
    for name in ("sally", "steve"):
        people[name], _pw = create_user(name, role="sales", password=PASSWORD, language=language)
    north = create_team("North", manager=mia)
    set_team(people["sally"], north)
    set_team(people["steve"], north)
    tea = create_product(sku="TEA", name="Green tea", unit_price=Decimal("100.00"))
    customer = create_customer(name="Lantern Trading Co", owner=people["sally"])
    create_order(customer, [{"product": tea, "quantity": 3}], owner=people["sally"])  # 300
    return language, people


def _sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.mark.parametrize("team", ["en", "zh-hans"], indirect=True)
def test_a_manager_sets_a_target_and_sees_attainment(page, team):
    language, people = team
    words = WORDS[language]
    _sign_in(page, "mia")
    page.click(f"nav >> text={words['title']}")
    page.wait_for_url("**/performance/**")
    assert page.locator("h1").inner_text() == words["title"]
    page.goto("/performance/teams/")
    page.click("#team-list >> text=North")
    page.wait_for_url("**/performance/teams/*/")
    # the form offers this month by default; Mia picks Sally and 600
    page.select_option("#target-form select[name=user]", label="sally")
    page.fill("#target-form input[name=amount]", "600")
    page.click(f"#target-form button >> text={words['set']}")
    page.wait_for_selector("#targets tr[data-target=sally]")
    sally = page.locator("#performance-table tbody tr[data-person=sally]")
    assert sally.locator("td[data-col=attainment]").inner_text() == "50%"  # 300 of 600
    assert sally.locator("td[data-col=target]").inner_text() == "600.00"
    # her page: the same attainment and the revenue-against-target chart drawn
    sally.locator("a").click()
    page.wait_for_selector("figure[data-chart=revenue-target] .js-plotly-plot .main-svg")
    assert page.locator("#figure-attainment").inner_text() == "50%"
    chart_table = page.locator("figure[data-chart=revenue-target] table").text_content()
    assert "600.00" in chart_table and "300.00" in chart_table
    for key in ("win-rate", "pipeline-created"):
        page.wait_for_selector(f"figure[data-chart={key}] .js-plotly-plot .main-svg")


@pytest.mark.parametrize("team", ["en", "zh-hans"], indirect=True)
def test_a_salesperson_cannot_open_a_colleagues_page(page, team):
    _language, people = team
    _sign_in(page, "sally")
    own = page.goto(f"/performance/people/{people['sally'].pk}/")
    assert own is not None and own.status == 200
    assert page.locator("#figure-revenue").inner_text() == "300.00"
    colleague = page.goto(f"/performance/people/{people['steve'].pk}/")
    assert colleague is not None and colleague.status == 403
    team_page = page.goto("/performance/teams/1/")
    assert team_page is not None and team_page.status in (403, 404)
