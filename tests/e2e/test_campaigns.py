"""A marketing user closes the loop in the browser: filters the customer list to a
tier and a segment, saves it as a target list, creates an email campaign with a
control group, sends it through a real SMTP server on loopback, a recipient follows
the tracked link in the message they got, a targeted customer orders, and the
campaign page reads the uplift over the control group and the return on its cost,
in English and in Chinese, on a desktop and on a phone."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from kehu.crm.accounts.actions import create_user
from kehu.crm.catalog.actions import create_product
from kehu.crm.customers.actions import create_customer
from kehu.crm.intelligence.models import CustomerScore, Segment, ValueRun
from kehu.crm.marketing import views
from kehu.crm.marketing.models import Campaign, CampaignMember
from kehu.crm.marketing.results import campaign_results
from kehu.crm.marketing.sending import send_campaign
from kehu.crm.sales.actions import create_order
from tests.crm.marketing import conftest as marketing_fixtures

pytestmark = pytest.mark.django_db(transaction=True)
# the loopback SMTP server of the marketing tests
smtp_server = marketing_fixtures.smtp_server
smtp = marketing_fixtures.smtp
PASSWORD = "a-long-enough-secret"
SHOTS = Path("/tmp/shots")
TRACKED = re.compile(r"https?://\S+/marketing/t/c/\S+?/(?=\s|$)")


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def sends_in_the_server(monkeypatch):
    """The send runs inside the live server instead of a detached `kehu campaign send`
    process, which could not see the test's database; the code is the same."""
    monkeypatch.setattr(views, "launch_send", lambda campaign: send_campaign(campaign))


@pytest.fixture
def scored_customers():
    """60 Gold customers of the "Big spenders" segment who may be emailed, and 10 Lead
    customers of another segment who are not in the target list."""
    run = ValueRun.objects.create(status=ValueRun.Status.DONE)
    Segment.objects.create(
        run=run, key=1, name="Big spenders", name_key="", size=60, share=0.8, value_share=0.9
    )
    Segment.objects.create(
        run=run, key=2, name="Sleepers", name_key="", size=10, share=0.2, value_share=0.1
    )
    customers = []
    for i in range(70):
        gold = i < 60
        customer = create_customer(
            name=f"{'Gold' if gold else 'Lead'} buyer {i:02d}",
            email=f"buyer{i}@example.com",
            consent_email=True,
        )
        CustomerScore.objects.create(
            customer=customer, run=run, tier="Gold" if gold else "Lead", segment=1 if gold else 2
        )
        customers.append(customer)
    return customers


def _text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_target_send_track_order_and_read_the_uplift(
    page, live_server, settings, smtp, scored_customers, sends_in_the_server
):
    settings.KEHU_SITE_URL = live_server.url  # the links in the messages lead here
    create_user("mia", role="marketing", password=PASSWORD)
    page.goto("/login/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    # the customer list, filtered to the Gold customers of one segment
    page.goto("/customers/")
    page.select_option("select[name=tier]", "Gold")
    page.select_option("select[name=cluster]", "1")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_url("**cluster=1**")
    page.click("text=Save as target list")
    page.wait_for_selector("#target-list-form")
    assert "Tier: Gold" in page.inner_text("#filter-words")
    assert "Segment: Big spenders" in page.inner_text("#filter-words")
    assert "60 customers match now." in page.inner_text("#live-count")
    _shoot(page, "target-list-form-en")
    page.fill("#id_name", "Gold big spenders")
    page.click("#target-list-form button[type=submit]")
    page.wait_for_selector("#target-list-facts")
    assert page.inner_text("#size") == "60"
    _shoot(page, "target-list-en")

    # an email campaign with a quarter held out as the control group
    page.click("text=New campaign for this list")
    page.wait_for_selector("#campaign-form")
    page.fill("#id_name", "Gold spring offer")
    page.select_option("#id_goal", "cross_sell")
    page.wait_for_function(
        "() => document.querySelector('#id_subject_en').value.startsWith('Picked for you')"
    )
    page.fill("#id_control_share", "25")
    page.fill("#id_cost", "50")
    page.fill(
        "#id_body_en",
        "Dear {{ customer.greeting_name }},\n\nOur spring offer: " + live_server.url + "/login/",
    )
    _shoot(page, "campaign-form-en")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_selector("#campaign-facts")
    campaign = Campaign.objects.get()
    assert campaign.channels == ["email"] and campaign.control_share == pytest.approx(0.25)
    # any customer's message, before anything is sent, in both languages
    page.fill("#id_customer", "Gold buyer 05")
    page.click("#id_customer-options label:has-text('Gold buyer 05')")
    page.wait_for_selector("#preview .preview-message")
    assert "Dear Gold buyer 05" in page.inner_text("#preview [data-language=en]")
    assert "尊敬的Gold buyer 05" in page.inner_text("#preview [data-language=zh-hans]")
    assert not CampaignMember.objects.exists() and not smtp.messages
    _shoot(page, "campaign-draft-en")

    # the send goes through SMTP on loopback
    page.click("#send")
    page.wait_for_selector("#campaign-progress")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    treated = CampaignMember.objects.filter(campaign=campaign, group="treated")
    control = CampaignMember.objects.filter(campaign=campaign, group="control")
    assert treated.count() + control.count() == 60 and control.exists()
    assert len(smtp.messages) == treated.count()
    assert not {m.address for m in control} & {m["To"] for m in smtp.messages}
    assert f"sent {treated.count()}" in page.inner_text("#progress-counts")

    # a recipient follows the tracked link of the message they got
    first = treated.select_related("customer").order_by("id").first()
    (message,) = smtp.to(first.address)
    link = TRACKED.search(_text(message)).group(0)
    page.goto(link)
    page.wait_for_url("**/")
    first.refresh_from_db()
    assert first.clicked_at is not None and first.opened_at is not None

    # targeted customers order in the campaign's window
    product = create_product(sku="TEA-1", name="Spring tea", unit_price=Decimal("400"))
    for member in treated.order_by("id")[:4]:
        create_order(member.customer, [{"product": product, "quantity": 1}])

    page.goto(f"/marketing/{campaign.pk}/")
    page.click("#refresh")
    page.wait_for_selector("#results")
    results = campaign_results(campaign)
    uplift, roi = results.overall.conversion_uplift, results.roi
    assert results.overall.treated.converted == 4 and results.overall.control.converted == 0
    assert f"{100 * uplift.value:.1f}% points" in page.inner_text("#conversion-uplift")
    assert f"{100 * roi.value:.0f}%" in page.inner_text("#roi")
    assert "Gold" in page.inner_text("#results")
    assert "Big spenders" in page.inner_text("#results")
    _shoot(page, "campaign-results-en")

    # the same page in Chinese
    page.select_option("#language-form select", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    assert "相对对照组的效果" in page.inner_text("#results")
    assert "个百分点" in page.inner_text("#conversion-uplift")
    _shoot(page, "campaign-results-zh")
    page.goto(f"/marketing/lists/{campaign.target_list_id}/")
    _shoot(page, "target-list-zh")
    page.goto("/marketing/")
    _shoot(page, "campaign-list-zh")
