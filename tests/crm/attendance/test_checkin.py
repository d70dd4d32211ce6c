"""Checking in at the door through the action: idempotent, and each refusal says why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.crm.attendance import actions


def test_a_badge_checks_in_once_and_again_says_when(event):
    p = actions.add_participant(event, name="Wang Fang")
    first = actions.check_in(event, p.badge_code.lower())
    assert not first.already and first.participant.status == "checked_in"
    at = first.participant.checked_in_at
    again = actions.check_in(event, f" {p.badge_code[:5]}-{p.badge_code[5:]} ")
    assert again.already and again.participant.checked_in_at == at
    local = timezone.localtime(at)
    assert actions.checked_in_time(again.participant) == f"{local.hour:02d}:{local.minute:02d}"


def test_an_invited_participant_who_comes_is_checked_in_and_registered(event):
    p = actions.add_participant(event, name="Invited", status="invited")
    done = actions.check_in(event, p.badge_code).participant
    assert done.status == "checked_in" and done.registered_at == done.checked_in_at


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Type or scan a badge code."),
        ("ZZZZZZZZZZ", "No badge has the code ZZZZZZZZZZ."),
        ("ABC10", "ABC10 is not a badge code."),
    ],
)
def test_an_unknown_code_is_refused(event, code, message):
    with pytest.raises(ValidationError) as e:
        actions.check_in(event, code)
    assert e.value.message_dict == {"code": [message]}


def test_another_events_badge_is_refused_naming_the_event(event, make_event):
    other = make_event("Spring Conference")
    p = actions.add_participant(other, name="Chen Jie")
    with pytest.raises(ValidationError) as e:
        actions.check_in(event, p.badge_code)
    assert e.value.message_dict["code"] == [
        "Chen Jie's badge is for another event: Spring Conference."
    ]
    p.refresh_from_db()
    assert p.status == "registered"


def test_a_cancelled_registration_is_refused(event):
    p = actions.add_participant(event, name="Chen Jie")
    actions.cancel_participant(p)
    with pytest.raises(ValidationError, match="Chen Jie's registration was cancelled."):
        actions.check_in(event, p.badge_code)


@pytest.mark.parametrize(("status", "word"), [("closed", "closed"), ("cancelled", "cancelled")])
def test_nobody_is_checked_in_to_a_closed_or_cancelled_event(event, status, word):
    p = actions.add_participant(event, name="Chen Jie")
    event.status = status
    event.save(update_fields=["status"])
    with pytest.raises(ValidationError) as e:
        actions.check_in(event, p.badge_code)
    assert e.value.message_dict == {"code": [f"{event.name} is {word}: nobody can be checked in."]}
    p.refresh_from_db()
    assert p.status == "registered"
