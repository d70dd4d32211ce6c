"""The built-in plans a new event can start from: a conference (planning, reception,
the event, closing, recess) and a fair (before, during, after), each with its work items
and their dependencies in time and in space.

An item's ``offset_days`` is the day it is planned to start, counted from the event's
first day (negative before it; ``None``: as soon as what it depends on is done), and
``deadline_days`` its deadline the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TIME, SPACE = "time", "space"


@dataclass(frozen=True)
class ItemTemplate:
    key: str
    name: str | Promise
    duration_days: int
    goal: str | Promise = ""
    target: str | Promise = ""
    offset_days: int | None = None
    deadline_days: int | None = None


@dataclass(frozen=True)
class PhaseTemplate:
    name: str | Promise
    items: tuple[ItemTemplate, ...]


@dataclass(frozen=True)
class PlanTemplate:
    key: str
    label: str | Promise
    phases: tuple[PhaseTemplate, ...]
    dependencies: tuple[tuple[str, str, str], ...]  # (predecessor, successor, kind)


I = ItemTemplate  # noqa: E741 - the tables below read better short

CONFERENCE = PlanTemplate(
    "conference",
    _("Conference"),
    (
        PhaseTemplate(
            pgettext_lazy("event phase", "Planning"),
            (
                I(
                    "goals",
                    _("Set goals, audience and budget"),
                    10,
                    _("Know whom the conference is for and what it may cost"),
                    _("Budget approved"),
                    offset_days=-120,
                ),
                I(
                    "venue",
                    _("Book the venue"),
                    14,
                    _("A hall that fits the audience"),
                    _("Venue contract signed"),
                    deadline_days=-90,
                ),
                I(
                    "programme",
                    _("Invite speakers and set the programme"),
                    30,
                    _("A programme worth coming for"),
                    _("Programme published, every speaker confirmed"),
                    deadline_days=-60,
                ),
                I(
                    "invitations",
                    _("Open registration and send the invitations"),
                    5,
                    _("The target list knows and can register"),
                    _("Invitations sent to the whole target list"),
                ),
                I(
                    "logistics",
                    _("Arrange catering, equipment and signage"),
                    20,
                    _("Everything on site is ordered"),
                    _("Orders confirmed by every supplier"),
                    deadline_days=-7,
                ),
                I(
                    "materials",
                    _("Print badges and materials"),
                    5,
                    "",
                    _("A badge for every registrant"),
                ),
            ),
        ),
        PhaseTemplate(
            _("Reception"),
            (
                I(
                    "travel",
                    _("Arrange travel and hotels for speakers and guests"),
                    10,
                    "",
                    _("Every speaker has tickets and a room"),
                ),
                I(
                    "desk",
                    _("Set up the registration desk"),
                    2,
                    "",
                    _("Check-in ready an hour before doors open"),
                    offset_days=-3,
                ),
                I(
                    "briefing",
                    _("Brief the reception staff"),
                    1,
                    "",
                    _("Every staff member knows their post"),
                ),
            ),
        ),
        PhaseTemplate(
            _("The event"),
            (
                I(
                    "run",
                    _("Run the conference"),
                    2,
                    _("A smooth programme, on time"),
                    _("Attendance at least 90% of registrations"),
                    offset_days=0,
                ),
            ),
        ),
        PhaseTemplate(
            pgettext_lazy("event phase", "Closing"),
            (
                I("dismantle", _("Dismantle and return the equipment"), 1),
                I(
                    "thanks",
                    _("Send thank-you notes and the satisfaction survey"),
                    3,
                    "",
                    _("Survey sent to every participant"),
                ),
                I("leads", _("Hand the leads to sales"), 5, "", _("Every lead has an owner")),
            ),
        ),
        PhaseTemplate(
            _("Recess"),
            (
                I(
                    "review",
                    _("Review the results against goals and budget"),
                    10,
                    "",
                    _("Report given to management"),
                ),
                I("lessons", _("Write down the lessons for the next event"), 3),
            ),
        ),
    ),
    (
        ("goals", "venue", TIME),
        ("goals", "programme", TIME),
        ("venue", "invitations", TIME),
        ("programme", "invitations", TIME),
        ("venue", "logistics", SPACE),
        ("invitations", "materials", TIME),
        ("programme", "travel", TIME),
        ("logistics", "desk", SPACE),
        ("materials", "desk", TIME),
        ("desk", "briefing", TIME),
        ("briefing", "run", TIME),
        ("travel", "run", TIME),
        ("run", "dismantle", SPACE),
        ("run", "thanks", TIME),
        ("run", "leads", TIME),
        ("thanks", "review", TIME),
        ("leads", "review", TIME),
        ("review", "lessons", TIME),
    ),
)

FAIR = PlanTemplate(
    "fair",
    _("Fair"),
    (
        PhaseTemplate(
            _("Before the fair"),
            (
                I(
                    "decide",
                    _("Decide to exhibit: goals, budget, visitors wanted"),
                    10,
                    "",
                    _("Budget approved"),
                    offset_days=-180,
                ),
                I(
                    "space",
                    _("Book the booth space"),
                    5,
                    "",
                    _("Booth space confirmed"),
                    deadline_days=-150,
                ),
                I(
                    "build",
                    _("Design and build the booth"),
                    30,
                    "",
                    _("Booth approved by the organiser"),
                ),
                I("products", _("Choose the products and prepare the demos"), 20),
                I(
                    "invite",
                    _("Invite customers and prospects"),
                    14,
                    "",
                    _("Meetings booked with the key customers"),
                    offset_days=-40,
                ),
                I(
                    "train",
                    _("Train the booth staff"),
                    2,
                    "",
                    _("Every staff member can give the demo"),
                    offset_days=-7,
                ),
                I("ship", _("Ship the booth and the goods to the venue"), 5),
                I("setup", _("Set up the booth on site"), 2, "", offset_days=-2),
            ),
        ),
        PhaseTemplate(
            _("During the fair"),
            (
                I(
                    "staff",
                    _("Staff the booth and log the conversations"),
                    3,
                    "",
                    _("Every conversation logged"),
                    offset_days=0,
                ),
                I("debrief", _("Daily debrief"), 3, offset_days=0),
            ),
        ),
        PhaseTemplate(
            _("After the fair"),
            (
                I("back", _("Dismantle and ship back"), 2),
                I(
                    "follow",
                    _("Follow up every lead"),
                    14,
                    "",
                    _("Every lead contacted within two weeks"),
                ),
                I("evaluate", _("Evaluate the cost against revenue and pipeline"), 10),
            ),
        ),
    ),
    (
        ("decide", "space", TIME),
        ("space", "build", SPACE),
        ("decide", "products", TIME),
        ("products", "invite", TIME),
        ("products", "train", TIME),
        ("build", "ship", SPACE),
        ("ship", "setup", SPACE),
        ("setup", "staff", SPACE),
        ("train", "staff", TIME),
        ("invite", "staff", TIME),
        ("train", "debrief", TIME),
        ("staff", "back", SPACE),
        ("staff", "follow", TIME),
        ("follow", "evaluate", TIME),
    ),
)

TEMPLATES: dict[str, PlanTemplate] = {t.key: t for t in (CONFERENCE, FAIR)}
