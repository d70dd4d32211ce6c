"""An event with a small plan made through the events actions, for the events tests:
a fair in 60 days with three phases, six items and their dependencies, ids above 1,000."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from tests.ids import start_ids_at

# the pages plan as of the real today: the fixture is dated against it
TODAY = date.today()


@pytest.fixture(autouse=True)
def _ids_above_a_thousand(db: None) -> None:
    # before any fixture makes a row: PostgreSQL's sequences are not rolled back with a
    # test, so starting them again after the users exist would hand out a taken id
    start_ids_at(1_234)


@pytest.fixture
def marketing_user(make_user: Any) -> Any:
    return make_user("marketing", username="mia")


@pytest.fixture
def fair(db: None, marketing_user: Any, sales_user: Any) -> Any:
    """Fair starting TODAY + 30. Before: book space (5 d, from TODAY) → build booth
    (10 d) → set up (2 d, not before start - 2); print flyers (3 d, from TODAY + 5,
    owned by sally); during: staff the booth (3 d, from the start), after setup and the
    flyers; after: follow up (7 d) after staffing."""
    from kehu.crm.events import actions

    event = actions.create_event(
        name="Canton Fair",
        kind="fair",
        starts_on=TODAY + timedelta(30),
        ends_on=TODAY + timedelta(32),
        owner=marketing_user,
    )
    before = actions.add_phase(event, name="Before")
    during = actions.add_phase(event, name="During")
    after = actions.add_phase(event, name="After")

    def item(phase: Any, name: str, days: int, **fields: Any) -> Any:
        return actions.add_work_item(event, phase=phase, name=name, duration_days=days, **fields)

    space = item(before, "Book space", 5, planned_start=TODAY, owner=marketing_user)
    build = item(before, "Build booth", 10, owner=marketing_user)
    setup = item(before, "Set up booth", 2, planned_start=TODAY + timedelta(28))
    flyers = item(before, "Print flyers", 3, planned_start=TODAY + timedelta(5), owner=sales_user)
    staff = item(during, "Staff the booth", 3, planned_start=TODAY + timedelta(30))
    follow = item(after, "Follow up", 7, deadline=TODAY + timedelta(45))
    actions.add_dependency(space, build, kind="space")
    actions.add_dependency(build, setup, kind="space")
    actions.add_dependency(setup, staff, kind="space")
    actions.add_dependency(flyers, staff)
    actions.add_dependency(staff, follow)
    event.items = {i.name: i for i in (space, build, setup, flyers, staff, follow)}
    return event
