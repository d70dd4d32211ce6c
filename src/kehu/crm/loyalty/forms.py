"""Forms of the loyalty pages. The actions check again; their errors land on the field
of the same name (``attach_errors``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.crm.loyalty.models import EarningRule, MembershipLevel, Reward, normalise_mobile

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class JoinForm(forms.Form):
    """The public join form. ``website`` is a honeypot: people do not see it, robots fill
    it in."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    consent_sms = forms.BooleanField(
        label=_("Send me points news and offers by SMS"), required=False
    )
    consent_email = forms.BooleanField(
        label=_("Send me points news and offers by email"), required=False
    )
    consent_terms = forms.BooleanField(
        label=_("I agree that my name and mobile number are kept for the membership"),
        error_messages={"required": _("Tick this box to join: we keep your number for it.")},
    )
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_mobile(self) -> str:
        mobile: str = self.cleaned_data["mobile"]
        normalise_mobile(mobile)
        return mobile


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class EnrolForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=40)


class RedeemForm(forms.Form):
    reward = forms.ModelChoiceField(
        label=_("Reward"), queryset=Reward.objects.filter(active=True), empty_label=None
    )


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"),
        help_text=_("Negative to take points away."),
        min_value=-(10**7),
        max_value=10**7,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MessageMembersForm(forms.Form):
    level = forms.ModelChoiceField(
        label=_("Level"),
        queryset=MembershipLevel.objects.all(),
        required=False,
        empty_label=_("All levels"),
    )


class LevelForm(forms.ModelForm):
    class Meta:
        model = MembershipLevel
        fields = ["name", "rank", "tiers", "abc_classes", "min_points", "multiplier"]


class RuleForm(forms.ModelForm):
    class Meta:
        model = EarningRule
        fields = [
            "name",
            "kind",
            "points_per_amount",
            "category",
            "multiplier",
            "starts_on",
            "ends_on",
            "level",
            "active",
        ]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT}


class RewardForm(forms.ModelForm):
    class Meta:
        model = Reward
        fields = ["name", "description", "points_cost", "stock", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
