"""Fixtures of the reports' tests: the small sales world of ``world.py`` (net sales by
region and year counted by hand there), the warehouse built from it in a VAR_DIR of
the test's own, and an analyst's client."""

from __future__ import annotations

from typing import Any

import pytest
from tests.crm.reports.world import make_sales_world


@pytest.fixture
def sales_world(db: None) -> dict[str, Any]:
    return make_sales_world()


@pytest.fixture
def warehouse_home(settings: Any, tmp_path: Any) -> Any:
    """A VAR_DIR of the test's own, so the warehouse it builds is its own."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def built(sales_world: dict[str, Any], warehouse_home: Any) -> dict[str, Any]:
    from kehu.crm.intelligence.warehouse import build_warehouse

    build_warehouse()
    return sales_world


@pytest.fixture
def viewer(make_user: Any, client_for: Any) -> Any:
    """An analyst: sees every customer and may build the warehouse."""
    return client_for(make_user("analyst", username="ana"))
