"""Writes for users, roles and tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AbstractUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from kehu.crm.accounts.models import ApiToken, Team, UserProfile, hash_token
from kehu.crm.accounts.roles import Role, sync_role_groups
from kehu.crm.unset import UNSET, Unset, set_given
from kehu.crm.validation import validate


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(
            {"role": f"role must be one of {sorted(Role.values)}, got {role!r}"},
            code="invalid_choice",
        )


@transaction.atomic
def create_user(
    username: str,
    *,
    role: str,
    password: str | None = None,
    email: str = "",
    manager: bool = False,
    language: str = "en",
) -> tuple[AbstractUser, str]:
    """Create a user with one role. Returns the user and the password (generated when
    none is given)."""
    _check_role(role)
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise ValidationError({"username": f"user {username!r} exists already"}, code="unique")
    password = password or secrets.token_urlsafe(12)
    user = user_model.objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    set_role(user, role, manager=manager)
    UserProfile.objects.create(user=user, language=language)
    return user, password


@transaction.atomic
def set_role(user: AbstractUser, role: str, *, manager: bool = False) -> None:
    _check_role(role)
    if not Group.objects.filter(name=role).exists():
        sync_role_groups()
    user.groups.set([Group.objects.get(name=role)])
    manager_perm = Permission.objects.get(
        content_type__app_label="customers", codename="access_all_customers"
    )
    if manager:
        user.user_permissions.add(manager_perm)
    else:
        user.user_permissions.remove(manager_perm)


def ensure_admin(username: str = "admin") -> str | None:
    """Create the first admin of a fresh install. Returns its new password, or None
    when an admin exists already (the password is shown only once)."""
    sync_role_groups()
    if get_user_model().objects.filter(is_superuser=True).exists():
        return None
    _user, password = create_user(username, role=Role.ADMIN)
    return password


def set_language(user: AbstractUser, language: str) -> None:
    UserProfile.objects.update_or_create(user=user, defaults={"language": language})


def issue_token(user: AbstractUser, name: str) -> str:
    """Create an API token; returns the raw key, which is not stored."""
    raw = ApiToken.new_raw_key()
    ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw))
    return raw


def revoke_token(user: AbstractBaseUser, *, token_id: int) -> bool:
    """Delete the API token ``token_id`` if it is one of ``user``'s (another user's token
    is left alone); returns whether one was deleted. A request with it is refused from
    then on."""
    deleted, _by_model = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def reset_password(user: AbstractBaseUser, *, password: str | None = None) -> str:
    """Set ``user``'s password to ``password``, or to a new random one when none is
    given; returns it (it is stored only hashed, so this is the one time it is seen)."""
    password = password or secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


@transaction.atomic
def create_team(name: str, *, manager: AbstractBaseUser | None = None) -> Team:
    """A new team; its ``manager`` sets the members' targets and sees their figures."""
    team = Team(name=name.strip(), manager=manager)
    validate(team)
    team.save()
    return team


@transaction.atomic
def update_team(
    team: Team,
    *,
    name: str | Unset = UNSET,
    manager: AbstractBaseUser | None | Unset = UNSET,
) -> Team:
    if not isinstance(name, Unset):
        name = name.strip()
    set_given(team, name=name, manager=manager)
    validate(team)
    team.save()
    return team


@transaction.atomic
def delete_team(team: Team) -> None:
    """Delete ``team``; its members stay, in no team."""
    team.delete()


@transaction.atomic
def set_team(user: AbstractBaseUser, team: Team | None) -> None:
    """Put ``user`` in ``team`` (a person is in one team at most), or in none."""
    UserProfile.objects.update_or_create(user=user, defaults={"team": team})
