"""The five roles of a small company's CRM, as Django groups, and what each may do.

A role is a group; its permissions are Django model permissions, so the admin site, the
UI and the API all read the same source. Row-level rule on top: a sales user sees and
edits only the customers they own (and those customers' orders, opportunities, tickets
and interactions) unless they hold ``customers.access_all_customers`` (manager rights).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    ADMIN = "admin", _("Administrator")
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")
    ANALYST = "analyst", _("Analyst")


ALL_CUSTOMERS = "customers.access_all_customers"

_VIEW = ("view",)
_EDIT = ("view", "add", "change")
_FULL = ("view", "add", "change", "delete")

# model label -> actions, per role. The admin role is a superuser-like role: every
# permission of the kehu apps plus user management.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.SALES: {
        "customers.customer": _EDIT,
        "customers.contact": _FULL,
        "customers.tag": _VIEW,
        "catalog.product": _VIEW,
        "catalog.productcategory": _VIEW,
        "sales.order": _EDIT,
        "sales.orderline": _FULL,
        "sales.opportunity": _FULL,
        "sales.activity": _FULL,
        "service.ticket": _VIEW,
        "engagement.interaction": _EDIT,
    },
    Role.SERVICE: {
        "customers.customer": ("view", "change"),
        "customers.contact": _EDIT,
        "customers.tag": _VIEW,
        "catalog.product": _VIEW,
        "catalog.productcategory": _VIEW,
        "sales.order": _VIEW,
        "sales.orderline": _VIEW,
        "sales.activity": _FULL,
        "service.ticket": _EDIT,
        "service.ticketevent": ("view", "add"),
        "service.technicianvisit": _FULL,
        "engagement.interaction": _EDIT,
    },
    Role.MARKETING: {
        "customers.customer": ("view", "change"),
        "customers.contact": _VIEW,
        "customers.tag": _FULL,
        "catalog.product": _VIEW,
        "catalog.productcategory": _VIEW,
        "sales.order": _VIEW,
        "sales.opportunity": _VIEW,
        "sales.activity": _FULL,
        "service.ticket": _VIEW,
        "engagement.interaction": _EDIT,
    },
    Role.ANALYST: {
        "customers.customer": _VIEW,
        "customers.contact": _VIEW,
        "customers.tag": _VIEW,
        "catalog.product": _VIEW,
        "catalog.productcategory": _VIEW,
        "sales.order": _VIEW,
        "sales.orderline": _VIEW,
        "sales.opportunity": _VIEW,
        "sales.activity": _VIEW,
        "service.ticket": _VIEW,
        "service.ticketevent": _VIEW,
        "service.technicianvisit": _VIEW,
        "engagement.interaction": _VIEW,
    },
}
# Roles that work with every customer by the nature of the job.
ROLES_SEEING_ALL_CUSTOMERS = (Role.SERVICE, Role.MARKETING, Role.ANALYST)
KEHU_APPS = ("accounts", "customers", "catalog", "sales", "service", "engagement")


def _permissions_for(role: str) -> list[Permission]:
    if role == Role.ADMIN:
        return list(Permission.objects.filter(content_type__app_label__in=(*KEHU_APPS, "auth")))
    wanted: list[Permission] = []
    for label, actions in ROLE_PERMISSIONS[role].items():
        app_label, model = label.split(".")
        wanted.extend(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )
    if role in ROLES_SEEING_ALL_CUSTOMERS:
        wanted.extend(
            Permission.objects.filter(
                content_type__app_label="customers", codename="access_all_customers"
            )
        )
    return wanted


@transaction.atomic
def sync_role_groups() -> None:
    """Create the role groups and set their permissions (idempotent)."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_permissions_for(role))


def roles_of(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_kehu_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        if user.is_superuser:  # type: ignore[attr-defined]
            cached.add(Role.ADMIN.value)
        user._kehu_roles = cached  # type: ignore[union-attr]
    return cached


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return Role.ADMIN.value in roles_of(user)


def sees_all_customers(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and (is_admin(user) or user.has_perm(ALL_CUSTOMERS))
