"""Capture (normalising, the duplicate check on the way in, the matching customer), the
status flow with its reasons, and conversion in one transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.crm.customers.actions import add_contact
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.leads import actions
from kehu.crm.leads.models import Lead, LeadEvent
from kehu.crm.sales.models import Opportunity

pytestmark = pytest.mark.django_db


def _capture(**fields):
    fields.setdefault("name", "Li Na")
    fields.setdefault("source", Lead.Source.WEB_FORM)
    return actions.capture_lead(**fields)


def test_capture_normalises_email_and_phone_and_logs_the_capture():
    result = _capture(email="  Li.Na@Example.COM ", phone="+86 (138) 0013-8000", company="Acme")
    lead = result.lead
    assert result.created and result.matching_customer is None
    assert (lead.email, lead.phone, lead.status) == ("li.na@example.com", "+8613800138000", "new")
    assert list(lead.events.values_list("kind", flat=True)) == [LeadEvent.Kind.CAPTURED]


def test_a_second_capture_with_the_same_email_updates_the_open_lead():
    first = _capture(email="li.na@example.com", company="").lead
    again = _capture(name="Li Na", email="LI.NA@example.com", company="Acme", title="CTO")
    assert not again.created and again.lead.pk == first.pk
    assert Lead.objects.count() == 1
    assert (again.lead.company, again.lead.title) == ("Acme", "CTO")


def test_a_second_capture_with_the_same_phone_updates_the_open_lead():
    first = _capture(phone="0086 138 0013 8000").lead
    again = _capture(name="Li", phone="+8613800138000")
    assert not again.created and again.lead.pk == first.pk


def test_a_disqualified_lead_is_not_reused_by_a_new_capture():
    old = _capture(email="x@example.com").lead
    actions.disqualify(old, reason=Lead.DisqualifyReason.NO_BUDGET)
    new = _capture(email="x@example.com")
    assert new.created and new.lead.pk != old.pk


def test_the_same_source_key_returns_the_same_lead():
    a = _capture(email="a@example.com", source="event", source_key="event:1:2")
    b = _capture(email="other@example.com", source="event", source_key="event:1:2")
    assert not b.created and b.lead.pk == a.lead.pk


def test_an_existing_customer_or_contact_with_the_email_or_phone_is_reported(make_customer):
    acme = make_customer("Acme Ltd", email="buyer@acme.example")
    other = make_customer("Other Ltd")
    add_contact(other, name="Wang", phone="+86 139 1111 2222")
    by_email = _capture(email="Buyer@acme.example")
    assert by_email.matching_customer == acme and by_email.lead.customer == acme
    by_contact_phone = _capture(name="Wang", phone="+86-139-1111-2222")
    assert by_contact_phone.matching_customer == other


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"email": "", "phone": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12ab"}, "phone"),
        ({"source": "carrier pigeon", "email": "a@example.com"}, "source"),
    ],
)
def test_bad_capture_names_the_field(fields, field):
    with pytest.raises(ValidationError) as error:
        _capture(**fields)
    assert field in error.value.error_dict
    assert Lead.objects.count() == 0


def test_status_flow_and_its_timeline(admin_user):
    lead = _capture(email="a@example.com").lead
    actions.start_working(lead, actor=admin_user)
    actions.qualify(lead, actor=admin_user)
    statuses = list(
        lead.events.filter(kind="status").order_by("id").values_list("from_status", "to_status")
    )
    assert statuses == [("new", "working"), ("working", "qualified")]


def test_disqualify_needs_a_reason_from_the_list_and_other_needs_a_note():
    lead = _capture(email="a@example.com").lead
    with pytest.raises(ValidationError) as error:
        actions.disqualify(lead, reason="bored")
    assert "reason" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        actions.disqualify(lead, reason="other", note=" ")
    assert "note" in error.value.error_dict
    actions.disqualify(lead, reason="competitor", note="went with Foo")
    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason, lead.disqualify_note) == (
        "disqualified",
        "competitor",
        "went with Foo",
    )
    actions.reopen(lead)
    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason) == ("working", "")


def test_logging_an_activity_starts_working_a_new_lead(sales_user):
    lead = _capture(email="a@example.com").lead
    actions.log_activity(lead, kind="call", note="Left a message", actor=sales_user)
    lead.refresh_from_db()
    assert lead.status == "working"
    assert lead.events.filter(kind="call").count() == 1


def test_convert_creates_customer_contact_and_opportunity(sales_user):
    lead = _capture(email="li@acme.example", phone="13800138000", company="Acme", title="CTO")
    lead = actions.qualify(lead.lead)
    converted = actions.convert_lead(lead, actor=sales_user, amount=Decimal("5000"))
    assert converted.status == "converted" and converted.converted_at is not None
    customer = converted.customer
    assert (customer.name, customer.kind, customer.email) == ("Acme", "company", "li@acme.example")
    assert (converted.contact.name, converted.contact.title) == ("Li Na", "CTO")
    assert converted.contact.customer == customer
    opportunity = converted.opportunity
    assert (opportunity.customer, opportunity.amount, opportunity.contact) == (
        customer,
        Decimal("5000"),
        converted.contact,
    )


def test_convert_into_an_existing_customer_reuses_its_contact(sales_user, make_customer):
    acme = make_customer("Acme Ltd")
    contact = add_contact(acme, name="Li Na", email="li@acme.example")
    lead = _capture(email="li@acme.example").lead
    converted = actions.convert_lead(
        lead, actor=sales_user, customer=acme, create_opportunity=False
    )
    assert (converted.customer, converted.contact, converted.opportunity) == (acme, contact, None)
    assert Customer.objects.count() == 1 and Contact.objects.count() == 1


def test_a_converted_or_disqualified_lead_is_refused(sales_user):
    lead = _capture(email="a@example.com").lead
    actions.convert_lead(lead, actor=sales_user)
    with pytest.raises(ValidationError, match="already converted"):
        actions.convert_lead(lead, actor=sales_user)
    other = _capture(email="b@example.com").lead
    actions.disqualify(other, reason="spam")
    with pytest.raises(ValidationError, match="reopen it first"):
        actions.convert_lead(other, actor=sales_user)


def test_a_failed_conversion_leaves_nothing_behind(sales_user):
    lead = _capture(email="a@example.com", company="Acme").lead
    with pytest.raises(ValidationError):
        # the opportunity fails (name too long) after the customer and contact were made
        actions.convert_lead(lead, actor=sales_user, opportunity_name="x" * 500)
    lead.refresh_from_db()
    assert lead.status == "new" and lead.customer is None
    assert (Customer.objects.count(), Contact.objects.count(), Opportunity.objects.count()) == (
        0,
        0,
        0,
    )
