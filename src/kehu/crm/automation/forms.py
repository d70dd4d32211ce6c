"""The rule form: a rule's trigger, conditions and actions as plain fields (shares as
percentages), turned into the JSON the rule keeps; the action that saves the rule
checks it again and its errors land on the field of the same name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kehu.crm.automation.effects import ACTIVITY_KINDS, EFFECTS, PRIORITY_ORDER
from kehu.crm.automation.models import Rule
from kehu.crm.automation.queries import CONDITION_KEYS
from kehu.crm.automation.triggers import TRIGGERS, trigger_choices
from kehu.crm.customers.models import Customer
from kehu.crm.intelligence.labels import LIFECYCLE, SEGMENTS, TIERS, choices
from kehu.crm.marketing.models import Campaign
from kehu.crm.sales.models import Activity
from kehu.crm.service.models import Ticket

#: form fields holding a share (0 to 1) as a percentage
PERCENT_FIELDS = ("threshold", "drop", "min_p_alive", "min_churn")
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
ACTION_FIELDS = {
    "activity": ("activity_kind", "due_days", "subject", "fallback_user"),
    "tag": ("add_tag",),
    "escalate": ("priority", "assignee"),
    "notify": ("user",),
    "enrol": ("campaign",),
}


def _multi(label: Any, options: list[tuple[str, Any]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=options, required=False, widget=forms.CheckboxSelectMultiple
    )


def _percent(label: Any, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=low, max_value=high, required=False)


def _whole(label: Any, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=low, max_value=high, required=False)


def _users(label: Any, empty: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label=empty,
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    # the trigger and its parameters (each trigger reads its own)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=trigger_choices)
    to_tiers = _multi(_("To tier"), choices(TIERS))
    from_tiers = _multi(_("From tier"), choices(TIERS))
    threshold = _percent(_("Churn risk threshold (%)"), 1, 99)
    drop = _percent(_("Fall in P(alive) of at least (percentage points)"), 1, 100)
    min_new_flags = _whole(_("New deviation flags, at least"), 1, 20)
    to_segments = _multi(_("To RFM segment"), choices(SEGMENTS))
    sla_flag = forms.ChoiceField(
        label=_("Service level"),
        choices=[("breached", _("breached")), ("at_risk", _("at risk"))],
        required=False,
    )
    hours = _whole(_("Working hours without a reply"), 1, 2000)
    ticket_types = _multi(_("Ticket types"), Ticket.Type.choices)
    within_days = _whole(_("Look back (days)"), 1, 366)
    days = _whole(_("Days without an order"), 1, 3650)
    overdue_days = _whole(_("Days past due, at least"), 1, 3650)
    min_open = _whole(_("Left to pay on the invoice, at least"), 0, 10**12)
    hour = _whole(_("At hour (0-23)"), 0, 23)
    weekday = forms.TypedChoiceField(
        label=_("On"), choices=WEEKDAYS, coerce=int, required=False, empty_value=None
    )
    # conditions: the customer list's filters
    tier = _multi(_("Tier"), choices(TIERS))
    segment = _multi(_("RFM segment"), choices(SEGMENTS))
    lifecycle = _multi(_("Lifecycle stage"), choices(LIFECYCLE))
    status = _multi(_("Customer status"), Customer.Status.choices)
    cluster = _whole(_("Analysis segment (number)"), 0, 1000)
    min_p_alive = _percent(_("P(alive) at least (%)"), 0, 100)
    min_churn = _percent(_("Churn risk at least (%)"), 0, 100)
    min_flags = _whole(_("Deviation flags at least"), 0, 100)
    flag = forms.CharField(label=_("Deviation flag"), max_length=60, required=False)
    country = forms.CharField(label=_("Country"), max_length=100, required=False)
    owner = _users(_("Owner"), _("anyone"))
    tag = forms.CharField(label=_("Tag"), max_length=50, required=False)
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    # actions
    do_activity = forms.BooleanField(label=_("Create an activity for the owner"), required=False)
    activity_kind = forms.ChoiceField(
        label=_("Activity"),
        choices=[(k, label) for k, label in Activity.Kind.choices if k in ACTIVITY_KINDS],
        initial="call",
    )
    due_days = _whole(_("Due in (days)"), 0, 365)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=120,
        required=False,
        help_text=_("The reason is added after it; empty: the rule's name."),
    )
    fallback_user = _users(_("When the customer has no owner, give it to"), _("nobody"))
    do_tag = forms.BooleanField(label=_("Tag the customer"), required=False)
    add_tag = forms.CharField(label=_("Tag to add"), max_length=50, required=False)
    do_escalate = forms.BooleanField(label=_("Escalate the ticket"), required=False)
    priority = forms.ChoiceField(
        label=_("Raise priority to"),
        choices=[("", _("unchanged"))]
        + [(p, label) for p, label in Ticket.Priority.choices if p in PRIORITY_ORDER[2:]],
        required=False,
    )
    assignee = _users(_("Assign to"), _("unchanged"))
    do_notify = forms.BooleanField(label=_("Notify a user"), required=False)
    user = _users(_("User to notify"), _("the customer's owner"))
    do_enrol = forms.BooleanField(label=_("Enrol in a campaign"), required=False)
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.exclude(status=Campaign.Status.CANCELLED).order_by("name"),
        required=False,
        help_text=_("An always-on campaign sends its message to each customer a rule adds."),
    )

    GROUPS = (
        (_("Rule"), ("name", "description", "enabled")),
        (
            _("Trigger"),
            (
                "trigger",
                "to_tiers",
                "from_tiers",
                "threshold",
                "drop",
                "min_new_flags",
                "to_segments",
                "sla_flag",
                "hours",
                "ticket_types",
                "within_days",
                "days",
                "overdue_days",
                "min_open",
                "hour",
                "weekday",
            ),
        ),
        (_("Conditions: only customers who match"), CONDITION_KEYS),
        (
            _("Actions"),
            (
                "do_activity",
                *ACTION_FIELDS["activity"],
                "do_tag",
                *ACTION_FIELDS["tag"],
                "do_escalate",
                *ACTION_FIELDS["escalate"],
                "do_notify",
                *ACTION_FIELDS["notify"],
                "do_enrol",
                *ACTION_FIELDS["enrol"],
            ),
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # each trigger reads its own parameters: say which, under each field
        for name in self.GROUPS[1][1][1:]:
            used_by = [
                str(t.label) for t in TRIGGERS.values() if name in {p.name for p in t.params}
            ]
            self.fields[name].help_text = _("For: %(triggers)s") % {"triggers": "; ".join(used_by)}

    def groups(self) -> list[tuple[Any, list[tuple[forms.BoundField, dict[str, str]]]]]:
        """Each group's fields with what the rule form's script reads: the triggers a
        parameter belongs to, the action a setting belongs to."""
        action_of = {name: kind for kind, names in ACTION_FIELDS.items() for name in names}
        grouped = []
        for title, names in self.GROUPS:
            fields = []
            for name in names:
                data: dict[str, str] = {}
                users = [t.kind for t in TRIGGERS.values() if name in {p.name for p in t.params}]
                if users:
                    data["triggers"] = " ".join(users)
                if name in action_of:
                    data["action"] = action_of[name]
                fields.append((self[name], data))
            grouped.append((title, fields))
        return grouped

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(f"do_{kind}") for kind in ACTION_FIELDS):
            raise forms.ValidationError(_("Choose at least one action."), code="required")
        return data

    # --- between the form and the rule's JSON -------------------------------------------

    def _value(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        if isinstance(value, get_user_model() | Campaign):
            return value.pk
        if name in PERCENT_FIELDS and value is not None:
            return value / 100
        return value

    def rule_fields(self) -> dict[str, Any]:
        """The rule's fields as :func:`kehu.crm.automation.actions.create_rule` takes them."""
        trigger = self.cleaned_data["trigger"]
        params = {
            p.name: self._value(p.name)
            for p in TRIGGERS[trigger].params
            if self._value(p.name) not in (None, "", [])
        }
        conditions = {
            key: self._value(key)
            for key in CONDITION_KEYS
            if self._value(key) not in (None, "", [])
        }
        actions = [
            {"kind": kind, **{name: self._value(name) for name in names}}
            for kind, names in ACTION_FIELDS.items()
            if self.cleaned_data.get(f"do_{kind}")
        ]
        for action in actions:
            if action["kind"] == "activity" and action["due_days"] is None:
                action["due_days"] = EFFECTS["activity"].params[1].default
        return {
            "name": self.cleaned_data["name"],
            "description": self.cleaned_data["description"],
            "enabled": self.cleaned_data["enabled"],
            "trigger": trigger,
            "trigger_params": params,
            "conditions": {
                k: [str(x) for x in v] if isinstance(v, list) else v for k, v in conditions.items()
            },
            "actions": actions,
        }


def _shown(name: str, value: Any) -> Any:
    if name in PERCENT_FIELDS and value not in (None, ""):
        return round(float(value) * 100)  # conditions keep shares as text, as the list does
    if isinstance(value, str) and name in ("tier", "segment", "lifecycle", "status"):
        return [value]
    return value


def initial_of(rule: Rule) -> dict[str, Any]:
    """The form's values for an existing rule."""
    initial: dict[str, Any] = {
        # a ready-made rule in the reader's language: saved, it keeps that wording
        "name": rule.display_name(),
        "description": rule.display_description(),
        "enabled": rule.enabled,
        "trigger": rule.trigger,
    }
    for name, value in {**rule.trigger_params, **rule.conditions}.items():
        initial[name] = _shown(name, value)
    for action in rule.actions:
        initial[f"do_{action['kind']}"] = True
        for name in ACTION_FIELDS.get(action["kind"], ()):
            initial[name] = action.get(name)
    return initial
