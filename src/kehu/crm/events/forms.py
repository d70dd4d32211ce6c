"""Forms of the event pages: the event, a work item, a dependency, a phase. The
actions check again; their errors land on the field of the same name
(``attach_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from kehu.crm.events.models import Dependency, Event, Phase, WorkItem
from kehu.crm.events.plan_templates import TEMPLATES

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _active_users() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "name",
            "kind",
            "status",
            "starts_on",
            "ends_on",
            "venue",
            "city",
            "owner",
            "budget",
            "capacity",
            "slug",
            "description",
        ]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _(
            "The public registration page's address, /e/<address>/. Leave empty to make "
            "one from the name."
        )
        self.fields["description"].widget.attrs["rows"] = 3


def plan_sources() -> list[tuple[str, Any]]:
    """What a new event's plan can start from: nothing, a built-in template, or the
    plan of an earlier event (the latest first)."""
    built_in = [(f"template:{key}", t.label) for key, t in TEMPLATES.items()]
    earlier = [
        (f"event:{e.pk}", f"{e.name} ({e.starts_on.isoformat()})")
        for e in Event.objects.filter(work_items__isnull=False)
        .distinct()
        .order_by("-starts_on")[:50]
    ]
    return [
        ("", _("An empty plan")),
        (_("Built-in templates"), built_in),
        *([(_("Earlier events"), earlier)] if earlier else []),
    ]


class NewEventForm(EventForm):
    plan_from = forms.ChoiceField(label=_("Start the plan from"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan_from"].choices = plan_sources()
        self.order_fields(["plan_from", *EventForm.Meta.fields])


class WorkItemForm(forms.ModelForm):
    class Meta:
        model = WorkItem
        fields = [
            "phase",
            "name",
            "goal",
            "target",
            "owner",
            "planned_start",
            "duration_days",
            "deadline",
            "step",
            "actual_start",
            "actual_finish",
            "expected_finish",
        ]
        widgets = {
            "planned_start": DATE_INPUT,
            "deadline": DATE_INPUT,
            "actual_start": DATE_INPUT,
            "actual_finish": DATE_INPUT,
            "expected_finish": DATE_INPUT,
        }

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = Phase.objects.filter(event=event)
        self.fields["owner"].queryset = _active_users()
        self.fields["goal"].widget.attrs["rows"] = 2
        self.fields["duration_days"].widget.attrs["max"] = 3650


class DependencyForm(forms.Form):
    predecessor = forms.ModelChoiceField(label=_("Must finish first"), queryset=WorkItem.objects)
    successor = forms.ModelChoiceField(
        label=_("Before this item starts"), queryset=WorkItem.objects
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Dependency.Kind.choices)
    lag_days = forms.IntegerField(
        label=_("Lag (days)"), initial=0, min_value=-365, max_value=365, required=False
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = WorkItem.objects.filter(event=event).order_by("phase__position", "position", "id")
        self.fields["predecessor"].queryset = items
        self.fields["successor"].queryset = items


class DependencyEditForm(forms.ModelForm):
    class Meta:
        model = Dependency
        fields = ["kind", "lag_days"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lag_days"].min_value = -365
        self.fields["lag_days"].max_value = 365
        self.fields["lag_days"].validators += [
            MinValueValidator(-365),
            MaxValueValidator(365),
        ]


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("New phase"), max_length=100)
