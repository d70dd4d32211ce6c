"""The intelligence page: who may see it and start a run, the htmx progress fragment,
the overview of the latest run and the CSV of a run's scores."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.crm.intelligence import actions
from kehu.crm.intelligence.actions import execute_run, request_run
from kehu.crm.intelligence.models import ValueRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched(monkeypatch) -> list[int]:
    """Record detached launches instead of starting processes."""
    started: list[int] = []
    monkeypatch.setattr(actions, "launch_detached", lambda run: started.append(run.pk))
    return started


def test_sales_cannot_start_a_run_or_see_the_page(sales_user, client_for, launched):
    c = client_for(sales_user)
    assert c.post(reverse("intelligence:run_start")).status_code == 403
    assert c.get(reverse("intelligence:overview")).status_code == 403
    assert not ValueRun.objects.exists() and not launched


def test_a_sales_manager_sees_the_page_without_the_run_button(make_user, client_for):
    response = client_for(make_user("sales", manager=True)).get(reverse("intelligence:overview"))
    assert response.status_code == 200
    assert b"Run analysis now" not in response.content
    assert b'id="no-run"' in response.content


def test_an_analyst_starts_a_run_in_the_background(analyst_user, client_for, launched):
    response = client_for(analyst_user).post(reverse("intelligence:run_start"), follow=True)
    run = ValueRun.objects.get()
    assert launched == [run.pk]
    assert run.status == ValueRun.Status.QUEUED and run.requested_by == analyst_user
    assert f"Analysis run #{run.pk} started." in response.content.decode()
    page = response.content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert reverse("intelligence:run_progress", args=[run.pk]) in page


def test_a_second_start_while_one_runs_is_refused_with_a_message(admin_user, client_for, launched):
    c = client_for(admin_user)
    c.post(reverse("intelligence:run_start"))
    response = c.post(reverse("intelligence:run_start"), follow=True)
    assert "already in progress" in response.content.decode()
    assert ValueRun.objects.count() == 1 and len(launched) == 1


def test_the_detached_command_runs_the_requested_run():
    run = request_run()
    assert actions.score_arguments(run) == ["score", "--run", str(run.pk)]


def test_progress_fragment_polls_while_running_and_refreshes_when_done(analyst_user, client_for):
    run = request_run(analyst_user)
    ValueRun.objects.filter(pk=run.pk).update(
        status=ValueRun.Status.RUNNING, progress_text="fitting BG/NBD", progress_percent=25
    )
    c = client_for(analyst_user)
    url = reverse("intelligence:run_progress", args=[run.pk])
    polling = c.get(url, HTTP_HX_REQUEST="true")
    body = polling.content.decode()
    assert 'hx-trigger="every 2s"' in body and "fitting BG/NBD" in body and 'value="25"' in body
    assert "HX-Refresh" not in polling
    ValueRun.objects.filter(pk=run.pk).update(status=ValueRun.Status.DONE, progress_percent=100)
    finished = c.get(url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert "every 2s" not in finished.content.decode()


def test_a_failed_run_shows_its_plain_message_not_a_traceback(analyst_user, client_for):
    run = execute_run(request_run())
    page = client_for(analyst_user).get(reverse("intelligence:overview")).content.decode()
    assert run.error in page and "Traceback" not in page


def test_the_page_is_in_chinese_for_a_chinese_user(make_user, client_for):
    user = make_user("analyst", language="zh-hans")
    page = client_for(user).get(reverse("intelligence:overview")).content.decode()
    assert "立即运行分析" in page and "分析历史" in page
