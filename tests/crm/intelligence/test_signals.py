"""A finished analysis run tells the apps above it (marketing, automation), which the
analysis may not import, through ``run_finished``; a receiver that fails does not fail
the run. A failed run announces nothing."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kehu.crm.intelligence.actions import execute_run, request_run
from kehu.crm.intelligence.models import ValueRun
from kehu.crm.intelligence.signals import run_finished

pytestmark = pytest.mark.django_db


class Listener:
    def __init__(self) -> None:
        self.runs: list[ValueRun] = []

    def __call__(self, sender: type, run: ValueRun, **kwargs: object) -> None:
        self.runs.append(run)


def broken(sender: type, run: ValueRun, **kwargs: object) -> None:
    raise RuntimeError("a receiver that fails")


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_a_done_run_is_announced_once_and_a_failing_receiver_does_not_fail_it():
    from kehu.crm.demo.load import load_demo

    load_demo(120, seed=5)
    listener = Listener()
    run_finished.connect(broken, dispatch_uid="test-broken")
    run_finished.connect(listener, dispatch_uid="test-listener")
    try:
        run = execute_run(request_run())
    finally:
        run_finished.disconnect(dispatch_uid="test-broken")
        run_finished.disconnect(dispatch_uid="test-listener")
    run.refresh_from_db()
    assert run.status == ValueRun.Status.DONE
    assert [r.pk for r in listener.runs] == [run.pk]


def test_a_failed_run_is_not_announced():
    listener = Listener()
    run_finished.connect(listener, dispatch_uid="test-listener")
    try:
        run = execute_run(request_run())  # no orders: the run fails
    finally:
        run_finished.disconnect(dispatch_uid="test-listener")
    assert run.status == ValueRun.Status.FAILED
    assert listener.runs == []
