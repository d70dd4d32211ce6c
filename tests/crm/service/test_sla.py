"""Service levels (kehu.crm.service.sla and sla_actions): the policy a ticket falls under,
the due times the open action stamps, the flags of one ticket and the breached / at-risk
querysets that lists and automation rules use, and the bulk backfill."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kehu.crm.service import sla
from kehu.crm.service.actions import add_comment, change_status, open_ticket, update_ticket
from kehu.crm.service.models import BusinessCalendar, Holiday, SlaPolicy, Ticket
from kehu.crm.service.sla_actions import backfill_due_times, recompute_open_tickets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sla_defaults")]

MONDAY = datetime(2026, 11, 30, 9, tzinfo=UTC)  # the calendar: Monday to Friday, 9 to 17


def at(day: int, hour: int, minute: int = 0) -> datetime:
    month = 11 if day >= 30 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def tiered(make_customer, two_runs_scores):
    """A Platinum customer and one never scored."""
    platinum = make_customer("Shanghai Gold Tea")
    two_runs_scores({platinum: "Platinum"})
    return platinum, make_customer("Unscored Ltd")


@pytest.fixture
def two_runs_scores(db):
    from django.utils import timezone

    from kehu.crm.intelligence.models import CustomerScore, ValueRun

    def _make(tiers):
        run = ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=timezone.now())
        for customer, tier in tiers.items():
            CustomerScore.objects.create(run=run, customer=customer, tier=tier)

    return _make


def test_the_defaults_cover_every_priority_of_every_tier_and_any_tier():
    for tier in ("Platinum", "Gold", "Iron", "Lead", ""):
        for priority in Ticket.Priority.values:
            assert sla.policy_for(tier, priority) is not None
    assert sla.policy_for("Platinum", "urgent") == sla.Targets(1, 8)
    assert sla.policy_for("Lead", "low") == sla.Targets(24, 120)
    assert BusinessCalendar.objects.count() == 1


def test_the_most_specific_policy_wins():
    SlaPolicy.objects.filter(tier="Gold", priority="high").delete()
    SlaPolicy.objects.filter(tier="", priority="high").update(first_response_hours=Decimal(3))
    assert sla.policy_for("Gold", "high").first_response_hours == 3  # falls back to any tier
    assert sla.policy_for("Platinum", "high").first_response_hours == 2
    assert sla.policy_for("Bronze", "high").first_response_hours == 3
    SlaPolicy.objects.filter(priority="high").delete()
    assert sla.policy_for("Platinum", "high") is None


def test_opening_stamps_the_customers_tier_and_the_due_times(tiered):
    platinum, unscored = tiered
    urgent = open_ticket(platinum, subject="Line down", priority="urgent", opened_at=MONDAY)
    assert urgent.sla_tier == "Platinum"
    assert urgent.first_response_due == at(30, 10)
    assert urgent.first_response_risk_at == at(30, 9)  # 1 h target: at risk at once
    assert urgent.resolution_due == at(30, 17)
    assert urgent.resolution_risk_at == at(30, 15)  # the last 2 working hours
    normal = open_ticket(unscored, subject="Question", opened_at=MONDAY)
    assert normal.sla_tier == ""
    assert normal.first_response_due == at(1, 17)  # 16 working hours: Tuesday's close
    assert normal.first_response_risk_at == at(1, 13)  # the last quarter
    assert normal.resolution_due == at(11, 17)  # 80 working hours: two weeks
    normal.refresh_from_db()
    assert normal.resolution_due == at(11, 17)


def test_a_holiday_moves_the_due_time(make_customer):
    Holiday.objects.create(date=date(2026, 12, 1), name="Founders day")
    ticket = open_ticket(make_customer(), subject="Question", opened_at=MONDAY)
    assert ticket.first_response_due == at(2, 17)


def test_a_priority_change_recomputes_the_due_times_from_opening(make_customer):
    ticket = open_ticket(make_customer(), subject="Question", opened_at=MONDAY)
    update_ticket(ticket, priority="urgent")
    ticket.refresh_from_db()
    assert ticket.first_response_due == at(30, 13)  # any tier's urgent: 4 working hours
    assert ticket.resolution_due == at(2, 17)  # 24 working hours


def test_the_clocks_of_one_ticket_through_its_life(make_customer):
    ticket = open_ticket(make_customer(), subject="Question", opened_at=MONDAY)
    cal = sla.load_calendar()
    first = sla.clocks(ticket, at(30, 12), cal)["first_response"]
    assert (first.state, first.hours_left) == ("on_track", 13)
    assert sla.clocks(ticket, at(1, 14))["first_response"].state == "at_risk"
    late = sla.clocks(ticket, at(2, 9, 30), cal)["first_response"]
    assert (late.state, late.hours_left) == ("breached", -0.5)
    ticket.first_response_at = at(1, 16)
    ticket.resolved_at = at(14, 10)
    clocks = sla.clocks(ticket, at(15, 9))
    assert clocks["first_response"].state == "met"
    assert clocks["resolution"].state == "missed"


def test_a_ticket_without_policy_has_no_clocks(make_customer):
    SlaPolicy.objects.filter(priority="low").delete()
    ticket = open_ticket(make_customer(), subject="Later", priority="low", opened_at=MONDAY)
    assert ticket.first_response_due is None and ticket.resolution_due is None
    assert sla.clocks(ticket) == {"first_response": None, "resolution": None}


def _numbers(tickets) -> set[str]:
    return {t.subject for t in tickets}


@pytest.fixture
def desk(make_customer):
    """Three tickets opened Monday 9:00 (any tier, normal: first response due Tuesday
    17:00, at risk from 13:00), one answered, one resolved."""
    customer = make_customer()
    tickets = {
        name: open_ticket(customer, subject=name, opened_at=MONDAY)
        for name in ("waiting", "answered", "resolved")
    }
    add_comment(tickets["answered"], "On it", to_customer=True)
    change_status(tickets["resolved"], "resolved")
    return tickets


def test_breached_and_at_risk_tickets_are_found_in_sql(desk, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert _numbers(sla.breached_tickets(at(1, 12))) == set()
    assert _numbers(sla.at_risk_tickets(at(1, 12))) == set()
    assert _numbers(sla.at_risk_tickets(at(1, 13))) == {"waiting"}
    assert _numbers(sla.breached_tickets(at(1, 17))) == {"waiting"}
    assert _numbers(sla.at_risk_tickets(at(1, 17))) == set()  # breached, not at risk
    # the answered one is at risk on its resolution in the last quarter of 80 hours (the
    # waiting one too, but it is breached on its first response)
    assert _numbers(sla.at_risk_tickets(at(9, 14))) == {"answered"}
    assert _numbers(sla.breached_tickets(at(12, 9))) == {"waiting", "answered"}


def test_at_risk_within_a_horizon_of_working_hours(desk):
    # Monday 16:00 + 3 working hours is Tuesday 11:00: the first response (Tuesday 17:00)
    # is not within it; + 9 working hours (Tuesday 17:00) it is
    assert _numbers(sla.at_risk_tickets(at(30, 16), within_hours=3)) == set()
    assert _numbers(sla.at_risk_tickets(at(30, 16), within_hours=9)) == {"waiting"}


def test_the_list_filter_accepts_the_two_flags_and_ignores_nothing_else(desk):
    everything = Ticket.objects.all()
    assert _numbers(sla.filter_by_flag(everything, "breached", at(2, 9))) == {"waiting"}
    assert _numbers(sla.filter_by_flag(everything, "at_risk", at(1, 15))) == {"waiting"}
    assert sla.filter_by_flag(everything, "", at(2, 9)).count() == 3


def test_backfill_gives_due_times_and_the_tier_customers_have_now(tiered):
    platinum, unscored = tiered
    ticket = open_ticket(platinum, subject="Old one", priority="urgent", opened_at=MONDAY)
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_tier="", first_response_due=None, first_response_risk_at=None, resolution_due=None
    )
    other = open_ticket(unscored, subject="Has its times", opened_at=MONDAY)
    assert backfill_due_times() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_due == at(30, 13)  # blank tier: any tier's urgent 4 h
    assert backfill_due_times(retier=True, recompute=True) == 2
    ticket.refresh_from_db()
    assert (ticket.sla_tier, ticket.first_response_due) == ("Platinum", at(30, 10))
    other.refresh_from_db()
    assert other.first_response_due == at(1, 17)


def test_a_policy_change_reaches_open_tickets_only(desk):
    SlaPolicy.objects.filter(tier="", priority="normal").update(first_response_hours=8)
    assert recompute_open_tickets() == 2
    waiting, resolved = (Ticket.objects.get(subject=s) for s in ("waiting", "resolved"))
    assert waiting.first_response_due == at(30, 17)
    assert resolved.first_response_due == at(1, 17)


def test_a_calendar_change_reaches_open_tickets(desk):
    BusinessCalendar.objects.update(start_hour=8, end_hour=18)
    recompute_open_tickets()
    # 16 working hours of 10 a day from Monday 9:00: Tuesday 15:00
    assert Ticket.objects.get(subject="waiting").first_response_due == at(1, 15)


def test_the_api_gives_a_tickets_due_times(make_customer, api_for, service_user):
    ticket = open_ticket(make_customer(), subject="Question", opened_at=MONDAY)
    got = api_for(service_user).get(f"/tickets/{ticket.pk}").json()
    assert got["sla_tier"] == ""
    assert got["first_response_due"].startswith("2026-12-01T17:00:00")
    assert got["resolution_due"].startswith("2026-12-11T17:00:00")


def test_imported_tickets_get_the_due_times_opening_gives(tmp_path, tiered):
    from click.testing import CliRunner

    from kehu.cli import main

    platinum, unscored = tiered
    path = tmp_path / "tickets.csv"
    path.write_text(
        "customer_code,opened_at,subject,priority\n"
        f"{platinum.code},2026-11-30 09:00,Line down,urgent\n"
        f"{unscored.code},2026-11-30 09:00,Question,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["import", str(path), "--entity", "tickets"])
    assert result.exit_code == 0, result.output
    urgent, normal = (Ticket.objects.get(subject=s) for s in ("Line down", "Question"))
    assert (urgent.sla_tier, urgent.first_response_due) == ("Platinum", at(30, 10))
    assert urgent.resolution_risk_at == at(30, 15)
    assert (normal.sla_tier, normal.first_response_due) == ("", at(1, 17))
