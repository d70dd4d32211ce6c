"""People and programs that use the CRM: ``kehu user add``, ``kehu user passwd`` and
``kehu token``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kehu.cli.console import fail
from kehu.cli.crm import setup_django
from kehu.cli.options import LazyChoice

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def _roles() -> list[str]:
    """The roles the CRM defines (``Role`` in :mod:`kehu.crm.accounts.roles`)."""
    setup_django()
    from kehu.crm.accounts.roles import Role

    return list(Role.values)


@click.group()
def user() -> None:
    """Manage users and their roles."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=LazyChoice(_roles))
@click.option("--manager", is_flag=True, help="Sales user who sees every customer.")
@click.option("--email", default="")
def user_add(username: str, role: str, manager: bool, email: str) -> None:
    """Create a user with a role; prints the generated password once."""
    setup_django()
    from django.core.exceptions import ValidationError

    from kehu.crm.accounts.actions import create_user

    try:
        _user, password = create_user(username, role=role, manager=manager, email=email)
    except ValidationError as e:
        fail("; ".join(e.messages))
    click.echo(f"created {username} ({role}); password: {password}")


@user.command("passwd")
@click.argument("username")
def user_passwd(username: str) -> None:
    """Reset a user's password to a new random one (printed once)."""
    setup_django()
    from kehu.crm.accounts.actions import reset_password

    click.echo(f"new password for {username}: {reset_password(_account(username))}")


@click.command()
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def token(username: str, name: str) -> None:
    """Create an API token for a user (printed once)."""
    setup_django()
    from kehu.crm.accounts.actions import issue_token

    click.echo(issue_token(_account(username), name))


def _account(username: str) -> AbstractBaseUser:
    """The user named ``username``, or the command ends saying there is none."""
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.filter(username=username).first()
    if account is None:
        fail(f"no user named {username!r}")
    return account


#: The commands this module adds to ``kehu``.
COMMANDS = (user, token)
