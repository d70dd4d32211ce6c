"""What the automation app hears: a finished analysis run sets off the enabled "after
each analysis run" rules (``intelligence`` may not import this app, so it sends
``run_finished`` and this app listens)."""

from __future__ import annotations

from typing import Any

from kehu.crm.intelligence.signals import run_finished


def after_analysis(sender: type, run: Any, **kwargs: Any) -> None:
    from kehu.crm.automation.actions import run_after_analysis

    run_after_analysis(run)


def connect() -> None:
    run_finished.connect(after_analysis, dispatch_uid="kehu_automation_after_analysis")
