"""What the automation app hears: a finished analysis run sets off the enabled "after
each analysis run" rules (``intelligence`` may not import this app, so it sends
``run_finished`` and this app listens); a migrate creates the ready-made rules that are
missing."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from kehu.crm.intelligence.signals import run_finished


def after_analysis(sender: type, run: Any, **kwargs: Any) -> None:
    from kehu.crm.automation.actions import run_after_analysis

    run_after_analysis(run)


def ready_made(sender: AppConfig, **kwargs: Any) -> None:
    from kehu.crm.automation.actions import ensure_ready_made_rules

    ensure_ready_made_rules()


def connect(config: AppConfig) -> None:
    run_finished.connect(after_analysis, dispatch_uid="kehu_automation_after_analysis")
    # after this app's own migrations (sender), whatever the order of the others
    post_migrate.connect(ready_made, sender=config, dispatch_uid="kehu_automation_ready_made")
