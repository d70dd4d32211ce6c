"""The forms of the performance pages: the period, a target for a team member, a team
and its members (each saved through the owning app's actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from kehu.crm.accounts.models import Team

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TargetForm(forms.Form):
    """A target for one member of a team (sales.actions.set_sales_target checks it)."""

    user = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.none())
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    amount = forms.DecimalField(label=_("Target amount"), max_digits=14, decimal_places=2)

    def __init__(
        self, *args: Any, team: Team, exclude: AbstractBaseUser | None = None, **kwargs: Any
    ) -> None:
        """The members of ``team`` but ``exclude`` (a manager in their own team: their
        target is set by an administrator)."""
        super().__init__(*args, **kwargs)
        members = get_user_model().objects.filter(profile__team=team, is_active=True)
        if exclude is not None:
            members = members.exclude(pk=exclude.pk)
        self.fields["user"].queryset = members.order_by("username")  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
    )


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Add a member"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        help_text=_("A person is in one team at most: adding them here moves them."),
    )
