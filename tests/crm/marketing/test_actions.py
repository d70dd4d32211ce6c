"""Target lists, enrolment with a reproducible control group, consent and suppression,
and the campaign's rules of change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.crm.marketing import actions
from kehu.crm.marketing.models import Campaign, CampaignMember, Suppression

pytestmark = pytest.mark.django_db
TODAY = date.today()


def campaign(**fields):
    values = {
        "name": "Spring win-back",
        "goal": Campaign.Goal.WIN_BACK,
        "channels": ["email"],
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=30),
        **fields,
    }
    return actions.create_campaign(**values)


def test_a_static_target_list_freezes_its_members_and_a_dynamic_one_follows_the_filter(
    make_user, make_customer
):
    admin = make_user("admin")
    first = [make_customer(f"Fjord {i}", country="Norway") for i in range(3)]
    make_customer("Elsewhere", country="Chile")
    static = actions.create_target_list(name="Norway", filters={"country": "Norway"}, by=admin)
    dynamic = actions.create_target_list(
        name="Norway now", filters={"country": "Norway"}, by=admin, dynamic=True
    )
    assert static.size == 3 and dynamic.size == 3
    late = make_customer("Late fjord", country="Norway")
    assert set(actions.evaluate(static)) == set(first)
    assert set(actions.evaluate(dynamic)) == {*first, late}


def test_a_bad_filter_is_refused_with_what_is_allowed(make_user):
    with pytest.raises(ValidationError) as e:
        actions.create_target_list(name="x", filters={"tier": "Diamond"}, by=make_user("admin"))
    assert "Platinum" in str(e.value)


def test_the_control_group_is_a_reproducible_random_share(make_user, make_reachable):
    customers = make_reachable(400)
    first = campaign(control_share=0.25)
    assert actions.enrol(first, customers) == 400
    groups = dict(CampaignMember.objects.filter(campaign=first).values_list("customer_id", "group"))
    n_control = sum(g == CampaignMember.Group.CONTROL for g in groups.values())
    assert 60 <= n_control <= 140  # 100 expected; a binomial's 4 standard deviations
    for customer_id, group in groups.items():
        expected = actions.in_control(first.seed, customer_id, 0.25)
        assert (group == CampaignMember.Group.CONTROL) == expected
    # enrolling again adds nobody and changes nobody's group
    assert actions.enrol(first, customers) == 0
    again = dict(CampaignMember.objects.filter(campaign=first).values_list("customer_id", "group"))
    assert again == groups
    held = CampaignMember.objects.filter(campaign=first, group=CampaignMember.Group.CONTROL)
    assert set(held.values_list("status", flat=True)) == {CampaignMember.Status.HELD_OUT}


def test_who_cannot_be_reached_is_recorded_with_the_reason_not_dropped(
    make_customer, make_reachable
):
    reachable = make_reachable(2)
    no_consent = make_customer("Quiet Ltd", email="quiet@example.com")
    no_address = make_customer("Nowhere Ltd", consent_phone=False)
    blocked = make_customer("Blocked Ltd", email="Blocked@Example.com", consent_email=True)
    actions.suppress(channel="email", address="blocked@example.com")
    c = campaign(control_share=0.0)
    assert actions.enrol(c, [*reachable, no_consent, no_address, blocked]) == 5
    members = {m.customer_id: m for m in CampaignMember.objects.filter(campaign=c)}
    assert members[no_consent.pk].skip_reason == "no_consent"
    assert members[no_address.pk].skip_reason == "no_consent"
    assert members[blocked.pk].skip_reason == "suppressed"
    assert all(members[r.pk].status == CampaignMember.Status.PENDING for r in reachable)
    addresses = {members[r.pk].address for r in reachable}
    assert addresses == {"client0@example.com", "client1@example.com"}


def test_the_first_consented_channel_is_used(make_customer):
    both = make_customer(
        "Both Ltd", email="both@example.com", phone="+86 138 1111 2222", consent_sms=True
    )
    c = campaign(channels=["email", "sms"], control_share=0.0)
    actions.enrol(c, [both])
    member = CampaignMember.objects.get(campaign=c)
    assert (member.channel, member.address) == ("sms", "+86 138 1111 2222")


def test_a_campaign_with_members_keeps_its_experiment_fixed(make_reachable):
    c = campaign()
    actions.enrol(c, make_reachable(3))
    with pytest.raises(ValidationError) as e:
        actions.update_campaign(c, control_share=0.3)
    assert "control_share" in e.value.message_dict
    updated = actions.update_campaign(c, body_en="Hello {{ customer.name }}", cost=120)
    assert updated.body_en.startswith("Hello")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["fax"]}, "channels"),
        ({"ends_on": TODAY - timedelta(days=1)}, "ends_on"),
        ({"body_en": "{% for %}"}, "body_en"),
        ({"subject_en": "", "subject_zh": ""}, "subject_en"),
        ({"control_share": 0.9}, "control_share"),
    ],
)
def test_a_bad_campaign_names_the_field_to_fix(fields, field):
    with pytest.raises(ValidationError) as e:
        campaign(**fields)
    assert field in e.value.message_dict
    assert not Campaign.objects.exists()


def test_a_new_campaign_starts_from_the_goal_s_message_in_both_languages():
    c = campaign(goal=Campaign.Goal.SURVEY)
    assert "How did we do" in c.subject_en and "评价" in c.subject_zh
    assert "{{ customer.greeting_name }}" in c.body_en


def test_unsubscribing_suppresses_the_address_and_withdraws_consent(make_reachable):
    customer = make_reachable(1)[0]
    c = campaign(control_share=0.0)
    actions.enrol(c, [customer])
    member = CampaignMember.objects.get(campaign=c)
    actions.unsubscribe(member)
    actions.unsubscribe(member)  # twice is once
    customer.refresh_from_db()
    assert not customer.consent_email
    assert Suppression.objects.get().address == "client0@example.com"
    later = campaign(name="Later", control_share=0.0)
    actions.enrol(later, [customer])
    assert CampaignMember.objects.get(campaign=later).skip_reason == "no_consent"


def test_opens_and_clicks_count_once(make_reachable):
    c = campaign(control_share=0.0)
    actions.enrol(c, make_reachable(1))
    member = CampaignMember.objects.get(campaign=c)
    assert actions.record_click(member.pk) is True
    assert actions.record_click(member.pk) is False
    member.refresh_from_db()
    assert member.opened_at is not None and member.clicked_at is not None
    assert actions.record_open(member.pk) is False


def test_a_cancelled_campaign_enrols_nobody(make_reachable):
    c = actions.cancel_campaign(campaign())
    with pytest.raises(ValidationError):
        actions.enrol(c, make_reachable(1))


def test_the_quiet_period_reads_messages_of_every_campaign(make_reachable):
    customer = make_reachable(1)[0]
    earlier = campaign(name="Earlier", control_share=0.0)
    actions.enrol(earlier, [customer])
    CampaignMember.objects.filter(campaign=earlier).update(
        status=CampaignMember.Status.SENT, sent_at=timezone.now() - timedelta(days=2)
    )
    now = timezone.now()
    assert actions.members_with_recent_message([customer.pk], 7, now) == {customer.pk}
    assert actions.members_with_recent_message([customer.pk], 1, now) == set()


@pytest.mark.parametrize(
    "body",
    ['{% include "base.html" %}', "{% load static %}{% static 'x' %}", "{% url 'nowhere' %}"],
)
def test_a_message_that_reaches_outside_or_fails_when_filled_is_refused(body):
    with pytest.raises(ValidationError) as e:
        campaign(body_en=body)
    assert "body_en" in e.value.message_dict
