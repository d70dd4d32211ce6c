"""The follow-up after an event, through its action: activities for the owners of the
visitors' customers and leads, a draft campaign on a target list of those customers,
and the survey invitations by email (a real SMTP server on loopback)."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from kehu.crm.attendance import actions, followup
from kehu.crm.attendance.models import FollowUp, Participant
from kehu.crm.marketing.actions import evaluate, suppress
from kehu.crm.marketing.models import Campaign
from kehu.crm.sales.models import Activity


def _came(event, **fields):
    p = actions.add_participant(event, **fields)
    return actions.check_in(event, p.badge_code).participant


@pytest.fixture
def fair(event, make_customer, make_user):
    """A fair where two people of Acme (owned by a seller), one of Bolt (no owner), a lead
    and a walk-in came; one registrant did not come, and an exhibitor did."""
    seller = make_user("sales", username="seller")
    acme = make_customer("Acme Tea", owner=seller)
    bolt = make_customer("Bolt Cups")
    _came(event, name="Li Lei", customer=acme, email="li@acme.example")
    _came(event, name="Han Mei", customer=acme, email="han@acme.example")
    _came(event, name="Bo Bolt", customer=bolt, email="bo@bolt.example")
    lead = actions.register(event, name="Zhao Lead", email="zhao@new.example").participant
    actions.check_in(event, lead.badge_code)
    _came(event, name="Walk In")  # no email, no customer, no lead
    actions.add_participant(event, name="Stayed Home", customer=bolt, email="home@bolt.example")
    _came(event, name="Exhibitor", kind="exhibitor", customer=acme, email="ex@acme.example")
    return {"seller": seller, "acme": acme, "bolt": bolt, "lead": lead}


def test_one_activity_per_customer_for_its_owner_and_one_per_lead(fair, event, smtp, make_user):
    boss = make_user("marketing", username="mk")
    done = followup.create_follow_up(event, by=boss)
    activities = Activity.objects.order_by("pk")
    by_customer = {a.customer_id: a for a in activities if a.customer_id}
    assert set(by_customer) == {fair["acme"].pk, fair["bolt"].pk}
    acme = by_customer[fair["acme"].pk]
    assert acme.owner == fair["seller"]
    assert acme.kind == Activity.Kind.FOLLOW_UP
    assert "Han Mei, Li Lei" in acme.notes  # both, in one activity
    assert "Exhibitor" not in acme.notes  # exhibitors only when asked
    assert by_customer[fair["bolt"].pk].owner == boss  # no owner: whoever followed up
    lead_activity = activities.get(customer__isnull=True)
    assert "Zhao Lead" in lead_activity.subject
    assert f"/leads/{fair['lead'].lead_id}/" in lead_activity.notes
    assert [p.name for p in done.unassigned] == ["Walk In"]
    f = done.follow_up
    assert (f.n_activities, f.n_lead_activities) == (2, 1)


def test_a_draft_campaign_on_a_target_list_of_the_visitors_customers(fair, event, smtp, make_user):
    boss = make_user("marketing", username="mk")
    f = followup.create_follow_up(event, by=boss).follow_up
    assert f.target_list.size == 2
    assert set(evaluate(f.target_list).values_list("pk", flat=True)) == {
        fair["acme"].pk,
        fair["bolt"].pk,
    }
    assert f.campaign.status == Campaign.Status.DRAFT
    assert f.campaign.target_list == f.target_list
    assert event.name in f.campaign.name and event.name in f.campaign.subject_en
    assert f.campaign.owner == boss


def test_the_survey_goes_by_email_with_a_link_of_its_own(fair, event, smtp, make_user):
    f = followup.create_follow_up(event, by=make_user("marketing")).follow_up
    # the five who came and have an email (the exhibitor too); the walk-in has none
    assert f.n_invitations == 5
    assert sorted(m["To"] for m in smtp.messages) == [
        "bo@bolt.example",
        "ex@acme.example",
        "han@acme.example",
        "li@acme.example",
        "zhao@new.example",
    ]
    li = Participant.objects.get(email="li@acme.example")
    body = smtp.to("li@acme.example")[0].get_content()
    assert f"/e/survey/{li.survey_token}/" in body
    assert len(li.survey_token) == followup.SURVEY_TOKEN_LENGTH
    assert li.survey_sent_at is not None
    # invited once: asking again sends nothing
    assert followup.invite_to_survey(event) == 0
    assert len(smtp.messages) == 5


def test_a_suppressed_address_gets_no_survey(fair, event, smtp, make_user):
    suppress(channel="email", address="Bo@Bolt.example", reason="unsubscribed")
    followup.create_follow_up(event, by=make_user("marketing"))
    assert smtp.to("bo@bolt.example") == []
    assert Participant.objects.get(email="bo@bolt.example").survey_token is None


def test_exhibitors_too_when_asked(fair, event, smtp, make_user):
    followup.create_follow_up(event, by=make_user("marketing"), exhibitors=True, survey=False)
    acme = Activity.objects.get(customer=fair["acme"])
    assert "Exhibitor" in acme.notes
    assert smtp.messages == []  # no survey asked


def test_an_event_is_followed_up_once(fair, event, smtp, make_user):
    user = make_user("marketing")
    followup.create_follow_up(event, by=user)
    with pytest.raises(ValidationError) as e:
        followup.create_follow_up(event, by=user)
    assert e.value.message_dict == {"event": ["This event has been followed up already."]}
    assert Activity.objects.count() == 3


def test_nobody_came_nothing_to_follow_up(event, make_user):
    actions.add_participant(event, name="Registered only")
    with pytest.raises(ValidationError) as e:
        followup.create_follow_up(event, by=make_user("marketing"))
    assert e.value.message_dict["event"][0].startswith("Nobody has checked in")
    assert not FollowUp.objects.exists()


def test_mail_server_down_the_follow_up_stands_and_says_so(fair, event, make_user):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=2,
    ):
        done = followup.create_follow_up(event, by=make_user("marketing"))
    assert "could not be sent" in done.survey_error
    assert done.follow_up.n_invitations == 0 and done.follow_up.n_activities == 2
    assert not Participant.objects.filter(survey_sent_at__isnull=False).exists()


def test_costs_are_added_changed_and_removed(event):
    cost = followup.add_cost(event, category="venue", amount=Decimal("1200.50"), note=" hall ")
    assert cost.note == "hall"
    followup.update_cost(cost, amount=Decimal("1300"))
    cost.refresh_from_db()
    assert (cost.category, cost.amount) == ("venue", Decimal("1300.00"))
    with pytest.raises(ValidationError) as e:
        followup.add_cost(event, category="catering", amount=Decimal(1))
    assert "category" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        followup.add_cost(event, category="travel", amount=Decimal(-1))
    assert "amount" in e.value.message_dict
    followup.delete_cost(cost)
    assert not event.costs.exists()
