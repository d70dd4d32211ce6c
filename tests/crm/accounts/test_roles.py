"""The role groups hold what the apps declare in their AppConfig: exactly the
permissions each group held when accounts/roles.py listed them by hand
(role_permissions.json, dumped from that version)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from kehu.crm.accounts.roles import sync_role_groups

pytestmark = pytest.mark.django_db

EXPECTED = json.loads((Path(__file__).parent / "role_permissions.json").read_text())


def _held() -> dict[str, list[str]]:
    return {
        group.name: sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        )
        for group in Group.objects.order_by("name")
    }


def test_each_role_group_holds_the_permissions_the_apps_declare() -> None:
    sync_role_groups()
    assert _held() == EXPECTED
