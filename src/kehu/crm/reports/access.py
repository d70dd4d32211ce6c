"""Who opens the reports, and the warehouse they read.

The warehouse holds every customer, so the reports are for those who see every
customer (managers, service, marketing, analysts, administrators): a sales user
without manager rights gets the 403 page, and no menu entry. Building the warehouse is
for those who run the analysis (analysts, administrators).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.intelligence import warehouse
from kehu.crm.intelligence.views import can_run
from kehu.insight import olap
from kehu.insight.engine import DuckDBEngine


def require_viewer(request: HttpRequest) -> None:
    if not sees_all_customers(request.user):
        raise PermissionDenied


def can_build(user: AbstractBaseUser | AnonymousUser) -> bool:
    return can_run(user)


def open_engine() -> DuckDBEngine | None:
    """The warehouse's engine (close it after use), or None when it was never built."""
    try:
        return warehouse.open_warehouse()
    except olap.WarehouseError:
        return None
