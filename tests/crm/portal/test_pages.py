"""The portal's pages and forms for a signed-in contact: orders with their lines,
invoices and the balance, tickets with the replies meant for the customer, opening and
rating a ticket, their details and consent, their points; in English and Chinese."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kehu.crm.portal.models import PortalChange, PortalTicket
from kehu.crm.service.actions import add_comment, change_status
from kehu.crm.service.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(world, portal_client):
    return world["acme"], portal_client(world["acme"]["contact"])


def test_the_overview_shows_balance_orders_and_open_requests(acme):
    records, client = acme
    html = client.get("/portal/").content.decode()
    assert "Welcome, Acme Buyer" in html
    assert records["order"].number in html and records["ticket"].subject in html
    assert "25.00" in html  # the open invoice: 2 × 12.50
    assert "not a member of our loyalty programme" in html


def test_orders_list_and_detail_with_lines(acme, django_assert_max_num_queries):
    records, client = acme
    with django_assert_max_num_queries(8):
        response = client.get("/portal/orders/")
    assert records["order"].number in response.content.decode()
    html = client.get(f"/portal/orders/{records['order'].pk}/").content.decode()
    assert "Hammer" in html and "25.00" in html and "Confirmed" in html
    assert records["invoice"].number in html


def test_a_draft_order_is_not_shown(acme, product):
    from kehu.crm.sales.actions import create_order

    records, client = acme
    draft = create_order(
        records["customer"], [{"product": product, "quantity": Decimal(1)}], status="draft"
    )
    assert draft.number not in client.get("/portal/orders/").content.decode()
    assert client.get(f"/portal/orders/{draft.pk}/").status_code == 404


def test_invoices_and_balance(acme):
    records, client = acme
    html = client.get("/portal/invoices/").content.decode()
    assert records["invoice"].number in html and "25.00" in html
    html = client.get(f"/portal/invoices/{records['invoice'].pk}/").content.decode()
    assert records["order"].number in html and "No payments yet." in html


def test_a_bad_page_number_shows_the_last_or_first_page(acme):
    _, client = acme
    for page in ("abc", "999", "-1"):
        assert client.get(f"/portal/orders/?page={page}").status_code == 200


def test_the_ticket_shows_replies_to_the_customer_not_internal_notes(acme):
    records, client = acme
    ticket = records["ticket"]
    add_comment(ticket, "We are sending a technician.", to_customer=True)
    add_comment(ticket, "Customer is grumpy, be careful.")
    change_status(ticket, "resolved")
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "We are sending a technician." in html
    assert "grumpy" not in html
    assert "Now: Resolved" in html
    assert "Rate how we handled this" in html


def test_open_a_ticket_records_the_portal_and_the_contact(acme):
    records, client = acme
    response = client.post(
        "/portal/tickets/new/",
        {
            "type": "complaint",
            "subject": "Hammer head loose",
            "description": "It came off on the first nail.",
            "order": records["order"].pk,
        },
    )
    ticket = Ticket.objects.get(subject="Hammer head loose")
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert ticket.customer == records["customer"] and ticket.contact == records["contact"]
    assert ticket.order == records["order"] and ticket.channel == "web"
    assert ticket.type == "complaint" and ticket.priority == "high"
    assert PortalTicket.objects.get(ticket=ticket).contact == records["contact"]
    assert (
        ticket.events.get(kind=TicketEvent.Kind.CREATED).message == "It came off on the first nail."
    )
    html = client.get(response["Location"]).content.decode()
    assert "was received" in html and "It came off on the first nail." in html
    change_status(ticket, "resolved")
    client.post(response["Location"], {"score": "2", "comment": "Slow."})
    assert PortalTicket.objects.get(ticket=ticket).rating_comment == "Slow."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "inquiry", "subject": ""}, "Say in a few words what it is about."),
        ({"type": "dispute", "subject": "x"}, "Select a valid choice."),
        ({"type": "inquiry", "subject": "x", "order": "abc"}, "Choose one of your orders"),
        ({"type": "inquiry", "subject": "x" * 201}, "at most 200 characters"),
    ],
)
def test_a_bad_ticket_form_says_what_to_fix(acme, data, message):
    _, client = acme
    before = Ticket.objects.count()
    response = client.post("/portal/tickets/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Ticket.objects.count() == before


@pytest.mark.parametrize("order", ["²", "1²", "x"])
def test_an_order_in_the_address_that_is_no_number_leaves_the_choice_empty(acme, order):
    # "²".isdigit() is true but int("²") fails: the page must not answer 500
    _, client = acme
    response = client.get("/portal/tickets/new/", {"order": order})
    assert response.status_code == 200
    assert 'id="ticket-form"' in response.content.decode()


def test_rate_a_resolved_ticket_once(acme):
    records, client = acme
    ticket = change_status(records["ticket"], "resolved")
    url = f"/portal/tickets/{ticket.pk}/"
    response = client.post(url, {"score": "4", "comment": "Quick, thanks."})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.satisfaction_score == 4
    assert not PortalTicket.objects.filter(ticket=ticket).exists()  # staff opened it
    assert ticket.events.filter(kind=TicketEvent.Kind.RATED, message="4").exists()
    assert ticket.events.filter(kind="comment", message__contains="Quick, thanks.").exists()
    html = client.get(url).content.decode()
    assert "Rated 4 of 5" in html and "Rate how we handled this" not in html

    response = client.post(url, {"score": "1"})
    assert response.status_code == 400
    assert "This ticket has been rated already." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.satisfaction_score == 4


def test_an_open_ticket_cannot_be_rated_and_a_bad_score_is_refused(acme):
    records, client = acme
    url = f"/portal/tickets/{records['ticket'].pk}/"
    response = client.post(url, {"score": "5"})
    assert response.status_code == 400
    assert "Only a resolved ticket can be rated." in response.content.decode()
    change_status(records["ticket"], "resolved")
    for bad in ("0", "6", "x", ""):
        response = client.post(url, {"score": bad})
        assert response.status_code == 400
        assert "Choose 1 (very unhappy) to 5 (very happy)." in response.content.decode()
    records["ticket"].refresh_from_db()
    assert records["ticket"].satisfaction_score is None


def test_update_own_details_records_the_change(acme):
    records, client = acme
    response = client.post(
        "/portal/me/",
        {"form": "details", "name": "Ann Buyer", "email": "ann@acme.example", "phone": "+86 139 1"},
    )
    assert response.status_code == 302
    contact = records["contact"]
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone) == (
        "Ann Buyer",
        "ann@acme.example",
        "+86 139 1",
    )
    changed = {c.field: (c.old_value, c.new_value) for c in PortalChange.objects.all()}
    assert changed["name"] == ("Acme Buyer", "Ann Buyer")
    assert changed["email"] == ("buyer@acme.example", "ann@acme.example")
    assert "Ann Buyer" in client.get("/portal/me/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "a@b.example"}, "Enter your name."),
        ({"name": "A", "email": "not-an-address"}, "Enter an email address such as"),
        ({"name": "A", "email": "", "phone": ""}, "Keep an email address or a mobile number"),
        # a number without digits to text a code to would lock the contact out
        ({"name": "A", "email": "", "phone": "none"}, "Keep an email address or a mobile number"),
    ],
)
def test_bad_details_say_what_to_fix(acme, data, message):
    records, client = acme
    response = client.post("/portal/me/", {"form": "details", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    records["contact"].refresh_from_db()
    assert records["contact"].name == "Acme Buyer"


def test_consent_is_stored_as_campaigns_read_it_and_recorded(acme):
    from kehu.crm.marketing.models import Suppression

    records, client = acme
    customer = records["customer"]
    response = client.post("/portal/me/", {"form": "consent", "consent_email": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.consent_email is True and customer.consent_sms is False
    assert customer.history.first().consent_email is True  # the customer's change history
    assert PortalChange.objects.get(field="consent_email").new_value == "True"

    client.post("/portal/me/", {"form": "consent"})
    customer.refresh_from_db()
    assert customer.consent_email is False
    assert Suppression.objects.filter(channel="email", address="office@acme.example").exists()
    html = client.get("/portal/me/").content.decode()
    assert "News and offers by email: yes → no" in html


def test_consent_to_texts_needs_a_company_number(acme):
    records, client = acme
    response = client.post("/portal/me/", {"form": "consent", "consent_sms": "on"})
    assert response.status_code == 400
    assert "We have no mobile number for your company" in response.content.decode()
    records["customer"].refresh_from_db()
    assert records["customer"].consent_sms is False


def test_a_post_without_a_form_name_is_a_bad_request(acme):
    _, client = acme
    assert client.post("/portal/me/", {"name": "x"}).status_code == 400


def test_points_of_a_member(acme):
    from kehu.crm.loyalty.actions import adjust, join

    records, client = acme
    membership = join(mobile="13912345678", channel="staff", customer=records["customer"])
    adjust(membership, points=120, reason="Welcome bonus", by=None)
    html = client.get("/portal/points/").content.decode()
    assert "120" in html and "Welcome bonus" in html
    assert "120" in client.get("/portal/").content.decode()


def test_pages_in_chinese(acme):
    records, client = acme
    client.cookies["django_language"] = "zh-hans"
    for url, text in (
        ("/portal/", "概览"),
        ("/portal/orders/", "订单"),
        (f"/portal/orders/{records['order'].pk}/", "数量"),
        ("/portal/invoices/", "应付余额"),
        ("/portal/tickets/", "提交请求或投诉"),
        ("/portal/tickets/new/", "相关订单"),
        ("/portal/me/", "资讯和优惠"),
        ("/portal/points/", "会员积分"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and text in response.content.decode(), url


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("/portal/", 12),
        ("/portal/orders/", 8),
        ("/portal/invoices/", 9),
        ("/portal/tickets/", 9),
    ],
)
def test_list_pages_read_a_fixed_number_of_queries(
    acme, product, django_assert_max_num_queries, url, most
):
    """Twenty more orders, invoices and tickets add no query (no N+1)."""
    from kehu.crm.billing.actions import invoice_order
    from kehu.crm.sales.actions import create_order
    from kehu.crm.service.actions import open_ticket

    records, client = acme
    for i in range(20):
        order = create_order(records["customer"], [{"product": product, "quantity": Decimal(1)}])
        invoice_order(order)
        open_ticket(records["customer"], subject=f"Question {i}", order=order)
    with django_assert_max_num_queries(most):
        assert client.get(url).status_code == 200
