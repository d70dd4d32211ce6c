"""Forms of the marketing screens: a campaign, a target list saved from the customer
list's filter, a suppressed address, and the customer whose message to preview. Each
hands its values to the app's actions, whose ``ValidationError`` comes back onto the
form (``kehu.crm.validation.attach_errors``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kehu.crm.customers.picker import customer_picker
from kehu.crm.intelligence.customer_filters import clean_customer_filters
from kehu.crm.marketing.models import Campaign, Suppression, TargetList
from kehu.crm.validation import InvalidParameter

User = AbstractBaseUser | AnonymousUser
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PLACEHOLDERS = (
    "{{ customer.name }} {{ customer.greeting_name }} {{ customer.code }} {{ customer.city }} "
    "{{ customer.tier }} {{ owner.name }} {{ owner.email }} {{ campaign.name }} · "
    "{% for product in products %}{{ product.name }}: {{ product.reason }}{% endfor %}"
)
MESSAGE_FIELDS = ("subject_en", "body_en", "subject_zh", "body_zh")
# what cannot change once a campaign has members (actions.update_campaign says so too)
FIXED_ONCE_ENROLLED = ("target_list", "control_share", "channels")


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    goal = forms.ChoiceField(label=_("Goal"), choices=Campaign.Goal.choices)
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Campaign.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each customer is reached on the first channel, in this order, that they "
            "consented to and have an address for."
        ),
    )
    target_list = forms.ModelChoiceField(
        label=_("Target list"), queryset=TargetList.objects.all(), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    budget = forms.DecimalField(
        label=_("Budget"), max_digits=12, decimal_places=2, min_value=0, initial=Decimal(0)
    )
    cost = forms.DecimalField(
        label=_("Cost so far"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        initial=Decimal(0),
        help_text=_("What the campaign has cost: design, postage, SMS fees, staff time."),
    )
    starts_on = forms.DateField(label=_("Send on"), widget=DATE)
    ends_on = forms.DateField(
        label=_("Count responses until"),
        widget=DATE,
        help_text=_("Orders and replies until this day count as the campaign's results."),
    )
    control_share = forms.DecimalField(
        label=_("Control group (%)"),
        min_value=0,
        max_value=50,
        max_digits=5,
        decimal_places=2,
        initial=10,
        help_text=_(
            "The share of the target list held out, to measure what the campaign changed: "
            "10 holds out one customer in ten."
        ),
    )
    quiet_days = forms.IntegerField(
        label=_("Quiet period (days)"),
        min_value=0,
        max_value=365,
        initial=7,
        help_text=_("A customer who got any campaign message in this many days is skipped."),
    )
    always_on = forms.BooleanField(
        label=_("Always on"),
        required=False,
        help_text=_("Keep sending to customers as rules or a dynamic list add them."),
    )
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Message (English)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    subject_zh = forms.CharField(label=_("Subject (Chinese)"), max_length=200, required=False)
    body_zh = forms.CharField(
        label=_("Message (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args: Any, campaign: Campaign | None = None, **kwargs: Any) -> None:
        if campaign is not None:
            kwargs.setdefault("initial", initial_of(campaign))
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.order_fields = {
            value: forms.IntegerField(min_value=1, max_value=len(Campaign.Channel), required=False)
            for value in Campaign.Channel.values
        }
        for value, field in self.order_fields.items():
            self.fields[f"order_{value}"] = field
        chosen = [c for c in self.initial.get("channels") or [] if c in Campaign.Channel.values]
        order = chosen + [c for c in Campaign.Channel.values if c not in chosen]
        for value in Campaign.Channel.values:
            self.initial.setdefault(f"order_{value}", order.index(value) + 1)
        if campaign is not None and campaign.members.exists():
            for name in FIXED_ONCE_ENROLLED:
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Fixed: the campaign has members, and changing this would spoil its "
                    "control group."
                )
            for value in Campaign.Channel.values:
                self.fields[f"order_{value}"].disabled = True

    def channel_rows(self) -> list[dict[str, Any]]:
        """The channel checkboxes, each with its order-of-preference box, in that order."""
        chosen = set(self["channels"].value() or [])
        rows = []
        for value, label in Campaign.Channel.choices:
            rank = self[f"order_{value}"]
            rows.append({"value": value, "label": label, "checked": value in chosen, "rank": rank})
        return sorted(rows, key=lambda r: (_rank(r["rank"].value()), r["value"]))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        channels = data.get("channels") or []
        position = {v: i for i, v in enumerate(Campaign.Channel.values)}
        data["channels"] = sorted(
            channels, key=lambda c: (data.get(f"order_{c}") or 9, position[c])
        )
        return data

    def action_kwargs(self) -> dict[str, Any]:
        """The cleaned values as ``create_campaign`` and ``update_campaign`` take them
        (the control group as a share, fields fixed by enrolment left out)."""
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.fields if not name.startswith("order_")}
        kwargs["control_share"] = float(Decimal(data["control_share"]) / 100)
        kwargs["name"] = kwargs["name"].strip()
        for name in FIXED_ONCE_ENROLLED:
            if self.fields[name].disabled:
                kwargs.pop(name)
        return kwargs


def _rank(value: object) -> int:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() else 9


def initial_of(campaign: Campaign) -> dict[str, Any]:
    fields = [
        "name",
        "goal",
        "channels",
        "target_list",
        "owner",
        "budget",
        "cost",
        "starts_on",
        "ends_on",
        "quiet_days",
        "always_on",
        "subject_en",
        "body_en",
        "subject_zh",
        "body_zh",
    ]
    initial = {name: getattr(campaign, name) for name in fields}
    initial["control_share"] = round(100 * campaign.control_share, 2)
    return initial


class TargetListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    dynamic = forms.TypedChoiceField(
        label=_("Members"),
        choices=[
            ("", _("Static: frozen now, the customers the filter finds today")),
            ("1", _("Dynamic: the filter is run again each time a campaign sends")),
        ],
        coerce=bool,
        empty_value=False,
        required=False,
        widget=forms.RadioSelect,
    )
    rank_by_uplift = forms.IntegerField(
        label=_("Keep the top customers by predicted uplift"),
        min_value=1,
        max_value=10_000_000,
        required=False,
        help_text=_(
            "Keep only this many customers, those the campaigns so far predict to "
            "respond most because of a campaign. Blank keeps everyone."
        ),
    )
    filters = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)

    def clean_filters(self) -> dict[str, str]:
        """The customer list's query string this list was saved from, checked as the
        customer list checks it."""
        try:
            return parse_filters(self.cleaned_data["filters"])
        except InvalidParameter as e:
            raise forms.ValidationError(str(e)) from e


def parse_filters(querystring: str) -> dict[str, str]:
    """The customer filters of a query string (``sort`` and ``page`` dropped)."""
    params = QueryDict(querystring)
    return clean_customer_filters({k: params.get(k, "") for k in params})


class SuppressionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Campaign.Channel.choices)
    address = forms.CharField(
        label=_("Address"),
        max_length=254,
        help_text=_("An email address, a phone number, or for letters the customer's code."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=Suppression.Reason.choices,
        initial=Suppression.Reason.MANUAL,
        required=False,
    )

    def clean_reason(self) -> str:
        return self.cleaned_data["reason"] or Suppression.Reason.MANUAL


class PreviewForm(forms.Form):
    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"] = customer_picker(user, label=_("Preview for"))
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": "",
                "hx-trigger": "picked",
                "hx-include": "closest form",
                "hx-select": "#preview",
                "hx-target": "#preview",
                "hx-swap": "outerHTML",
            }
        )
