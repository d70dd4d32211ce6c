"""The satisfaction survey's public page: found by the participant's token, no sign-in;
a bad answer says what to fix; answering again changes the answer."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kehu.crm.attendance import actions, followup
from kehu.crm.attendance.models import SurveyResponse


@pytest.fixture
def invited(event, smtp):
    p = actions.add_participant(event, name="Li Lei", email="li@acme.example")
    actions.check_in(event, p.badge_code)
    assert followup.invite_to_survey(event) == 1
    p.refresh_from_db()
    return p


def test_the_link_in_the_email_opens_the_form_without_signing_in(invited, smtp):
    body = smtp.to("li@acme.example")[0].get_content()
    path = reverse("attendance:survey", args=[invited.survey_token])
    assert path in body
    page = Client().get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "How was Tea Fair?" in html and 'id="survey-form"' in html


def test_an_answer_is_saved_and_can_be_changed(invited):
    path = reverse("attendance:survey", args=[invited.survey_token])
    done = Client().post(path, {"rating": "4", "would_return": "yes", "comment": " Good "})
    assert done.status_code == 200
    assert "Thank you, Li Lei" in done.content.decode()
    answer = SurveyResponse.objects.get(participant=invited)
    assert (answer.rating, answer.would_return, answer.comment) == (4, True, "Good")
    again = Client().get(path).content.decode()
    assert "You have answered already" in again
    Client().post(path, {"rating": "2", "would_return": "no"})
    answer.refresh_from_db()
    assert (answer.rating, answer.would_return) == (2, False)
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"rating": "7", "would_return": "yes"},
        {"would_return": "yes"},
        {"rating": "3", "would_return": "maybe"},
    ],
)
def test_a_bad_answer_says_what_to_fix(invited, data):
    page = Client().post(reverse("attendance:survey", args=[invited.survey_token]), data)
    assert page.status_code == 422
    html = page.content.decode()
    assert "Select a valid choice" in html or "This field is required" in html
    assert not SurveyResponse.objects.exists()


def test_an_unknown_token_is_not_found(invited):
    assert Client().get(reverse("attendance:survey", args=["x" * 32])).status_code == 404


def test_the_survey_in_chinese(invited):
    page = Client().get(
        reverse("attendance:survey", args=[invited.survey_token]),
        headers={"accept-language": "zh-hans"},
    )
    html = page.content.decode()
    assert "您还会再来吗？" in html and "Would you come again?" not in html
