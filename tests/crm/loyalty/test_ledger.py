"""The points ledger never loses a transaction: no entry is changed or deleted, by the
ORM, the query set or SQL; a balance never goes below zero."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from kehu.crm.loyalty.actions import adjust, redeem
from kehu.crm.loyalty.models import LedgerError, PointsEntry, normalise_mobile
from kehu.crm.loyalty.queries import balances


def test_mobile_is_stored_as_its_digits() -> None:
    assert normalise_mobile("+86 138-0013 8000") == "8613800138000"
    assert normalise_mobile("0086 13800138000") == "8613800138000"
    with pytest.raises(ValidationError, match="6 to 15 digits"):
        normalise_mobile("12-34")


def test_an_entry_cannot_be_saved_again(member: Any) -> None:
    entry = adjust(member, points=50, reason="welcome", by=None)
    entry.points = 5000
    with pytest.raises(LedgerError, match="append-only"):
        entry.save()
    assert PointsEntry.objects.get(pk=entry.pk).points == 50


def test_entries_cannot_be_deleted_nor_updated_in_bulk(member: Any) -> None:
    entry = adjust(member, points=50, reason="welcome", by=None)
    with pytest.raises(LedgerError):
        entry.delete()
    with pytest.raises(LedgerError):
        PointsEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(LedgerError):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1)
    assert balances([member.customer_id]) == {member.customer_id: 50}


def test_the_database_refuses_an_update_of_the_ledger(member: Any) -> None:
    entry = adjust(member, points=50, reason="welcome", by=None)
    update = "UPDATE loyalty_pointsentry SET points = 9999 WHERE id = %s"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(update, [entry.pk])
    assert PointsEntry.objects.get(pk=entry.pk).points == 50
    # renumbering keys (a copy of the database with its ids moved) keeps the entry
    connection.cursor().execute("UPDATE loyalty_pointsentry SET id = id + 10000")
    assert PointsEntry.objects.get(pk=entry.pk + 10000).points == 50


def test_the_database_refuses_an_entry_of_zero_points(member: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO loyalty_pointsentry (membership_id, kind, points, reference, "
            "reason, created_at) VALUES (%s, 'adjust', 0, 'x', '', '2026-01-01')",
            [member.pk],
        )


def test_the_customer_of_a_member_with_a_ledger_cannot_be_deleted(member: Any) -> None:
    from django.db.models import ProtectedError

    adjust(member, points=10, reason="welcome", by=None)
    with pytest.raises(ProtectedError):
        member.customer.delete()


def test_an_adjustment_needs_a_reason_and_cannot_overdraw(member: Any) -> None:
    with pytest.raises(ValidationError) as error:
        adjust(member, points=10, reason=" ", by=None)
    assert "reason" in error.value.message_dict
    adjust(member, points=30, reason="goodwill", by=None)
    with pytest.raises(ValidationError, match="cannot go below zero"):
        adjust(member, points=-31, reason="typo", by=None)
    adjust(member, points=-30, reason="typo", by=None)
    assert balances([member.customer_id])[member.customer_id] == 0


def test_redeeming_more_than_the_balance_is_refused(member: Any, make_reward: Any) -> None:
    cup = make_reward("Tea cup", 100, stock=1)
    adjust(member, points=150, reason="welcome", by=None)
    redeem(member, cup, by=None)
    with pytest.raises(ValidationError, match="out of stock"):
        redeem(member, cup, by=None)
    pot = make_reward("Tea pot", 60)
    with pytest.raises(ValidationError, match="costs 60 points; the balance is 50"):
        redeem(member, pot, by=None)
    cup.refresh_from_db()
    assert cup.stock == 0
    assert balances([member.customer_id])[member.customer_id] == 50
    assert list(PointsEntry.objects.values_list("kind", "points")) == [
        ("redeem", -100),
        ("adjust", 150),
    ]
