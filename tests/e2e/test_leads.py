"""Leads as a visitor and a seller click them, in a real browser: a visitor leaves their
details on the public form (no sign-in) and again with another spelling of the same
email (caught: one lead); the seller qualifies the lead and converts it, and the
customer, its contact and the opportunity appear; a lead typed in by staff with an
existing customer's email is reported as that customer; the list in Chinese."""

from __future__ import annotations

import pytest

from kehu.crm.accounts.actions import create_user, set_language
from kehu.crm.customers.actions import create_customer
from kehu.crm.leads.models import Lead
from kehu.crm.sales.models import Opportunity
from tests.ids import start_ids_at

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-enough-secret"


@pytest.fixture
def world() -> dict:
    start_ids_at(10_001)  # an id written 10,001 would break the links
    boss, _pw = create_user("boss", role="admin", password=PASSWORD)
    lantern = create_customer(name="Lantern Trading Co", email="buyer@lantern.example", owner=boss)
    return {"user": boss, "lantern": lantern}


@pytest.fixture(autouse=True)
def no_console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield
    assert [e for e in errors if "/favicon.ico" not in e] == []


def _sign_in(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _public_form(page, **fields: str) -> None:
    page.goto("/leads/form/web/")
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.click("#public-lead-form button[type=submit]")
    page.wait_for_url("**/leads/form/web/thanks/")
    assert "get back to you" in page.inner_text("#thanks")


def test_capture_on_the_public_form_qualify_and_convert(page, world):
    _public_form(page, name="Mei Chen", email="mei@harbour.example", company="Harbour Foods")
    _public_form(page, name="Mei Chen", email="MEI@Harbour.example", title="Purchasing Manager")
    lead = Lead.objects.get()  # the second visit was caught on the way in
    assert (lead.pk > 10_000, lead.title, lead.company) == (
        True,
        "Purchasing Manager",
        "Harbour Foods",
    )

    _sign_in(page)
    page.click("nav >> text=Leads")
    page.click("#leads >> text=Mei Chen")
    page.wait_for_url(f"**/leads/{lead.pk}/")
    page.click("#qualify")
    assert page.inner_text("#lead-status") == "Qualified"
    assert "New → Qualified" in page.inner_text("#timeline")

    page.click("#convert")
    page.wait_for_url(f"**/leads/{lead.pk}/convert/")
    assert page.is_checked("input[name=customer][value=new]")
    page.fill("#id_opportunity_name", "Harbour Foods cold chain")
    page.fill("#id_amount", "25000")
    page.click("#convert-form button[type=submit]")
    page.wait_for_url(f"**/leads/{lead.pk}/")
    assert page.inner_text("#lead-status") == "Converted"
    conversion = page.inner_text("#conversion")
    assert "Harbour Foods" in conversion and "Mei Chen" in conversion
    assert "Harbour Foods cold chain" in conversion
    opportunity = Opportunity.objects.get()
    assert opportunity.amount == 25000 and opportunity.customer.name == "Harbour Foods"

    page.click("#conversion >> a >> nth=0")  # the new customer's page
    page.wait_for_url(f"**/customers/{opportunity.customer_id}/")
    assert "Mei Chen" in page.content()


def test_staff_capture_reports_the_existing_customer(page, world):
    _sign_in(page)
    page.goto("/leads/new/")
    page.fill("#id_name", "Lantern buyer")
    page.fill("#id_email", "Buyer@Lantern.example")
    page.click("#lead-form button[type=submit]")
    page.wait_for_url("**/leads/1000*/")
    assert "probably the existing customer Lantern Trading Co" in page.inner_text(".messages")
    assert "Lantern Trading Co" in page.inner_text("#matches")
    page.click("#convert")
    assert page.is_checked(f"input[name=customer][value='{world['lantern'].pk}']")


def test_the_list_in_chinese(page, world):
    set_language(world["user"], "zh-hans")
    _public_form(page, name="王芳", phone="+86 139 0000 1234")
    _sign_in(page)
    page.goto("/leads/")
    assert page.inner_text("h1") == "线索"
    rows = page.inner_text("#leads")
    assert "王芳" in rows and "网页表单" in rows
