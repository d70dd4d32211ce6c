"""A rule enrols customers in a campaign through marketing's ``enrol`` (an always-on
campaign then sends them its message): once per event, not in a dry run; a rule naming
a missing or cancelled campaign is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.crm.automation.actions import create_rule, run_rule
from kehu.crm.marketing.actions import create_campaign
from kehu.crm.marketing.models import Campaign, CampaignMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(db):
    today = timezone.localdate()
    return create_campaign(
        name="How did we do?",
        goal=Campaign.Goal.SURVEY,
        channels=["email"],
        starts_on=today,
        ends_on=today + timedelta(days=30),
        always_on=True,
        control_share=0.0,
    )


def test_a_resolved_ticket_enrols_its_customer_in_the_survey_once(
    make_customer, make_ticket, survey
):
    from kehu.crm.service.actions import change_status

    customer = make_customer(name="Lotus Tea", email="buy@lotus.example", consent_email=True)
    change_status(make_ticket(customer), "resolved")
    rule = create_rule(
        name="Survey",
        trigger="ticket_resolved",
        actions=[{"kind": "enrol", "campaign": survey.pk}],
    )
    dry = run_rule(rule, dry_run=True)
    assert dry.n_acted == 1 and not CampaignMember.objects.exists()
    first = run_rule(rule)
    assert (first.n_acted, first.n_failed) == (1, 0), first.error
    member = CampaignMember.objects.get()
    assert (member.campaign, member.customer) == (survey, customer)
    assert first.hits.get().done == [{"kind": "enrol", "campaign": survey.pk, "added": 1}]
    again = run_rule(rule)
    assert (again.n_acted, again.n_skipped) == (0, 1)
    assert CampaignMember.objects.count() == 1


def test_a_rule_naming_a_missing_campaign_is_refused():
    with pytest.raises(ValidationError) as caught:
        create_rule(name="R", trigger="daily", actions=[{"kind": "enrol", "campaign": 999}])
    assert caught.value.message_dict == {"campaign": ["no campaign has id 999"]}


def test_the_form_offers_the_campaigns(survey, admin_user, client_for):
    page = client_for(admin_user).get("/automation/new/").content.decode()
    assert f'<option value="{survey.pk}">How did we do?</option>' in page
