"""The event pages: the list (filters, paging, ids above 1,000 unlocalised), creating an
event from a template or an earlier event, the Plan tab (schedule figures, critical
flags, the warning), forms that answer bad input with a 4xx and a message, and who may
do what (marketing plans, sales moves its own items, service looks)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from tests.crm.events.conftest import TODAY

from kehu.crm.events import actions
from kehu.crm.events.models import Dependency, Event, WorkItem

pytestmark = pytest.mark.django_db


def test_list_filters_by_kind_status_and_date_and_links_unlocalised_ids(
    fair, client_for, marketing_user
):
    conference = actions.create_event(
        name="Tea Summit",
        kind="conference",
        status="open",
        starts_on=TODAY + timedelta(90),
        ends_on=TODAY + timedelta(91),
        city="Hangzhou",
    )
    client = client_for(marketing_user)
    with translation.override("de"):  # a locale that groups thousands
        page = client.get(reverse("events:list")).content.decode()
    assert f'href="/events/{fair.pk}/"' in page and fair.pk > 1000
    assert not re.search(r"/events/\d+[.,]\d+", page)

    def names(**params):
        page = client.get(reverse("events:list"), params).content.decode()
        return set(re.findall(r'href="/events/\d+/">([^<]+)<', page))

    assert names(kind="conference") == {"Tea Summit"}
    assert names(status="planning") == {"Canton Fair"}
    assert names(q="hangzhou") == {"Tea Summit"}
    assert names(since=str(TODAY + timedelta(60))) == {"Tea Summit"}
    assert names(until=str(TODAY + timedelta(40))) == {"Canton Fair"}
    assert conference.pk > fair.pk


def test_a_bad_filter_is_a_400_naming_it(client_for, marketing_user):
    response = client_for(marketing_user).get(reverse("events:list"), {"kind": "party"})
    assert response.status_code == 400
    assert "kind" in response.content.decode()


def test_create_an_event_from_the_fair_template(client_for, marketing_user):
    response = client_for(marketing_user).post(
        reverse("events:create"),
        {
            "plan_from": "template:fair",
            "name": "Import Expo",
            "kind": "fair",
            "status": "planning",
            "starts_on": "2026-10-01",
            "ends_on": "2026-10-03",
            "budget": "5000",
            "slug": "",
        },
    )
    event = Event.objects.get(name="Import Expo")
    assert response.status_code == 302 and response["Location"] == f"/events/{event.pk}/"
    assert event.slug == "import-expo-2026"
    assert event.work_items.count() == 13
    assert set(event.work_items.values_list("owner", flat=True)) == {marketing_user.pk}


def test_new_event_from_an_earlier_one_preselects_it(fair, client_for, marketing_user):
    page = (
        client_for(marketing_user)
        .get(reverse("events:create"), {"from": f"event:{fair.pk}"})
        .content.decode()
    )
    assert f'<option value="event:{fair.pk}" selected>' in page


def test_create_with_bad_dates_is_a_422_with_the_message(client_for, marketing_user):
    response = client_for(marketing_user).post(
        reverse("events:create"),
        {
            "name": "Backwards",
            "kind": "fair",
            "status": "planning",
            "starts_on": "2026-10-03",
            "ends_on": "2026-10-01",
            "budget": "0",
        },
    )
    assert response.status_code == 422
    assert "must end on or after the day it starts" in response.content.decode()
    assert not Event.objects.filter(name="Backwards").exists()


def test_plan_tab_shows_figures_critical_flags_and_the_gantt(fair, client_for, marketing_user):
    page = client_for(marketing_user).get(reverse("events:detail", args=[fair.pk])).content.decode()
    setup = fair.items["Set up booth"]
    flyers = fair.items["Print flyers"]
    assert re.search(rf'id="item-{setup.pk}"[^>]*data-critical="yes"', page)
    assert re.search(rf'id="item-{flyers.pk}"[^>]*data-critical="no"', page)
    assert 'id="critical-path"' in page and 'data-chart="gantt"' in page
    assert "Show as table" in page
    assert 'id="event-tabs"' in page


def test_a_late_item_shows_a_warning_naming_what_it_pushes_back(fair, client_for, marketing_user):
    build = fair.items["Build booth"]
    actions.update_work_item(
        build, actual_start=TODAY, expected_finish=fair.starts_on + timedelta(3)
    )
    page = client_for(marketing_user).get(reverse("events:detail", args=[fair.pk])).content.decode()
    warning = page[page.index('id="delay-warnings"') :]
    assert "Build booth" in warning and "delays the event" in warning
    assert "Set up booth: 5 days later" in warning and "past the event" in warning


def test_adding_a_cycle_answers_422_naming_it(fair, client_for, marketing_user):
    items = fair.items
    response = client_for(marketing_user).post(
        reverse("events:dependency_add", args=[fair.pk]),
        {
            "predecessor": items["Follow up"].pk,
            "successor": items["Book space"].pk,
            "kind": "time",
            "lag_days": "0",
        },
    )
    assert response.status_code == 422
    assert "would make a cycle" in response.content.decode()
    assert Dependency.objects.filter(successor__event=fair).count() == 5


def test_a_dependency_on_an_item_of_another_event_is_a_422(fair, client_for, marketing_user):
    other = actions.create_event(name="Expo", kind="fair", starts_on=TODAY, ends_on=TODAY)
    phase = actions.add_phase(other, name="Before")
    stranger = actions.add_work_item(other, phase=phase, name="Elsewhere")
    response = client_for(marketing_user).post(
        reverse("events:dependency_add", args=[fair.pk]),
        {
            "predecessor": stranger.pk,
            "successor": fair.items["Book space"].pk,
            "kind": "time",
            "lag_days": "x",
        },
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()


def test_item_form_refuses_a_finish_before_the_start(fair, client_for, marketing_user):
    item = fair.items["Book space"]
    data = {
        "phase": item.phase_id,
        "name": item.name,
        "duration_days": "5",
        "step": "carrying_out",
        "actual_start": "2026-05-10",
        "actual_finish": "2026-05-01",
    }
    response = client_for(marketing_user).post(reverse("events:item_edit", args=[item.pk]), data)
    assert response.status_code == 422
    assert "cannot finish before it starts" in response.content.decode()


def test_add_an_item_and_advance_its_step(fair, client_for, marketing_user):
    client = client_for(marketing_user)
    phase = fair.phases.get(name="During")
    response = client.post(
        reverse("events:item_add", args=[fair.pk]),
        {
            "phase": phase.pk,
            "name": "Hand out flyers",
            "duration_days": "3",
            "step": "planning",
            "target": "500 flyers",
        },
    )
    assert response.status_code == 302
    item = WorkItem.objects.get(name="Hand out flyers")
    assert client.post(reverse("events:item_advance", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.step == "carrying_out" and item.actual_start is not None


def test_sales_changes_only_the_items_they_own(fair, client_for, sales_user):
    client = client_for(sales_user)
    mine, theirs = fair.items["Print flyers"], fair.items["Build booth"]
    assert client.get(reverse("events:detail", args=[fair.pk])).status_code == 200
    assert client.post(reverse("events:item_advance", args=[mine.pk])).status_code == 302
    assert client.post(reverse("events:item_advance", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("events:create")).status_code == 403
    page = client.get(reverse("events:detail", args=[fair.pk])).content.decode()
    assert f'action="/events/items/{mine.pk}/advance/"' in page
    assert f'action="/events/items/{theirs.pk}/advance/"' not in page


def test_service_only_looks(fair, client_for, service_user):
    client = client_for(service_user)
    assert client.get(reverse("events:list")).status_code == 200
    item = fair.items["Print flyers"]
    assert client.post(reverse("events:item_advance", args=[item.pk])).status_code == 403
    assert (
        client.post(reverse("events:phase_add", args=[fair.pk]), {"name": "X"}).status_code == 403
    )


def test_an_unknown_event_is_a_404(client_for, marketing_user):
    assert client_for(marketing_user).get("/events/987654/").status_code == 404


def test_the_menu_has_events(client_for, service_user):
    page = client_for(service_user).get("/").content.decode()
    assert 'href="/events/"' in page


def test_list_and_plan_queries_do_not_grow_with_the_rows(fair, client_for, marketing_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(marketing_user)

    def count(url):
        client.get(url)  # warm caches (permissions, content types)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    list_before, plan_before = count("/events/"), count(f"/events/{fair.pk}/")
    phase = fair.phases.get(name="Before")
    for n in range(5):
        item = actions.add_work_item(fair, phase=phase, name=f"Extra {n}", owner=marketing_user)
        actions.add_dependency(fair.items["Book space"], item)
        actions.create_event(name=f"Other {n}", kind="seminar", starts_on=TODAY, ends_on=TODAY)
    assert count("/events/") == list_before
    assert count(f"/events/{fair.pk}/") == plan_before


def test_tabs_of_other_apps_show_only_when_their_pages_exist(fair):
    from kehu.crm.events.templatetags.event_tabs import optional_url

    assert optional_url("events:detail", fair.pk) == f"/events/{fair.pk}/"
    assert optional_url("events:no_such_page", fair.pk) == ""


def test_edit_a_dependency_lag_moves_the_successor(fair, client_for, marketing_user):
    from kehu.crm.events.queries import event_plan

    client = client_for(marketing_user)
    link = Dependency.objects.get(successor=fair.items["Build booth"])
    url = reverse("events:dependency_edit", args=[link.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"kind": "space", "lag_days": "400"})
    assert bad.status_code == 422 and "365" in bad.content.decode()
    assert client.post(url, {"kind": "time", "lag_days": "2"}).status_code == 302
    link.refresh_from_db()
    assert (link.kind, link.lag_days) == ("time", 2)
    rows = {r.item.name: r for r in event_plan(fair).rows.values()}
    assert rows["Build booth"].early_start == TODAY + timedelta(7)


def test_sales_cannot_edit_dependencies(fair, client_for, sales_user):
    link = Dependency.objects.get(successor=fair.items["Build booth"])
    url = reverse("events:dependency_edit", args=[link.pk])
    assert client_for(sales_user).post(url, {"kind": "time", "lag_days": "2"}).status_code == 403


def test_an_item_too_long_is_a_422_with_the_message(fair, client_for, marketing_user):
    item = fair.items["Print flyers"]
    data = {"phase": item.phase_id, "name": item.name, "duration_days": "99999", "step": "planning"}
    response = client_for(marketing_user).post(reverse("events:item_edit", args=[item.pk]), data)
    assert response.status_code == 422
    assert "at most 3650 days" in response.content.decode()


def test_sales_cannot_add_work_items(fair, client_for, sales_user):
    phase = fair.phases.get(name="Before")
    response = client_for(sales_user).post(
        reverse("events:item_add", args=[fair.pk]),
        {"phase": phase.pk, "name": "Sneaky", "duration_days": "1", "step": "planning"},
    )
    assert response.status_code == 403
    assert not WorkItem.objects.filter(name="Sneaky").exists()


def test_the_gantt_dates_are_numbers_on_a_chinese_page(fair):
    from kehu.crm.events.gantt import gantt_chart
    from kehu.crm.events.queries import event_plan

    with translation.override("zh-hans"):
        chinese = gantt_chart(event_plan(fair, TODAY)).figure.layout.xaxis
    with translation.override("en"):
        english = gantt_chart(event_plan(fair, TODAY)).figure.layout.xaxis
    assert chinese.tickformat == "%Y年%-m月%-d日" and chinese.type == "date"
    assert english.tickformat is None  # Plotly's own English month names


@pytest.mark.parametrize("source", ["event:²", "event:99999999999999999999999"])
def test_a_new_event_from_a_source_that_is_no_id_opens_an_empty_form(
    client_for, marketing_user, source
):
    response = client_for(marketing_user).get(reverse("events:create"), {"from": source})
    assert response.status_code == 200


def test_an_event_name_on_two_lines_is_refused(fair, client_for, marketing_user):
    # the name goes into email subjects (the badge, the survey, the invitations), and a
    # subject cannot hold a line break
    post = {
        "name": "Canton\nFair",
        "kind": fair.kind,
        "status": fair.status,
        "starts_on": str(fair.starts_on),
        "ends_on": str(fair.ends_on),
        "owner": marketing_user.pk,
        "budget": "0",
        "slug": fair.slug,
    }
    response = client_for(marketing_user).post(reverse("events:edit", args=[fair.pk]), post)
    assert response.status_code == 422
    assert "The name must fit on one line." in response.content.decode()
    fair.refresh_from_db()
    assert fair.name == "Canton Fair"
