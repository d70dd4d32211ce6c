"""The customer portal in the browser: a contact signs in with the link emailed to them
(a real SMTP server on loopback), sees their orders, opens a ticket, rates a resolved
one, changes their consent, and cannot open another company's order; in English and in
Chinese, each page fitting a 390 px phone."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from kehu.crm.billing.actions import invoice_order
from kehu.crm.catalog.actions import create_product
from kehu.crm.customers.actions import add_contact, create_customer
from kehu.crm.portal.actions import grant_access
from kehu.crm.sales.actions import create_order
from kehu.crm.service.actions import add_comment, change_status, open_ticket
from kehu.crm.service.models import Ticket
from tests.crm.marketing.conftest import smtp, smtp_server  # noqa: F401
from tests.crm.portal.conftest import wait_for_mail

pytestmark = pytest.mark.django_db(transaction=True)
LINK = re.compile(r"/portal/sign-in/link/(\S+)/")


@pytest.fixture
def companies(smtp):  # noqa: F811
    """Acme (whose buyer may use the portal: an order, a resolved ticket) and Bolt."""
    tea = create_product(sku="TEA-1", name="Oolong tea 500 g", unit_price=Decimal("88.00"))
    acme = create_customer(name="Acme Trading Co", email="office@acme.example")
    buyer = add_contact(acme, name="Ann Buyer", email="ann@acme.example", phone="+86 138 0000 1")
    order = create_order(acme, [{"product": tea, "quantity": Decimal(3)}])
    invoice_order(order)
    resolved = open_ticket(acme, subject="Box arrived dented", contact=buyer)
    add_comment(resolved, "We sent a new box today.", to_customer=True)
    change_status(resolved, "resolved")
    bolt = create_customer(name="Bolt Supplies Ltd")
    theirs = create_order(bolt, [{"product": tea, "quantity": Decimal(1)}])
    grant_access(buyer)
    smtp.messages.clear()
    return {"buyer": buyer, "order": order, "resolved": resolved, "theirs": theirs}


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"
    page.set_viewport_size({"width": 1280, "height": 900})


def _sign_in_by_link(page, smtp, email: str) -> None:  # noqa: F811
    page.fill("#id_email", email)
    page.click("#send-link")
    page.wait_for_selector("#link-sent")
    (message,) = wait_for_mail(smtp, 1)
    token = LINK.search(message.get_content()).group(1)
    page.goto(f"/portal/sign-in/link/{token}/")
    page.click("#confirm-sign-in")
    page.wait_for_url("**/portal/")


def _walk_through(page, smtp, companies, text) -> None:  # noqa: F811
    """Sign in, an order, a new ticket, a rating, consent, another company's order."""
    _sign_in_by_link(page, smtp, "ann@acme.example")
    assert "Acme Trading Co" in page.inner_text("header")
    _fits_a_phone(page)

    page.click(f"nav a:has-text('{text['orders']}')")
    page.click(f"a:has-text('{companies['order'].number}')")
    assert "Oolong tea 500 g" in page.inner_text("#order-lines")
    assert "264.00" in page.inner_text("#order-lines")
    _fits_a_phone(page)

    page.click("text=" + text["report"])
    page.fill("#id_subject", text["subject"])
    page.fill("#id_description", "Two bags were open.")
    page.click("#send-ticket")
    page.wait_for_selector("#ticket-log")
    ticket = Ticket.objects.get(subject=text["subject"])
    assert ticket.contact == companies["buyer"] and ticket.order == companies["order"]
    assert ticket.portal_origin.contact == companies["buyer"]
    assert "Two bags were open." in page.inner_text("#ticket-log")

    page.goto(f"/portal/tickets/{companies['resolved'].pk}/")
    assert "We sent a new box today." in page.inner_text("#ticket-log")
    page.check("input[name=score][value='5']")
    page.fill("#id_comment", "Fast and friendly.")
    page.click("#send-rating")
    page.wait_for_selector("#rating-done")
    companies["resolved"].refresh_from_db()
    assert companies["resolved"].satisfaction_score == 5
    _fits_a_phone(page)

    page.click(f"nav a:has-text('{text['details']}')")
    page.check("#id_consent_email")
    page.click("#save-consent")
    page.wait_for_selector("#changes")
    customer = companies["buyer"].customer
    customer.refresh_from_db()
    assert customer.consent_email is True
    _fits_a_phone(page)

    response = page.goto(f"/portal/orders/{companies['theirs'].pk}/")
    assert response.status == 404
    assert text["not_found"] in page.inner_text("#not-found")
    assert companies["theirs"].number not in page.content()

    page.click("#portal-sign-out")
    page.wait_for_url("**/portal/sign-in/")
    assert page.goto(f"/portal/orders/{companies['order'].pk}/").url.endswith(
        "/portal/sign-in/?next=%2Fportal%2Forders%2F" + str(companies["order"].pk) + "%2F"
    )


def test_a_contact_signs_in_and_serves_themselves(page, smtp, companies):  # noqa: F811
    page.goto("/portal/")
    _walk_through(
        page,
        smtp,
        companies,
        {
            "orders": "Orders",
            "report": "Report a problem with this order",
            "subject": "Two bags open",
            "details": "My details",
            "not_found": "There is no such page among your company's records.",
        },
    )


def test_the_same_in_chinese(page, smtp, companies):  # noqa: F811
    page.goto("/portal/")
    page.click("#portal-language button")
    page.wait_for_selector("text=登录客户门户")
    _walk_through(
        page,
        smtp,
        companies,
        {
            "orders": "订单",
            "report": "报告此订单的问题",
            "subject": "两袋开封",
            "details": "我的信息",
            "not_found": "贵公司的记录中没有此页面。",
        },
    )
    assert "English" in page.inner_text("#portal-language")
