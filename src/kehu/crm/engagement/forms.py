from __future__ import annotations

from django import forms
from django.utils import timezone

from kehu.crm.customers.models import Customer
from kehu.crm.engagement.models import Interaction


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
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "body": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: object, customer: Customer, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["occurred_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.fields["occurred_at"].input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ]
