"""The service-level charts: periods checked by hand, attainment by period agreeing with
the page's totals, and the page (/service/sla/) drawing both charts with their tables
in English and Chinese."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.service import sla_charts, sla_queries
from kehu.crm.service.actions import open_ticket
from kehu.crm.service.models import BusinessCalendar, Ticket
from kehu.crm.service.sla_queries import Row

SLA = reverse("service:sla_dashboard")


@pytest.mark.parametrize(("days", "kind"), [(7, "day"), (30, "week"), (90, "week"), (365, "month")])
def test_the_period_grows_with_the_span(days, kind):
    assert sla_charts.period_kind(days) == kind


def test_period_starts_are_days_mondays_or_firsts_of_the_month():
    # Wednesday 2026-12-30 to Saturday 2027-01-02
    since, until = date(2026, 12, 30), date(2027, 1, 2)
    assert sla_charts.period_starts(since, until, "day") == [
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 2),
    ]
    assert sla_charts.period_starts(since, until, "week") == [date(2026, 12, 28)]
    assert sla_charts.period_starts(date(2026, 11, 15), until, "month") == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_periods_without_tickets_are_filled_and_missed_targets_add_up():
    found = {date(2026, 1, 2): Row(None, "", 5, 4, 3, 2, 0)}
    periods = sla_charts.fill_periods(found, [date(2026, 1, 1), date(2026, 1, 2)])
    assert [p.counts.n for p in periods] == [0, 5]
    # one first response late of 4 decided, two resolutions late of 2
    assert [p.n_missed for p in periods] == [0, 3]


@pytest.fixture
def desk(db, sla_defaults, make_customer):
    """Every hour is working time (normal priority: 16 h to answer); tickets opened 1, 3
    and 3 days ago, two answered late or never, one answered in time."""
    BusinessCalendar.objects.update(
        saturday=True, sunday=True, start_hour=0, end_hour=24, time_zone="UTC"
    )
    customer = make_customer("Hangzhou Tea House")
    now = timezone.now()
    tickets = [
        open_ticket(customer, subject=f"T{i}", opened_at=now - timedelta(days=d, hours=1))
        for i, d in enumerate((1, 3, 3))
    ]
    Ticket.objects.filter(pk=tickets[2].pk).update(
        first_response_at=now - timedelta(days=3)  # within the hour
    )
    return now


def test_attainment_by_period_agrees_with_the_page_totals(desk, admin_user):
    periods = sla_charts.attainment_by_period(admin_user, days=7, now=desk)
    total = sla_queries.attainment(admin_user, days=7, now=desk).total
    assert len(periods) == 8  # the 7 days before and today, by day
    assert sum(p.counts.n for p in periods) == total.n == 3
    assert sum(p.counts.n_response for p in periods) == total.n_response == 3
    assert sum(p.counts.n_response_met for p in periods) == total.n_response_met == 1
    by_day = {p.start: p for p in periods}
    three_days_ago = (desk - timedelta(days=3, hours=1)).astimezone(UTC).date()
    assert (
        by_day[three_days_ago].counts.n == 2 and by_day[three_days_ago].counts.n_response_met == 1
    )


def _figure(page: str, key: str) -> str:
    found = re.search(rf'<figure class="chart" data-chart="{key}">(.*?)</figure>', page, re.S)
    assert found, f"no chart {key}"
    return found.group(1)


def _table(part: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", part, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_sla_page_draws_attainment_over_time_and_by_tier(desk, admin_user, client_for):
    page = client_for(admin_user).get(SLA, {"days": "7"}).content.decode()
    rows = _table(_figure(page, "sla-over-time"))
    assert len(rows) == 8 and sum(int(r[1]) for r in rows) == 3
    day = [r for r in rows if r[1] == "2"][0]
    assert day[2] == "50%" and day[4] == "1"  # one of two answered in time, one missed
    tiers = _table(_figure(page, "sla-by-tier"))
    assert tiers == [["No tier", "3", "33%", "—"]]
    assert 'id="sla-totals"' in page  # the figures and tables stay


def test_a_year_is_drawn_by_month(desk, admin_user, client_for):
    page = client_for(admin_user).get(SLA, {"days": "365"}).content.decode()
    rows = _table(_figure(page, "sla-over-time"))
    assert 12 <= len(rows) <= 13 and all(re.fullmatch(r"\d{4}-\d{2}", r[0]) for r in rows)
    this_month = timezone.localtime(desk).strftime("%Y-%m")
    assert rows[-1][0] == this_month


def test_the_sla_charts_read_in_chinese(desk, admin_user, client_for):
    from kehu.crm.accounts.actions import set_language

    set_language(admin_user, "zh-hans")
    page = client_for(admin_user).get(SLA).content.decode()
    for key in ("sla-over-time", "sla-by-tier"):
        part = _figure(page, key)
        for english in ("Targets missed", "On time", "Resolved on time", "attainment"):
            assert english not in part, (key, english)


def test_no_tickets_draw_empty_periods_not_an_error(db, sla_defaults, admin_user, client_for):
    response = client_for(admin_user).get(SLA, {"days": "30"})
    assert response.status_code == 200
    rows = _table(_figure(response.content.decode(), "sla-over-time"))
    assert rows and all(r[1] == "0" for r in rows)
    assert 'data-chart="sla-by-tier"' not in response.content.decode()


def test_days_must_be_one_of_the_offered_periods(db, admin_user, client_for):
    assert client_for(admin_user).get(SLA, {"days": "5"}).status_code == 400
