"""The change history shows what a user understands: tag names, not the rows of a
many-to-many table; the owner's name, not a user id; yes/no, not True/False."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import translation

from kehu.crm.customers.actions import update_customer
from kehu.crm.history import changes_of

pytestmark = pytest.mark.django_db


def _shown(changes: list) -> list[tuple[str, str, str]]:
    return [(str(label), str(old), str(new)) for c in changes for label, old, new in c.fields]


@pytest.fixture(autouse=True)
def english() -> object:
    """Labels are compared in English unless a test says otherwise (an earlier test may
    leave another language active in this thread)."""
    with translation.override("en"):
        yield


def test_a_tag_change_shows_the_tag_names(make_customer: Callable[..., object]) -> None:
    customer = make_customer("Tagged Ltd", tags=["vip"])
    update_customer(customer, tags=["vip", "wholesale"])
    shown = _shown(changes_of(customer))
    assert ("tags", "vip", "vip, wholesale") in shown
    assert not any("{" in old + new or "customer" in old + new for _label, old, new in shown)


def test_an_owner_change_shows_usernames_and_flags_show_yes_or_no(
    make_customer: Callable[..., object], make_user: Callable[..., object]
) -> None:
    sally, bob = make_user("sales", username="sally"), make_user("sales", username="bob")
    customer = make_customer("Owned Ltd", owner=sally, email="buyer@owned.example")
    update_customer(customer, owner=bob, consent_email=True)
    shown = dict((label, (old, new)) for label, old, new in _shown(changes_of(customer)))
    assert shown["owner"] == ("sally", "bob")
    with translation.override("en"):
        assert shown["may email"] == ("no", "yes")


def test_labels_and_values_are_translated(make_customer: Callable[..., object]) -> None:
    customer = make_customer("Status Ltd", phone="+86 21 5555 0101")
    update_customer(customer, status="lost", consent_sms=True)
    with translation.override("zh-hans"):
        shown = _shown(changes_of(customer))
    assert all(not any(c.isascii() and c.isalpha() for c in label) for label, _o, _n in shown)
    assert all(not any(c.isascii() and c.isalpha() for c in new) for _l, _o, new in shown)


def test_an_amount_is_shown_in_the_locale_format(make_user: Callable[..., object]) -> None:
    from kehu.crm.customers.actions import create_customer
    from kehu.crm.sales.actions import create_opportunity, update_opportunity

    opportunity = create_opportunity(create_customer(name="Big Deal Ltd"), name="Deal")
    update_opportunity(opportunity, amount=Decimal("1234567.50"))
    with translation.override("en"):
        shown = dict((label, new) for label, _old, new in _shown(changes_of(opportunity)))
    assert shown["amount"] == "1,234,567.50"
