"""Exhibitors over events: the stage, indices and chance of not returning that
kehu.insight.exhibitors computes, read from the participations, booths, survey answers
and orders of past fairs; the page, its filters, chart and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.attendance import actions, followup
from kehu.crm.attendance.exhibitors import exhibitor_view, reasons_text

YEAR = timedelta(days=365)
FIRST = date.today() - 4 * YEAR


def _exhibit(event, customer, price="1000", rating=None, status="registered"):
    p = actions.add_participant(
        event, name=customer.name, kind="exhibitor", customer=customer, status=status
    )
    if status != "cancelled":
        booth = actions.create_booth(
            event, code=f"B{p.pk}", size_m2=Decimal(12), price=Decimal(price)
        )
        actions.book_booth(booth, exhibitor=p)
    if rating is not None:
        followup.answer_survey(p, rating=rating, would_return=rating >= 3)
    return p


@pytest.fixture
def fairs(make_event, make_customer, make_order):
    """Four yearly fairs. Steady came to all four; Lapsed to the first two; Newcomer to
    the last; Shrinking to the last two with half the booth; a cancelled stand is a miss."""
    events = [
        make_event(f"Tea Fair {2022 + i}", starts_on=FIRST + i * YEAR, status="closed")
        for i in range(4)
    ]
    c = {n: make_customer(n) for n in ("Steady", "Lapsed", "Newcomer", "Shrinking", "Gone")}
    for e in events:
        _exhibit(e, c["Steady"], rating=5)
    for e in events[:2]:
        _exhibit(e, c["Lapsed"], rating=4)
    _exhibit(events[3], c["Newcomer"], rating=2)
    _exhibit(events[2], c["Shrinking"], price="1000")
    _exhibit(events[3], c["Shrinking"], price="400")
    _exhibit(events[0], c["Gone"])
    _exhibit(events[1], c["Gone"], status="cancelled")
    actions.add_participant(events[3], name="No customer", kind="exhibitor")
    tz = timezone.get_current_timezone()
    after = datetime.combine(events[3].ends_on + timedelta(days=5), time(10), tzinfo=tz)
    make_order(c["Steady"], "3000.00", ordered_at=after)
    make_order(c["Steady"], "999.00", ordered_at=after + timedelta(days=200))  # outside
    return events, c


def test_stages_and_indices_from_the_crm(fairs):
    events, c = fairs
    view = exhibitor_view()
    t = view.table
    by_name = t.set_index("name")
    assert by_name["stage"].to_dict() == {
        "Steady": "stability",
        "Lapsed": "decline",
        "Newcomer": "exploration",
        "Shrinking": "decline",
        "Gone": "decline",
    }
    assert by_name.loc["Shrinking", "decline_reason"] == "spend"
    assert by_name.loc["Lapsed", "missed_in_a_row"] == 2
    assert by_name.loc["Gone", "events_attended"] == 1  # the cancelled stand is a miss
    assert by_name.loc["Steady", "satisfaction"] == 5.0
    assert by_name.loc["Lapsed", "loyalty"] == pytest.approx(2 / 4)
    # booths 4 x 1000 plus the order within 90 days of the last fair
    assert by_name.loc["Steady", "contribution"] == pytest.approx(7000.0)
    assert "No customer" not in set(t["name"])
    assert view.history.method == "rule"
    assert len(view.history.events) == 4


def test_reasons_in_words():
    assert reasons_text(["missed_in_a_row = 2", "satisfaction_last = 2"]) == (
        "events missed in a row: 2; latest satisfaction: 2"
    )


def test_the_page_lists_filters_charts_and_exports(fairs, client_for, make_user):
    client = client_for(make_user("marketing"))
    url = reverse("events:exhibitors")
    html = client.get(url).content.decode()
    for name in ("Steady", "Lapsed", "Newcomer", "Shrinking"):
        assert name in html
    assert 'id="not-return-method"' in html and "a rule (too little history" in html
    chart = json.loads(
        re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    names = [trace["name"] for trace in chart["data"]]
    assert names == ["Exploration", "Formation", "Stability", "Decline"]
    decline = chart["data"][3]
    assert decline["y"][-1] == 3 and decline["customdata"][-1] == [f"{url}?stage=decline"]
    only = client.get(url + "?stage=decline").content.decode()
    assert "Lapsed" in only and "Shrinking" in only and "Newcomer" not in only
    assert client.get(url + "?stage=lost").status_code == 400
    export = client.get(url + "?format=csv&sort=name")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["customer_id", "name", "events_attended"]
    assert [r[1] for r in rows[1:]] == ["Gone", "Lapsed", "Newcomer", "Shrinking", "Steady"]
    steady = rows[-1]
    assert steady[6] == "stability" and steady[3] == "4"


def test_the_page_in_chinese(fairs, client_for, make_user):
    html = (
        client_for(make_user("marketing", language="zh-hans"))
        .get(reverse("events:exhibitors"))
        .content.decode()
    )
    assert "稳定期" in html and "衰退" in html and "Stability" not in html


def test_no_past_event_no_exhibitor(client_for, make_user, db):
    page = client_for(make_user("analyst")).get(reverse("events:exhibitors"))
    assert page.status_code == 200
    assert "No exhibitor has taken part in a past event yet." in page.content.decode()


def test_a_seller_may_not_read_every_exhibitors_revenue(fairs, client_for, make_user):
    url = reverse("events:exhibitors")
    assert client_for(make_user("sales")).get(url).status_code == 403
    assert client_for(make_user("sales")).get(url, {"format": "csv"}).status_code == 403
    assert client_for(make_user("analyst")).get(url).status_code == 200
