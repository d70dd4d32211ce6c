"""The home page's dashboards, one per role: what a salesperson, a service agent, a
marketer, an analyst and an administrator act on, each figure and chart point linking to
the filtered list behind it.

A user sees the dashboard of each of their roles, their main role first: the role they
were given first (the order of their group memberships); an administrator by the
superuser flag alone has the administrator's. ``base`` holds what a dashboard is made
of, a module per role fills it with a few aggregate queries, ``drawing`` turns its
panels into charts."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser

from kehu.crm.choices import Role
from kehu.crm.screens.dashboards.admin import admin_dashboard
from kehu.crm.screens.dashboards.analyst import analyst_dashboard
from kehu.crm.screens.dashboards.base import Dashboard
from kehu.crm.screens.dashboards.marketing import marketing_dashboard
from kehu.crm.screens.dashboards.sales import sales_dashboard
from kehu.crm.screens.dashboards.service import service_dashboard

BUILDERS: dict[str, Callable[[AbstractBaseUser], Dashboard]] = {
    Role.SALES: sales_dashboard,
    Role.SERVICE: service_dashboard,
    Role.MARKETING: marketing_dashboard,
    Role.ANALYST: analyst_dashboard,
    Role.ADMIN: admin_dashboard,
}


def user_roles(user: AbstractBaseUser) -> list[str]:
    """The user's roles, main role first (one query)."""
    through = user.groups.through  # type: ignore[attr-defined]
    names = list(
        through.objects.filter(user_id=user.pk, group__name__in=Role.values)
        .order_by("id")
        .values_list("group__name", flat=True)
    )
    if user.is_superuser and Role.ADMIN.value not in names:  # type: ignore[attr-defined]
        names.append(Role.ADMIN.value)
    return names


def dashboards_for(user: AbstractBaseUser, roles: list[str] | None = None) -> list[Dashboard]:
    """The dashboards of ``roles`` (the user's own by default), in that order."""
    return [BUILDERS[role](user) for role in (user_roles(user) if roles is None else roles)]


__all__ = ["Dashboard", "dashboards_for", "user_roles"]
