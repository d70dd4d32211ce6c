"""The segment pages as a user reads and uses them (issue 11): no tiny segments, names
that hold, medians called medians, a warning when the silhouette is weak, and a segment
a user can rename (kept across runs), export, open in the customer list and act on."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from kehu.crm.intelligence.actions import execute_run, request_run
from kehu.crm.intelligence.models import CustomerScore, Segment, ValueRun
from kehu.crm.sales.models import Activity

pytestmark = pytest.mark.django_db


def _latest(scored) -> ValueRun:
    return scored.second


def _biggest(run: ValueRun) -> Segment:
    return Segment.objects.filter(run=run).order_by("-size", "key").first()


def test_no_segment_is_smaller_than_the_minimum_and_names_hold(scored):
    run = _latest(scored)
    summary = run.mining["segments"]
    segments = list(Segment.objects.filter(run=run))
    assert min(s.size for s in segments) >= summary["min_size"] >= 10
    for s in segments:
        ratio = s.value_share / s.share
        assert s.name_key != "big_spenders" or ratio >= 1.5, s
        assert s.name_key != "champions" or ratio >= 2.0, s
        for t in s.traits:
            assert (t["segment"] > t["overall"]) == (t["z"] > 0), (s, t)


@pytest.mark.parametrize(
    ("language", "warning", "median"),
    [("en", "Weak structure", "median "), ("zh-hans", "结构较弱", "中位数 ")],
)
def test_a_weak_silhouette_is_shown_with_its_meaning(
    scored, make_user, client_for, language, warning, median
):
    run = _latest(scored)
    mining = {**run.mining, "segments": {**run.mining["segments"], "silhouette_final": 0.11}}
    ValueRun.objects.filter(pk=run.pk).update(mining=mining)
    c = client_for(make_user("analyst", language=language))
    key = _biggest(run).key
    for url in (reverse("intelligence:segments"), reverse("intelligence:segment", args=[key])):
        html = c.get(url).content.decode()
        assert 'id="segment-quality" data-weak="true"' in html
        assert warning in html and "0.11" in html and "0.25" in html
        assert median in html  # traits are labelled as medians


def test_a_clear_silhouette_shows_no_warning(scored, analyst_user, client_for):
    run = _latest(scored)
    mining = {**run.mining, "segments": {**run.mining["segments"], "silhouette_final": 0.62}}
    ValueRun.objects.filter(pk=run.pk).update(mining=mining)
    html = client_for(analyst_user).get(reverse("intelligence:segments")).content.decode()
    assert 'id="segment-quality"' in html and "data-weak" not in html
    assert "reasonably distinct" in html


def test_a_renamed_segment_keeps_its_name_in_the_next_run(scored, analyst_user, client_for):
    run = _latest(scored)
    segment = _biggest(run)
    c = client_for(analyst_user)
    response = c.post(
        reverse("intelligence:segment_rename", args=[segment.key]), {"name": "  Spring  list "}
    )
    assert response.status_code == 302
    listing = c.get(reverse("intelligence:segments")).content.decode()
    assert "Spring list" in listing

    third = execute_run(request_run())  # same data: the segments keep their keys
    assert third.status == ValueRun.Status.DONE
    kept = Segment.objects.get(run=third, key=segment.key)
    page = c.get(reverse("intelligence:segment", args=[kept.key])).content.decode()
    assert "<title>Spring list" in page or "Spring list</h1>" in page or "Spring list <span" in page
    member = CustomerScore.objects.filter(segment=kept.key).first()
    html = c.get(reverse("customers:detail", args=[member.customer_id])).content.decode()
    assert "Spring list" in html

    c.post(reverse("intelligence:segment_rename", args=[segment.key]), {"name": ""})
    listing = c.get(reverse("intelligence:segments")).content.decode()
    assert "Spring list" not in listing


def test_members_download_as_csv_through_the_formula_safe_writer(scored, analyst_user, client_for):
    run = _latest(scored)
    segment = _biggest(run)
    c = client_for(analyst_user)
    c.post(reverse("intelligence:segment_rename", args=[segment.key]), {"name": "=cmd|' /C calc'"})
    response = c.get(reverse("intelligence:segment_export", args=[segment.key]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["segment", "customer_code", "customer_name"]
    assert len(rows) == segment.size + 1
    assert {r[0] for r in rows[1:]} == {"'=cmd|' /C calc'"}
    codes = set(
        CustomerScore.objects.filter(run=run, segment=segment.key).values_list(
            "customer__code", flat=True
        )
    )
    assert {r[1] for r in rows[1:]} == codes


def test_the_segment_page_links_to_the_customer_list_filtered_by_it(
    scored, analyst_user, client_for
):
    run = _latest(scored)
    segment = _biggest(run)
    c = client_for(analyst_user)
    html = c.get(reverse("intelligence:segment", args=[segment.key])).content.decode()
    link = f"/customers/?cluster={segment.key}"
    assert f'href="{link}"' in html
    listing = c.get(link, HTTP_HX_REQUEST="true")
    assert listing.status_code == 200
    shown = set(map(int, re.findall(r'href="/customers/(\d+)/"', listing.content.decode())))
    members = set(
        CustomerScore.objects.filter(run=run, segment=segment.key).values_list(
            "customer_id", flat=True
        )
    )
    assert shown and shown <= members


def test_a_manager_gives_each_member_owner_a_follow_up_once(scored, make_user, client_for):
    run = _latest(scored)
    segment = Segment.objects.filter(run=run).order_by("size", "key").first()
    manager = make_user("sales", manager=True)
    c = client_for(manager)
    url = reverse("intelligence:segment_follow_ups", args=[segment.key])
    form = {"subject": "Spring offer call", "due": "2031-04-01"}
    page = c.post(url, form, follow=True).content.decode()
    tasks = Activity.objects.filter(subject="Spring offer call").select_related("customer")
    assert tasks.count() == segment.size
    assert f"{segment.size} follow-up tasks created" in page
    for task in tasks:
        assert task.owner_id == (task.customer.owner_id or manager.pk)
        assert task.kind == Activity.Kind.FOLLOW_UP and task.completed_at is None
    again = c.post(url, form, follow=True).content.decode()
    assert Activity.objects.filter(subject="Spring offer call").count() == segment.size
    assert "0 follow-up tasks created" in again and "had an open task" in again


def test_only_those_who_see_every_customer_create_tasks(scored, sales_user, client_for):
    segment = _biggest(_latest(scored))
    url = reverse("intelligence:segment_follow_ups", args=[segment.key])
    form = {"subject": "x", "due": "2031-04-01"}
    assert client_for(sales_user).post(url, form).status_code == 403
    assert not Activity.objects.filter(subject="x").exists()


def test_a_bad_due_date_creates_nothing_and_says_why(scored, admin_user, client_for):
    segment = _biggest(_latest(scored))
    url = reverse("intelligence:segment_follow_ups", args=[segment.key])
    page = client_for(admin_user).post(url, {"subject": "x", "due": "next week"}, follow=True)
    assert page.status_code == 200 and "No tasks were created" in page.content.decode()
    assert not Activity.objects.filter(subject="x").exists()


def test_an_unknown_segment_is_a_404(scored, analyst_user, client_for):
    c = client_for(analyst_user)
    assert c.get(reverse("intelligence:segment", args=[999])).status_code == 404
    assert c.get(reverse("intelligence:segment_export", args=[999])).status_code == 404
    renamed = c.post(reverse("intelligence:segment_rename", args=[999]), {"name": "a"})
    assert renamed.status_code == 404


def test_kehu_score_prints_the_segments_and_how_well_they_separate(scored):
    from click.testing import CliRunner

    from kehu.cli import main

    result = CliRunner().invoke(main, ["score"])
    assert result.exit_code == 0, result.output
    run = ValueRun.objects.filter(status=ValueRun.Status.DONE).order_by("-id").first()
    summary = run.mining["segments"]
    headline = f"segments: {summary['k']} (silhouette {summary['silhouette_final']:.3f}"
    assert headline in result.output
    for s in Segment.objects.filter(run=run):
        assert f"  #{s.key} {s.name}: {s.size:,} customers" in result.output
