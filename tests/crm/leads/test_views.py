"""The lead pages: the public form (no sign-in, honeypot, a duplicate caught), the list
(filters, CSV of exactly the filtered list, bulk actions), the lead page and its
conversion, and who may do what."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from kehu.crm.customers.models import Customer
from kehu.crm.leads import actions
from kehu.crm.leads.form_keys import form_key
from kehu.crm.leads.models import Lead

pytestmark = pytest.mark.django_db


def _lead(**fields):
    fields.setdefault("name", "Li Na")
    fields.setdefault("email", f"{fields['name'].lower().replace(' ', '.')}@acme.example")
    fields.setdefault("source", Lead.Source.WEB_FORM)
    return actions.capture_lead(**fields).lead


def _csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_public_form_captures_a_lead_without_sign_in():
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("leads:form", args=["web"]))
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("leads:form", args=["web"]),
        {
            "name": "Wang Wei",
            "email": "Wang@Example.com",
            "company": "Acme",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("leads:form_thanks", args=["web"]))
    lead = Lead.objects.get()
    assert (lead.email, lead.source, lead.campaign) == ("wang@example.com", "web_form", None)


def test_the_public_form_says_what_to_fix():
    response = Client().post(reverse("leads:form", args=["web"]), {"name": "Wang"})
    assert response.status_code == 422
    assert "an email address or a phone number" in response.content.decode()
    assert Lead.objects.count() == 0


def test_the_honeypot_thanks_a_robot_and_keeps_nothing():
    response = Client().post(
        reverse("leads:form", args=["web"]),
        {"name": "Bot", "email": "bot@example.com", "website": "http://spam.example"},
    )
    assert response.status_code == 302 and Lead.objects.count() == 0


def test_a_campaign_form_counts_its_leads_and_a_forged_key_is_404(make_campaign):
    campaign = make_campaign()
    key = form_key(campaign)
    Client().post(reverse("leads:form", args=[key]), {"name": "A", "phone": "+86 138 0000 1111"})
    assert Lead.objects.get().campaign == campaign
    forged = f"c{campaign.pk + 1}-{key.partition('-')[2]}"
    assert Client().get(reverse("leads:form", args=[forged])).status_code == 404


def test_the_public_form_catches_a_duplicate():
    first = _lead(email="li@acme.example")
    Client().post(
        reverse("leads:form", args=["web"]),
        {"name": "Li Na", "email": "LI@acme.example", "title": "CTO"},
    )
    assert Lead.objects.count() == 1
    first.refresh_from_db()
    assert first.title == "CTO"


def test_list_filters_and_the_export_is_exactly_the_filtered_list(client_for, admin_user):
    a = _lead(name="Alpha", source="event")
    _lead(name="Beta", source="web_form")
    c = _lead(name="Gamma", source="event")
    actions.qualify(c)
    client = client_for(admin_user)
    page = client.get(reverse("leads:list"), {"source": "event"})
    assert page.status_code == 200
    assert [lead.pk for lead in page.context["page"].object_list] == [c.pk, a.pk]
    rows = _csv(client.get(reverse("leads:export"), {"source": "event", "status": "qualified"}))
    assert [r["name"] for r in rows] == ["Gamma"]


def test_a_bad_filter_is_a_400_naming_it(client_for, admin_user):
    response = client_for(admin_user).get(reverse("leads:list"), {"band": "purple"})
    assert response.status_code == 400
    assert "band" in response.content.decode()


def test_list_queries_do_not_grow_with_the_leads(
    client_for, admin_user, django_assert_max_num_queries
):
    for i in range(30):
        _lead(name=f"Lead {i}", owner=admin_user)
    client = client_for(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("leads:list")).status_code == 200


def test_bulk_assign_and_disqualify(client_for, admin_user, sales_user):
    a, b = _lead(name="A"), _lead(name="B")
    client = client_for(admin_user)
    client.post(
        reverse("leads:bulk"), {"do": "assign", "leads": [a.pk, b.pk], "owner": sales_user.pk}
    )
    assert set(Lead.objects.values_list("owner", flat=True)) == {sales_user.pk}
    response = client.post(
        reverse("leads:bulk"), {"do": "disqualify", "leads": [a.pk]}, follow=True
    )
    assert "Choose a reason" in response.content.decode()
    filtered = "http://testserver" + reverse("leads:list") + "?source=web_form"
    response = client.post(
        reverse("leads:bulk"),
        {"do": "disqualify", "leads": [a.pk], "reason": "spam"},
        headers={"referer": filtered},
    )
    assert response["Location"] == reverse("leads:list") + "?source=web_form"
    a.refresh_from_db()
    assert (a.status, a.disqualify_reason) == ("disqualified", "spam")


def test_staff_capture_reports_the_duplicate_and_the_matching_customer(
    client_for, sales_user, make_customer
):
    make_customer("Acme Ltd", email="li@acme.example")
    _lead(email="li@acme.example")
    response = client_for(sales_user).post(
        reverse("leads:create"),
        {"name": "Li Na", "email": "li@acme.example", "source": "manual"},
        follow=True,
    )
    text = response.content.decode()
    assert "already open" in text and "Acme Ltd" in text
    assert Lead.objects.count() == 1


def test_detail_qualify_disqualify_and_the_timeline(client_for, sales_user):
    lead = _lead()
    client = client_for(sales_user)
    assert client.get(lead.get_absolute_url()).status_code == 200
    client.post(reverse("leads:status", args=[lead.pk]), {"do": "qualify"})
    response = client.post(
        reverse("leads:status", args=[lead.pk]), {"do": "disqualify", "reason": "other"}
    )
    assert response.status_code == 422 and "Say why" in response.content.decode()
    client.post(
        reverse("leads:status", args=[lead.pk]),
        {"do": "disqualify", "reason": "no_budget", "note": "2027"},
    )
    lead.refresh_from_db()
    assert lead.status == "disqualified"
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "No budget" in page and "Qualified → Disqualified" in page


def test_conversion_offers_the_matching_customer_and_converts(
    client_for, sales_user, make_customer
):
    acme = make_customer("Acme Ltd", email="li@acme.example", owner=sales_user)
    lead = _lead(email="li@acme.example", company="Acme Ltd")
    client = client_for(sales_user)
    page = client.get(reverse("leads:convert", args=[lead.pk]))
    assert page.context["form"].fields["customer"].initial == str(acme.pk)
    response = client.post(
        reverse("leads:convert", args=[lead.pk]),
        {
            "customer": acme.pk,
            "create_opportunity": "on",
            "opportunity_name": "Pilot",
            "amount": "1200",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.customer, lead.opportunity.name) == ("converted", acme, "Pilot")
    assert Customer.objects.count() == 1
    again = client.get(reverse("leads:convert", args=[lead.pk]), follow=True)
    assert "already converted" in again.content.decode()


@pytest.mark.parametrize(
    ("role", "view", "change", "score"),
    [
        ("admin", 200, 302, 302),
        ("sales", 200, 302, 403),
        ("marketing", 200, 302, 403),
        ("service", 200, 403, 403),
        ("analyst", 200, 403, 302),
    ],
)
def test_role_permissions(make_user, client_for, role, view, change, score):
    lead = _lead()
    client = client_for(make_user(role))
    assert client.get(reverse("leads:list")).status_code == view
    assert client.get(lead.get_absolute_url()).status_code == view
    assert (
        client.post(reverse("leads:status", args=[lead.pk]), {"do": "work"}).status_code == change
    )
    assert client.post(reverse("leads:score")).status_code == score


def test_the_menu_has_leads(client_for, sales_user):
    page = client_for(sales_user).get(reverse("leads:list")).content.decode()
    assert f'href="{reverse("leads:list")}"' in page


def test_a_form_key_with_digits_int_cannot_read_is_a_404():
    assert Client().get(reverse("leads:form", args=["c²-x"])).status_code == 404
    assert Client().get(reverse("leads:form_thanks", args=["c²-x"])).status_code == 404


@pytest.mark.parametrize("bad", ["99999999999999999999999", "-99999999999999999999999"])
def test_bulk_on_an_id_too_large_for_the_database_says_so_and_changes_nothing(
    client_for, admin_user, sales_user, bad
):
    a = _lead(name="A")
    response = client_for(admin_user).post(
        reverse("leads:bulk"),
        {"do": "assign", "leads": [a.pk, bad], "owner": sales_user.pk},
        follow=True,
    )
    assert response.status_code == 200 and "is not a valid value" in response.content.decode()
    a.refresh_from_db()
    assert a.owner is None
