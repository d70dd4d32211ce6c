"""Staff give a customer's contacts portal access from the customer's page, which sends
an invitation (email through a real SMTP server on loopback, or a text message), and
revoke it; only for customers they may see, and only with the permission."""

from __future__ import annotations

import pytest

from kehu.crm.portal.models import PortalAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_customer, smtp, sms_outbox):
    from kehu.crm.customers.actions import add_contact

    customer = make_customer("Lantern Trading Co")
    return {
        "customer": customer,
        "mail": add_contact(customer, name="Mei Lin", email="mei@lantern.example"),
        "mobile": add_contact(customer, name="Wang Wei", phone="+86 138 1111 2222"),
        "neither": add_contact(customer, name="Nobody Reachable"),
    }


def _url(customer) -> str:
    return f"/portal/staff/customers/{customer.pk}/"


def test_the_customer_page_links_to_portal_access(shop, client_for, service_user):
    html = client_for(service_user).get(shop["customer"].get_absolute_url()).content.decode()
    assert _url(shop["customer"]) in html


def test_grant_sends_an_invitation_email_and_revoke_ends_it(shop, client_for, service_user, smtp):
    client = client_for(service_user)
    contact = shop["mail"]
    response = client.post(_url(shop["customer"]), {"contact": contact.pk, "action": "grant"})
    assert response.status_code == 302
    access = PortalAccess.objects.get(contact=contact)
    assert access.enabled and access.invited_by == service_user and access.invited_at
    (message,) = smtp.messages
    assert message["To"] == "mei@lantern.example"
    assert "/portal/sign-in/" in message.get_content()
    html = client.get(_url(shop["customer"])).content.decode()
    assert "may sign in to the portal" in html and "Enabled" in html

    client.post(_url(shop["customer"]), {"contact": contact.pk, "action": "revoke"})
    access.refresh_from_db()
    assert not access.enabled and access.revoked_at is not None
    assert "can no longer sign in" in client.get(_url(shop["customer"])).content.decode()


def test_a_contact_with_only_a_mobile_is_invited_by_text(
    shop, client_for, service_user, sms_outbox
):
    client = client_for(service_user)
    client.post(_url(shop["customer"]), {"contact": shop["mobile"].pk, "action": "grant"})
    assert PortalAccess.objects.get(contact=shop["mobile"]).enabled
    assert "+86 138 1111 2222" in sms_outbox.read_text(encoding="utf-8")


def test_a_contact_without_address_is_refused_with_a_reason(shop, client_for, service_user):
    client = client_for(service_user)
    response = client.post(
        _url(shop["customer"]), {"contact": shop["neither"].pk, "action": "grant"}, follow=True
    )
    assert "has neither an email address nor a mobile number" in response.content.decode()
    assert not PortalAccess.objects.filter(contact=shop["neither"]).exists()


def test_bad_requests_say_so_or_are_not_found(shop, client_for, service_user, make_customer):
    from kehu.crm.customers.actions import add_contact

    client = client_for(service_user)
    other = add_contact(make_customer("Other Co"), name="Elsewhere", email="e@other.example")
    response = client.post(_url(shop["customer"]), {"contact": other.pk, "action": "grant"})
    assert response.status_code == 404
    response = client.post(_url(shop["customer"]), {"contact": "x", "action": "grant"}, follow=True)
    assert "Choose a contact and grant or revoke." in response.content.decode()
    assert client.get("/portal/staff/customers/999999/").status_code == 404
    assert not PortalAccess.objects.exists()


def test_who_may_see_and_change_access(shop, client_for, make_user, two_sellers):
    url = _url(shop["customer"])
    analyst = client_for(make_user("analyst"))
    assert analyst.get(url).status_code == 200
    assert analyst.post(url, {"contact": shop["mail"].pk, "action": "grant"}).status_code == 403
    # a seller manages the portal access of their own customers only
    sally = client_for(two_sellers["sally"]["user"])
    assert sally.get(_url(two_sellers["steve"]["customer"])).status_code == 404
    assert sally.get(_url(two_sellers["sally"]["customer"])).status_code == 200
    marketing = client_for(make_user("marketing"))
    assert marketing.get(url).status_code == 403
    assert not PortalAccess.objects.exists()


def test_the_staff_page_in_chinese(shop, client_for, make_user):
    client = client_for(make_user("service", language="zh-hans"))
    html = client.get(_url(shop["customer"])).content.decode()
    assert "门户访问权限" in html and "授予权限并邀请" in html


def test_staff_see_that_a_ticket_came_from_the_portal(
    world, portal_client, client_for, service_user
):
    from kehu.crm.service.models import Ticket

    portal_client(world["acme"]["contact"]).post(
        "/portal/tickets/new/", {"type": "inquiry", "subject": "Opening hours?"}
    )
    staff = client_for(service_user)
    ticket = Ticket.objects.get(subject="Opening hours?")
    html = staff.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "opened on the customer portal" in html and "Acme Buyer" in html
    other = staff.get(f"/service/tickets/{world['acme']['ticket'].pk}/").content.decode()
    assert "opened on the customer portal" not in other
