"""An event's results page: the funnel, the survey, the costs against the revenue and
pipeline in the window after the event, the ROI, the lists behind the charts, the costs
entered on the page, and who may see it; a few queries whatever the event's size."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kehu.crm.attendance import actions, followup, results
from kehu.crm.leads.actions import convert_lead

START = date.today() - timedelta(days=40)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _came(event, **fields):
    p = actions.add_participant(event, **fields)
    return actions.check_in(event, p.badge_code).participant


@pytest.fixture
def past_fair(make_event, make_customer, make_order, make_opportunity, make_user):
    """A fair 40 days ago: 4 on the list, 3 registered, 2 came (Acme and a lead);
    orders and opportunities of Acme inside and outside the window; two booths sold."""
    event = make_event("Spring Fair", starts_on=START, ends_on=START + timedelta(days=2))
    acme, other = make_customer("Acme Tea"), make_customer("Not There")
    came = _came(event, name="Li Lei", customer=acme, email="li@acme.example")
    lead_p = actions.register(event, name="Zhao", email="zhao@new.example").participant
    actions.check_in(event, lead_p.badge_code)
    actions.add_participant(event, name="Registered only", email="r@x.example")
    actions.add_participant(event, name="Invited only", status="invited", email="i@x.example")
    ends = event.ends_on
    make_order(acme, "1000.00", ordered_at=_at(ends + timedelta(days=10)))
    make_order(acme, "500.00", ordered_at=_at(ends + timedelta(days=10)), status="cancelled")
    make_order(acme, "700.00", ordered_at=_at(START - timedelta(days=5)))  # before
    make_order(other, "9999.00", ordered_at=_at(ends + timedelta(days=3)))  # did not come
    opp = make_opportunity(acme, name="Big deal", amount=Decimal("5000"))
    exhibitor = actions.add_participant(event, name="Stand", kind="exhibitor", customer=other)
    for code, price in (("A1", "800"), ("A2", "1200")):
        booth = actions.create_booth(event, code=code, size_m2=Decimal(9), price=Decimal(price))
        actions.book_booth(booth, exhibitor=exhibitor)
        actions.assign_booth(booth, exhibitor=exhibitor)
    actions.create_booth(event, code="A3", size_m2=Decimal(9), price=Decimal(500))  # unsold
    followup.add_cost(event, category="venue", amount=Decimal("3000"))
    followup.add_cost(event, category="travel", amount=Decimal("400"))
    followup.add_cost(event, category="venue", amount=Decimal("600"))
    user = make_user("admin")
    convert_lead(lead_p.lead, actor=user, create_opportunity=False)
    return {"event": event, "acme": acme, "opp": opp, "came": came, "exhibitor": exhibitor}


def test_results_add_up_what_the_event_cost_and_gave(past_fair):
    event = past_fair["event"]
    r = results.event_results(event)
    # on the list 5 (the exhibitor too), registered 4, checked in 2
    assert r.funnel == {"invited": 5, "registered": 4, "checked_in": 2}
    assert [(c, a) for c, _label, a in r.costs] == [
        ("venue", Decimal("3600.00")),
        ("travel", Decimal("400.00")),
    ]
    assert r.cost == Decimal("4000.00")
    assert r.booth_income == Decimal("2000.00")  # A1 and A2, not the unsold A3
    # Acme's order in the window; the cancelled one, the one before, the absent customer's
    # do not count... but the exhibitor's customer came (a registered exhibitor is there)
    assert r.orders["revenue"] == Decimal("10999.00")
    assert r.orders["n"] == 2 and r.orders["customers"] == 2
    assert r.revenue == Decimal("12999.00")
    assert r.roi == pytest.approx((12999 - 4000) / 4000)
    assert r.pipeline["n"] == 1 and r.pipeline["total"] == Decimal("5000.00")
    assert r.leads == {"captured": 1, "converted": 1}


def test_orders_after_the_window_do_not_count(past_fair, make_order):
    event = past_fair["event"]
    make_order(past_fair["acme"], "50.00", ordered_at=_at(event.ends_on + timedelta(days=95)))
    assert results.event_results(event, days=90).orders["revenue"] == Decimal("10999.00")
    assert results.event_results(event, days=180).orders["revenue"] == Decimal("11049.00")


def test_satisfaction_mean_distribution_and_would_return(past_fair, make_customer):
    event = past_fair["event"]
    for i, (rating, back) in enumerate([(5, True), (4, True), (4, False), (2, False)]):
        p = _came(event, name=f"Guest {i}", email=f"g{i}@x.example")
        followup.answer_survey(p, rating=rating, would_return=back)
    s = results.event_results(event).satisfaction
    assert s.n == 4 and s.mean == pytest.approx(3.75)
    assert s.by_rating == {1: 0, 2: 1, 3: 0, 4: 2, 5: 1}
    assert s.would_return_share == pytest.approx(0.5)


def test_no_cost_no_roi():
    r = results.EventResults.__new__(results.EventResults)
    r.costs, r.booth_income, r.orders = [], Decimal(0), {"revenue": Decimal(10)}
    assert r.roi is None


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_results_page_in_a_few_queries_whatever_the_size(
    past_fair, client_for, make_user, make_customer
):
    event = past_fair["event"]
    client = client_for(make_user("marketing"))
    url = reverse("events:results", args=[event.pk])
    small = _queries(client, url)
    for i in range(30):
        customer = make_customer(f"Visitor {i}")
        p = _came(event, name=f"V{i}", customer=customer, email=f"v{i}@x.example")
        followup.answer_survey(p, rating=1 + i % 5, would_return=True)
    assert _queries(client, url) == small
    assert small < 30


def test_results_page_shows_the_figures_and_charts_that_open_their_lists(
    past_fair, client_for, make_user
):
    event = past_fair["event"]
    page = client_for(make_user("marketing")).get(reverse("events:results", args=[event.pk]))
    html = page.content.decode()
    assert re.search(r'id="total-cost">4,000\.00<', html)
    assert re.search(r'id="total-revenue">12,999\.00<', html)
    assert re.search(r'id="roi">225%<', html)
    charts = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    links = [
        row[-1]
        for c in charts
        for trace in json.loads(c)["data"]
        for row in trace.get("customdata", [])
    ]
    base = f"/events/{event.pk}/results/"
    assert f"{base}participants/?days=90&stage=checked_in" in links
    assert f"{base}responses/?days=90&rating=5" in links
    assert f"{base}orders/?days=90" in links
    assert f"{base}opportunities/?days=90" in links


def test_the_lists_behind_the_charts(past_fair, client_for, make_user):
    event = past_fair["event"]
    client = client_for(make_user("analyst"))
    base = f"/events/{event.pk}/results/"
    orders = client.get(f"{base}orders/?days=90").content.decode()
    assert "1,000.00" in orders and "9,999.00" in orders
    assert "700.00" not in orders and "500.00" not in orders
    checked_in = client.get(f"{base}participants/?stage=checked_in").content.decode()
    assert "Li Lei" in checked_in and "Registered only" not in checked_in
    leads = client.get(f"{base}leads/").content.decode()
    assert "Zhao" in leads
    assert client.get(f"{base}opportunities/").content.decode().count("Big deal") == 1
    assert client.get(f"{base}nothing/").status_code == 404
    assert client.get(f"{base}orders/?days=7").status_code == 400


def test_costs_are_entered_on_the_page(past_fair, client_for, make_user):
    event = past_fair["event"]
    client = client_for(make_user("marketing"))
    url = reverse("events:results_cost_add", args=[event.pk])
    done = client.post(url, {"category": "marketing", "amount": "250.00", "note": "flyers"})
    assert done.status_code == 302
    assert event.costs.filter(category="marketing", note="flyers").exists()
    bad = client.post(url, {"category": "marketing", "amount": "-3"})
    assert bad.status_code == 422
    assert "Ensure this value is greater than or equal to 0" in bad.content.decode()
    cost = event.costs.get(note="flyers")
    client.post(reverse("events:results_cost_delete", args=[event.pk, cost.pk]))
    assert not event.costs.filter(note="flyers").exists()


def test_follow_up_button_does_it_once(past_fair, client_for, make_user, smtp):
    event = past_fair["event"]
    client = client_for(make_user("marketing"))
    url = reverse("events:results_follow_up", args=[event.pk])
    first = client.post(url, {"survey": "on", "due_days": "3"}, follow=True)
    assert "Follow-up created" in first.content.decode()
    assert 'id="follow-up-done"' in first.content.decode()
    again = client.post(url, {"survey": "on", "due_days": "3"}, follow=True)
    assert "This event has been followed up already." in again.content.decode()


def test_who_may_see_the_results(past_fair, client_for, make_user):
    event = past_fair["event"]
    url = reverse("events:results", args=[event.pk])
    assert client_for(make_user("sales")).get(url).status_code == 403
    assert client_for(make_user("analyst")).get(url).status_code == 200
    analyst_post = client_for(make_user("analyst")).post(
        reverse("events:results_cost_add", args=[event.pk]),
        {"category": "venue", "amount": "1"},
    )
    assert analyst_post.status_code == 403
    assert client_for(make_user("admin")).get(url + "?days=13").status_code == 400


def test_results_in_chinese(past_fair, client_for, make_user):
    event = past_fair["event"]
    page = client_for(make_user("marketing", language="zh-hans")).get(
        reverse("events:results", args=[event.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "成本回报率" in html
    assert "Cost against revenue and pipeline" not in html


def test_the_leads_list_of_the_results_in_a_few_queries_whatever_its_size(
    past_fair, client_for, make_user
):
    from kehu.crm.leads.actions import assign

    event = past_fair["event"]
    client = client_for(make_user("marketing"))
    url = reverse("events:results_list", args=[event.pk, "leads"])

    def register_owned(n):
        for i in range(n):
            p = actions.register(event, name=f"L{i}", email=f"l{i}-{n}@new.example").participant
            assign(p.lead, owner=make_user("sales"))

    register_owned(2)
    small = _queries(client, url)
    register_owned(10)
    assert _queries(client, url) == small
