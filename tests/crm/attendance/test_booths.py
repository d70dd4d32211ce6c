"""Booths through the actions: a booth exists, is booked, then assigned, and only to an
exhibitor of its own event."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.crm.attendance import actions


@pytest.fixture
def booth(event):
    return actions.create_booth(
        event, code="A-01", hall="Hall 1", size_m2=Decimal(18), price=Decimal(9000)
    )


@pytest.fixture
def exhibitor(event):
    return actions.add_participant(event, name="Jade Imports", kind="exhibitor")


def test_a_booth_is_booked_then_assigned_to_an_exhibitor(booth, exhibitor):
    booked = actions.book_booth(booth)
    assert booked.status == "booked" and booked.booked_at is not None and booked.exhibitor is None
    assigned = actions.assign_booth(booked, exhibitor=exhibitor)
    assert (assigned.status, assigned.exhibitor) == ("assigned", exhibitor)
    released = actions.release_booth(assigned)
    assert (released.status, released.exhibitor, released.booked_at) == ("available", None, None)


def test_a_booth_cannot_be_assigned_before_it_is_booked(booth, exhibitor):
    with pytest.raises(ValidationError, match="Book booth A-01 before assigning it."):
        actions.assign_booth(booth, exhibitor=exhibitor)


def test_only_an_exhibitor_gets_a_booth(booth, event):
    visitor = actions.add_participant(event, name="Wang", kind="trade_buyer")
    actions.book_booth(booth)
    with pytest.raises(
        ValidationError, match="Only an exhibitor can have a booth; Wang is a trade buyer."
    ):
        actions.assign_booth(booth, exhibitor=visitor)


def test_an_exhibitor_of_another_event_gets_no_booth(booth, make_event):
    stranger = actions.add_participant(make_event("Other"), name="Stranger", kind="exhibitor")
    with pytest.raises(ValidationError, match="Stranger is not at this event."):
        actions.book_booth(booth, exhibitor=stranger)


def test_a_booked_booth_cannot_be_booked_again(booth, exhibitor):
    actions.book_booth(booth, exhibitor=exhibitor)
    with pytest.raises(ValidationError, match="Booth A-01 is already booked."):
        actions.book_booth(booth)


def test_booth_codes_are_unique_per_event(booth, event, make_event):
    with pytest.raises(ValidationError, match="already has a booth with this code"):
        actions.create_booth(event, code="A-01", size_m2=Decimal(9))
    assert actions.create_booth(make_event("Other"), code="A-01", size_m2=Decimal(9)).pk


def test_a_booth_size_cannot_be_negative(event):
    with pytest.raises(ValidationError):
        actions.create_booth(event, code="X", size_m2=Decimal(-1))
