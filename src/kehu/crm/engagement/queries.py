"""Which interactions a user sees, and who may change or delete one. (The customer
timeline, which merges interactions with orders and tickets, is a screen:
:mod:`kehu.crm.screens.timeline`.)"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from kehu.crm.accounts.roles import is_admin
from kehu.crm.customers.queries import customer_scope
from kehu.crm.engagement.models import Interaction

User = AbstractBaseUser | AnonymousUser


def visible_interactions(user: User) -> QuerySet[Interaction]:
    return Interaction.objects.filter(customer_scope(user))


def may_change(user: User, interaction: Interaction) -> bool:
    """The author may correct their own log entry; an administrator any entry."""
    if not user.has_perm("engagement.change_interaction"):
        return False
    return interaction.user_id == user.pk or is_admin(user)


def may_delete(user: User, interaction: Interaction) -> bool:
    """The author may take back their own log entry; whoever holds the delete
    permission (administrators) any entry."""
    return user.has_perm("engagement.delete_interaction") or may_change(user, interaction)
