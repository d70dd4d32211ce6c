"""The service-level defaults (policies, the business calendar) as the data migration
writes them: a transactional test elsewhere in the run empties every table, the rows
written by migrations included, so the tests that count on them write them again."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps


@pytest.fixture
def sla_defaults(db: None) -> None:
    migration = importlib.import_module("kehu.crm.service.migrations.0005_sla_defaults")
    migration.add_defaults(apps, None)
