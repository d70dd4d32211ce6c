"""Receivables as a user clicks them, in a real browser: record a partial payment on an
invoice page (an overpayment is refused on the form first), then read the aged
receivables report, its chart drawn with data, in English and in Chinese."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.billing import actions
from kehu.crm.billing.models import Invoice
from kehu.crm.customers.actions import create_customer
from tests.ids import start_ids_at

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-enough-secret"
CHART = "figure[data-chart=aged-receivables]"


@pytest.fixture
def world() -> dict:
    start_ids_at(10_001)  # an id written 10,001 would break the links
    boss, _pw = create_user("boss", role="admin", password=PASSWORD)
    customer = create_customer(name="Lantern Trading Co", owner=boss)
    today = timezone.localdate()
    late = actions.create_invoice(
        customer,
        amount=Decimal("1250.00"),
        issued_on=today - timedelta(days=75),
        payment_terms_days=30,
    )
    actions.create_invoice(customer, amount=Decimal("300.00"), issued_on=today)
    return {"user": boss, "customer": customer, "late": late}


@pytest.fixture(autouse=True)
def no_console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield
    assert [e for e in errors if "422" not in e and "/favicon.ico" not in e] == []


def _sign_in(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _report(page) -> dict[str, str]:
    page.goto("/billing/aging/")
    page.wait_for_selector(f"{CHART} .js-plotly-plot .main-svg", state="attached")
    assert page.locator(f"{CHART} .js-plotly-plot .bars .point").count() == 5
    rows = page.locator(f"{CHART} table tbody tr")  # inside a closed <details>
    return {
        rows.nth(i).locator("th").text_content().strip(): rows.nth(i)
        .locator("td")
        .text_content()
        .strip()
        for i in range(rows.count())
    }


def test_a_partial_payment_then_the_aged_report_in_english_and_chinese(page, world):
    late = world["late"]
    _sign_in(page)
    page.goto(f"/billing/invoices/{late.pk}/")
    assert page.input_value("#id_amount") == "1250.00"
    page.fill("#id_amount", "2000")
    page.click("#payment-form button[type=submit]")
    error = page.locator('ul.errorlist[data-field="amount"]').inner_text()
    assert "1,250.00 left to pay" in error and "750.00" in error

    page.fill("#id_amount", "450")
    page.select_option("#id_method", "card")
    page.fill("#id_reference", "CARD-77")
    page.click("#payment-form button[type=submit]")
    page.wait_for_url(f"**/billing/invoices/{late.pk}/")
    assert page.inner_text("#open-amount") == "800.00"
    assert "CARD-77" in page.inner_text("#payments")
    late.refresh_from_db()
    assert (late.paid_amount, late.status) == (Decimal("450.00"), Invoice.Status.OPEN)

    english = _report(page)
    # 45 days past due: 800 left in 31-60; the new invoice is not yet due
    assert english["Current"] == "300.00" and english["31-60 days"] == "800.00"
    assert page.locator("#aging-table tfoot").inner_text().split()[-1] == "1,100.00"
    assert "Lantern Trading Co" in page.inner_text("#aging-table tbody")

    set_language(world["user"], "zh-hans")
    chinese = _report(page)
    assert chinese["未到期"] == "300.00" and chinese["31-60 天"] == "800.00"
    assert page.locator("h1").inner_text() == "应收账款账龄"
    assert page.locator(f"{CHART} figcaption").inner_text() == "按逾期天数的未付金额"
