"""The five roles of a small company's CRM, as Django groups, and what each may do.

A role is a group; its permissions are Django model permissions, so the admin site, the
UI and the API all read the same source; each app declares what a role may do with its
models in its ``AppConfig`` (:mod:`kehu.crm.appconfig`). Row-level rule on top: a sales
user sees and edits only the customers they own (and those customers' orders,
opportunities, tickets and interactions) unless they hold
``customers.access_all_customers`` (manager rights).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db import transaction

from kehu.crm.appconfig import ALL, role_grants
from kehu.crm.choices import Role

ALL_CUSTOMERS = "customers.access_all_customers"

# Roles that work with every customer by the nature of the job.
ROLES_SEEING_ALL_CUSTOMERS = (Role.SERVICE, Role.MARKETING, Role.ANALYST)


def _permissions_for(role: str) -> list[Permission]:
    """What each app grants ``role`` in its ``AppConfig.role_permissions``
    (:mod:`kehu.crm.appconfig`). The admin role is a superuser-like role: every
    permission of the apps that grant it ``ALL``, plus user management."""
    grants = role_grants(role)
    if role == Role.ADMIN:
        app_labels = [label for label, grant in grants.items() if grant == ALL]
        return list(Permission.objects.filter(content_type__app_label__in=(*app_labels, "auth")))
    wanted: list[Permission] = []
    for app_label, models in grants.items():
        if models == ALL:
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label))
            continue
        for model, actions in models.items():
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
