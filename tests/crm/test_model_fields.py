"""The models declare their shared fields with kehu.crm.model_fields; whatever way a
field is written, the database it describes is the one the migrations build."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_need_no_migration_the_apps_lack() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"the models differ from their migrations:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
