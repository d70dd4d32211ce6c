"""Sales targets and teams: the actions that write them and what they refuse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.crm.accounts.actions import create_team, delete_team, set_team, update_team
from kehu.crm.accounts.models import Team, UserProfile
from kehu.crm.sales.actions import set_sales_target
from kehu.crm.sales.models import SalesTarget

pytestmark = pytest.mark.django_db


def _codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_a_manager_sets_a_target_for_a_period(make_user) -> None:
    sally, boss = make_user("sales", username="sally"), make_user("sales", username="boss")
    target = set_sales_target(
        user=sally,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        amount=Decimal("5000"),
        by=boss,
    )
    target.refresh_from_db()
    assert (target.user, target.set_by, target.amount) == (sally, boss, Decimal("5000.00"))


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-10")])
def test_a_target_must_be_a_positive_amount(make_user, amount: Decimal) -> None:
    sally = make_user("sales")
    with pytest.raises(ValidationError) as caught:
        set_sales_target(
            user=sally, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), amount=amount
        )
    assert _codes(caught.value) == {"amount": ["not_positive"]}
    assert "positive" in caught.value.message_dict["amount"][0]
    assert not SalesTarget.objects.exists()


@pytest.mark.parametrize("end", [date(2026, 1, 1), date(2025, 12, 31)])
def test_a_target_period_must_end_after_it_starts(make_user, end: date) -> None:
    sally = make_user("sales")
    with pytest.raises(ValidationError) as caught:
        set_sales_target(
            user=sally, period_start=date(2026, 1, 1), period_end=end, amount=Decimal("1")
        )
    assert _codes(caught.value) == {"period_end": ["end_before_start"]}
    assert end.isoformat() in caught.value.message_dict["period_end"][0]


def test_targets_of_one_person_may_not_overlap(make_user) -> None:
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    january = {"period_start": date(2026, 1, 1), "period_end": date(2026, 1, 31)}
    set_sales_target(user=sally, amount=Decimal("100"), **january)
    with pytest.raises(ValidationError) as caught:
        set_sales_target(
            user=sally,
            period_start=date(2026, 1, 31),
            period_end=date(2026, 3, 31),
            amount=Decimal("300"),
        )
    assert _codes(caught.value) == {"period_start": ["overlap"]}
    assert "2026-01-01" in caught.value.message_dict["period_start"][0]
    # the next month, and another person's January, are fine
    set_sales_target(
        user=sally, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), amount=Decimal(1)
    )
    set_sales_target(user=steve, amount=Decimal("100"), **january)
    assert SalesTarget.objects.count() == 3


def test_changing_a_target_does_not_clash_with_itself(make_user) -> None:
    sally = make_user("sales")
    target = set_sales_target(
        user=sally, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), amount=Decimal(1)
    )
    set_sales_target(
        user=sally,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 15),
        amount=Decimal("2"),
        target=target,
    )
    assert SalesTarget.objects.get().period_end == date(2026, 2, 15)


def test_teams_have_a_manager_and_members(make_user) -> None:
    mia, sally = make_user("sales", username="mia"), make_user("sales", username="sally")
    team = create_team("  North  ", manager=mia)
    assert team.name == "North"
    set_team(sally, team)
    assert list(team.members.values_list("user__username", flat=True)) == ["sally"]
    update_team(team, name="North-East")
    team.refresh_from_db()
    assert (team.name, team.manager) == ("North-East", mia)
    set_team(sally, None)
    assert not team.members.exists()


def test_a_team_name_is_unique(make_user) -> None:
    create_team("North")
    with pytest.raises(ValidationError) as caught:
        create_team("North")
    assert "name" in caught.value.message_dict


def test_deleting_a_team_keeps_its_members(make_user) -> None:
    sally = make_user("sales")
    team = create_team("North")
    set_team(sally, team)
    delete_team(team)
    assert not Team.objects.exists()
    assert UserProfile.objects.get(user=sally).team is None
