"""A contact sees their own company's records only, like the staff roles: every id of
another company's order, invoice or ticket answers 404, on each page and form that
takes one; no portal page opens without a portal session."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PAGES = {
    "order": "/portal/orders/{pk}/",
    "invoice": "/portal/invoices/{pk}/",
    "ticket": "/portal/tickets/{pk}/",
}


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_another_companys_record_is_not_found(world, portal_client, kind):
    client = portal_client(world["acme"]["contact"])
    own = PAGES[kind].format(pk=world["acme"][kind].pk)
    theirs = PAGES[kind].format(pk=world["bolt"][kind].pk)
    assert client.get(own).status_code == 200
    response = client.get(theirs)
    assert response.status_code == 404
    assert "There is no such page among your company" in response.content.decode()
    assert world["bolt"][kind].number not in response.content.decode()


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_guessed_and_absurd_ids_are_not_found(world, portal_client, kind):
    client = portal_client(world["acme"]["contact"])
    for pk in (0, 999_999, 2**63):
        assert client.get(PAGES[kind].format(pk=pk)).status_code == 404


def test_the_lists_show_only_the_companys_records(world, portal_client):
    client = portal_client(world["acme"]["contact"])
    for url, kind in (
        ("/portal/orders/", "order"),
        ("/portal/invoices/", "invoice"),
        ("/portal/tickets/", "ticket"),
        ("/portal/", "order"),
    ):
        html = client.get(url).content.decode()
        assert world["acme"][kind].number in html, url
        assert world["bolt"][kind].number not in html, url


def test_rating_another_companys_ticket_is_not_found(world, portal_client):
    from kehu.crm.service.actions import change_status

    theirs = change_status(world["bolt"]["ticket"], "resolved")
    client = portal_client(world["acme"]["contact"])
    response = client.post(f"/portal/tickets/{theirs.pk}/", {"score": "1"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.satisfaction_score is None


def test_a_ticket_about_another_companys_order_is_refused(world, portal_client):
    from kehu.crm.service.models import Ticket

    client = portal_client(world["acme"]["contact"])
    before = Ticket.objects.count()
    response = client.post(
        "/portal/tickets/new/",
        {"type": "order_issue", "subject": "Where is it?", "order": world["bolt"]["order"].pk},
    )
    assert response.status_code == 400
    assert "Choose one of your orders from the list." in response.content.decode()
    assert Ticket.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/portal/orders/",
        "/portal/orders/1/",
        "/portal/invoices/",
        "/portal/invoices/1/",
        "/portal/tickets/",
        "/portal/tickets/1/",
        "/portal/tickets/new/",
        "/portal/points/",
        "/portal/me/",
    ],
)
def test_no_portal_page_opens_without_signing_in(world, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/sign-in/")


def test_a_staff_login_is_no_portal_session(world, client_for, admin_user):
    staff = client_for(admin_user)
    response = staff.get(f"/portal/orders/{world['acme']['order'].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/sign-in/")
