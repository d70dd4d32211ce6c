"""Planning an event as a marketer clicks it, in a real browser and in each language:
create the event, add phases, work items and their dependencies, see the critical path
and the Gantt chart; then the flyers run late (their owner expects them later), the
critical path moves through them and a warning names what they push back past the
event's start. A dependency that would close a cycle is refused on the form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kehu.crm.accounts.actions import create_user
from kehu.crm.events.models import Event, WorkItem
from tests.ids import start_ids_at

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-enough-secret"
GANTT = "figure[data-chart=gantt]"
TEXT = {
    "en": {"warning": "delays the event", "past_start": "past the event's start"},
    "zh-hans": {"warning": "推迟了活动", "past_start": "晚于活动开始"},
}


@pytest.fixture(autouse=True)
def no_console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield
    assert [e for e in errors if "422" not in e and "/favicon.ico" not in e] == []


def _sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _add_item(page, phase: str, name: str, days: int, start=None) -> None:
    page.locator("section.phase", has=page.locator("h2", has_text=phase)).locator(
        "a.button"
    ).click()
    page.wait_for_selector("#item-form")
    page.fill("#id_name", name)
    page.fill("#id_duration_days", str(days))
    if start is not None:
        page.fill("#id_planned_start", start.isoformat())
    page.click("#item-form button[type=submit]")
    page.wait_for_selector("#plan")


def _depend(page, first: str, then: str, kind: str = "time") -> None:
    page.select_option("#dependency-form select[name=predecessor]", label=first)
    page.select_option("#dependency-form select[name=successor]", label=then)
    page.select_option("#dependency-form select[name=kind]", kind)
    page.click("#dependency-form button[type=submit]")
    page.wait_for_selector("#plan")


def _critical_rows(page) -> list[str]:
    rows = page.locator('tr[data-critical="yes"] td:first-child a')
    return [rows.nth(i).inner_text() for i in range(rows.count())]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_plan_an_event_then_a_late_item_moves_the_critical_path(page, language):
    start_ids_at(10_001)  # an id written 10,001 would break the links
    create_user("mia", role="marketing", password=PASSWORD, language=language)
    today = timezone.localdate()
    _sign_in(page, "mia")

    page.goto("/events/")
    page.click("#new-event")
    page.fill("#id_name", "Tea Expo")
    page.select_option("#id_kind", "fair")
    page.fill("#id_starts_on", (today + timedelta(16)).isoformat())
    page.fill("#id_ends_on", (today + timedelta(17)).isoformat())
    page.click("#event-form button[type=submit]")
    page.wait_for_selector("#plan")
    event = Event.objects.get(name="Tea Expo")
    assert event.pk > 10_000 and page.url.endswith(f"/events/{event.pk}/")

    for phase in ("Before", "During"):
        page.fill("#phase-form input[name=name]", phase)
        page.click("#phase-form button[type=submit]")
        page.wait_for_selector(f"section.phase h2:has-text('{phase}')")
    _add_item(page, "Before", "Book space", 5, start=today + timedelta(1))
    _add_item(page, "Before", "Build booth", 10)
    _add_item(page, "Before", "Print flyers", 3, start=today)
    _add_item(page, "During", "Staff the booth", 2)
    _depend(page, "Book space", "Build booth", "space")
    _depend(page, "Build booth", "Staff the booth", "space")
    _depend(page, "Print flyers", "Staff the booth")

    # Book space 1-6, Build booth 6-16, Staff the booth 16-18; the flyers (0-3) can wait
    assert _critical_rows(page) == ["Book space", "Build booth", "Staff the booth"]
    assert page.locator("#critical-path").inner_text() == (
        "Book space → Build booth → Staff the booth"
    )
    page.wait_for_selector(f"{GANTT} .js-plotly-plot .main-svg", state="attached")
    assert page.locator(f"{GANTT} .js-plotly-plot .bars .point").count() == 4
    assert page.locator("#delay-warnings").count() == 0

    # a cycle is refused on the form, naming it
    _depend(page, "Staff the booth", "Book space")
    error = page.locator('ul.errorlist[data-field="predecessor"]').inner_text()
    assert "Book space → Build booth → Staff the booth → Book space" in error

    # the flyers started today, and the printer now needs until three days after the
    # event's first day
    flyers = WorkItem.objects.get(name="Print flyers")
    page.goto(f"/events/items/{flyers.pk}/")
    page.select_option("#id_step", "carrying_out")
    page.fill("#id_actual_start", today.isoformat())
    page.fill("#id_expected_finish", (today + timedelta(19)).isoformat())
    page.click("#item-form button[type=submit]")
    page.wait_for_selector("#plan")

    assert _critical_rows(page) == ["Print flyers", "Staff the booth"]
    warning = page.locator(f"#delay-warnings [data-item='{flyers.pk}']")
    text = warning.inner_text()
    assert "Print flyers" in text and TEXT[language]["warning"] in text
    staff = WorkItem.objects.get(name="Staff the booth")
    pushed = warning.locator(f"li[data-item='{staff.pk}']").inner_text()
    assert "Staff the booth" in pushed and "3" in pushed
    assert TEXT[language]["past_start"] in pushed
    # the table behind the Gantt chart: the booth now starts three days later
    rows = page.locator(f"{GANTT} table tbody tr")
    last = rows.nth(rows.count() - 1).locator("td")
    assert last.nth(1).text_content() == (today + timedelta(19)).isoformat()
