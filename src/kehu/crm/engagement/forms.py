from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from kehu.crm.customers.models import Customer
from kehu.crm.engagement.models import Interaction
from kehu.crm.far_future import CONFIRM_FIELD, check_far_future, confirm_field

# an interaction has happened: one dated beyond tomorrow is surely a typo
FAR_FUTURE = {"occurred_at": timedelta(days=1)}


class InteractionForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = [
            "channel",
            "direction",
            "contact",
            "subject",
            "body",
            "occurred_at",
            "duration_minutes",
        ]
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "body": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: object, customer: Customer, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields[CONFIRM_FIELD] = confirm_field()
        self.fields["occurred_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.fields["occurred_at"].input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_far_future(self, FAR_FUTURE)
        return data

    def interaction_fields(self) -> dict[str, Any]:
        """Keyword arguments for the actions."""
        return {k: v for k, v in self.cleaned_data.items() if k != CONFIRM_FIELD}
