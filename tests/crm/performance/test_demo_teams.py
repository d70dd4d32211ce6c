"""The demo loader gives the performance pages something to show: two sales teams with
managers, and a target for every salesperson and month."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from kehu.crm.accounts.models import Team
from kehu.crm.demo.load import load_demo
from kehu.crm.demo.teams import add_teams
from kehu.crm.performance.queries import performance, visible_people
from kehu.crm.sales.models import SalesTarget

TODAY = date(2026, 6, 15)


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_the_demo_has_two_teams_with_managers_and_monthly_targets() -> None:
    counts = load_demo(300, seed=3, today=TODAY)
    assert (counts["teams"], counts["sales_targets"]) == (2, 5 * 15)
    east = Team.objects.get(name="East")
    assert east.manager.username == "li.na"
    assert sorted(visible_people(east.manager).values_list("username", flat=True)) == [
        "li.na",
        "wang.fang",
        "zhang.wei",
    ]
    # a target for each month from June 2025 to August 2026, none overlapping
    months = SalesTarget.objects.filter(user__username="wang.fang").order_by("period_start")
    assert [t.period_start for t in months][:: len(months) - 1] == [
        date(2025, 6, 1),
        date(2026, 8, 1),
    ]
    assert all(t.amount >= 1000 and t.amount % 100 == 0 for t in months)
    # over the past year, each salesperson sold and has a target to set it against
    sellers = get_user_model().objects.filter(profile__team__isnull=False)
    figures = performance(sellers, date(2025, 6, 1), date(2026, 5, 31))
    assert len(figures) == 5
    assert all(f.target and f.revenue > 0 and f.attainment for f in figures), figures
    assert add_teams(TODAY) == {"teams": 0, "sales_targets": 0}  # loaded once
