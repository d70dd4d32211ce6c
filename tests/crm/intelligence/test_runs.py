"""Runs on an empty or small CRM: plain failures, one run at a time, abandoned runs,
the `kehu score` command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from kehu.cli import main
from kehu.crm.intelligence import actions
from kehu.crm.intelligence.actions import (
    NO_ORDERS,
    RunRefusedError,
    active_run,
    execute_run,
    request_run,
)
from kehu.crm.intelligence.models import ValueRun

pytestmark = pytest.mark.django_db


def test_a_run_on_an_empty_database_fails_with_a_plain_message(make_customer):
    make_customer("Only A Prospect")
    run = execute_run(request_run())
    assert run.status == ValueRun.Status.FAILED
    assert run.error == NO_ORDERS == "no orders yet: add orders or load demo data"
    assert run.finished_at is not None and active_run() is None


def test_a_second_run_is_refused_while_one_is_queued_or_running(analyst_user):
    first = request_run(analyst_user)
    with pytest.raises(RunRefusedError, match="already in progress"):
        request_run(analyst_user)
    ValueRun.objects.filter(pk=first.pk).update(status=ValueRun.Status.RUNNING)
    with pytest.raises(RunRefusedError):
        request_run()


def test_a_run_whose_process_died_is_marked_failed_and_does_not_block():
    stale = request_run()
    ValueRun.objects.filter(pk=stale.pk).update(
        status=ValueRun.Status.RUNNING, updated_at=timezone.now() - timedelta(hours=1)
    )
    fresh = request_run()
    stale.refresh_from_db()
    assert stale.status == ValueRun.Status.FAILED and "stopped without finishing" in stale.error
    assert active_run() == fresh


def test_only_a_queued_run_can_be_executed():
    run = execute_run(request_run())
    with pytest.raises(RunRefusedError, match="not queued"):
        execute_run(run)


def test_an_unexpected_error_fails_the_run_with_one_line(monkeypatch, make_customer):
    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(actions.extract, "orders", broken)
    run = execute_run(request_run())
    assert run.status == ValueRun.Status.FAILED
    assert run.error == "the analysis stopped: RuntimeError: disk on fire"


def test_kehu_score_reports_a_failed_run_and_exits_non_zero():
    result = CliRunner().invoke(main, ["score"])
    assert result.exit_code == 2
    assert "no orders yet" in result.output
    assert ValueRun.objects.get().status == ValueRun.Status.FAILED


def test_kehu_score_gives_blas_one_thread_unless_the_user_chose_a_number(monkeypatch):
    import os

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    CliRunner().invoke(main, ["score"])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    CliRunner().invoke(main, ["score"])
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_kehu_score_refuses_while_a_run_is_in_progress():
    request_run()
    result = CliRunner().invoke(main, ["score"])
    assert result.exit_code == 2 and "already in progress" in result.output


def test_kehu_score_rejects_a_bad_date_and_an_unknown_run():
    assert "--as-of must be a date" in CliRunner().invoke(main, ["score", "--as-of", "x"]).output
    assert "no run #99" in CliRunner().invoke(main, ["score", "--run", "99"]).output


def test_kehu_score_says_how_to_choose_the_engine(settings):
    result = CliRunner().invoke(main, ["score", "--spark-master", "spark://h:7077"])
    assert result.exit_code == 2 and "--spark-master goes with --engine spark" in result.output
    result = CliRunner().invoke(main, ["score", "--engine", "hadoop"])
    assert result.exit_code == 2 and "'hadoop' is not one of 'duckdb', 'spark'" in result.output
    settings.KEHU_ANALYSIS_ENGINE = "hadoop"
    result = CliRunner().invoke(main, ["score"])
    assert result.exit_code == 2 and "KEHU_ANALYSIS_ENGINE" in result.output
    assert not ValueRun.objects.exists()


def test_a_run_with_an_unknown_configured_engine_fails_with_the_setting_to_fix(
    settings, make_customer
):
    settings.KEHU_ANALYSIS_ENGINE = "hadoop"
    run = execute_run(request_run())
    assert run.status == ValueRun.Status.FAILED and "KEHU_ANALYSIS_ENGINE" in run.error
