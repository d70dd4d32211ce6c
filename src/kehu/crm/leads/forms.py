"""Forms of the lead pages: the public web-to-lead form, staff's new lead, disqualifying,
logging an activity, the bulk actions and the conversion. The actions check again;
their errors land on the field of the same name (``attach_errors``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kehu.crm.leads.models import Lead, LeadEvent
from kehu.crm.marketing.models import Campaign
from kehu.crm.validation import DB_INT_MAX


def _owners() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class PublicLeadForm(forms.Form):
    """What a visitor of the company's site fills in. ``website`` is a honeypot: hidden
    from people, filled by robots."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("How can we help?"), required=False, max_length=2000, widget=forms.Textarea
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class LeadForm(forms.Form):
    """A lead entered by staff."""

    name = forms.CharField(label=_("Name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Lead.Source.choices, initial="manual")
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("-starts_on"), required=False
    )
    source_detail = forms.CharField(label=_("Source detail"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_owners(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owners()


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Lead.DisqualifyReason.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k, LeadEvent.Kind(k).label) for k in LeadEvent.ACTIVITY_KINDS],
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=_owners(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owners()


class LeadIdsField(forms.ModelMultipleChoiceField):
    """The ticked leads: an id no database integer can hold is refused as not valid
    (Django's own check lets it through to the ``IN`` query, which then fails)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            try:
                n = int(str(pk))
            except ValueError:
                continue  # Django's own check refuses it
            if not -DB_INT_MAX - 1 <= n <= DB_INT_MAX:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class BulkForm(forms.Form):
    """A bulk action on the leads ticked on the list."""

    do = forms.ChoiceField(
        choices=[("assign", _("Assign")), ("disqualify", _("Disqualify"))], label=_("Action")
    )
    leads = LeadIdsField(queryset=Lead.objects.all(), label=_("Leads"))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_owners(), required=False)
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *Lead.DisqualifyReason.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owners()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("do") == "disqualify" and not data.get("reason"):
            self.add_error("reason", _("Choose a reason to disqualify the leads."))
        return data


NEW_CUSTOMER = "new"


class ConvertForm(forms.Form):
    """Into which customer (one of those found, or a new one) and whether to open an
    opportunity."""

    customer = forms.ChoiceField(label=_("Customer"), widget=forms.RadioSelect)
    create_opportunity = forms.BooleanField(
        label=_("Open an opportunity"), required=False, initial=True
    )
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Expected amount"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
    )

    def __init__(self, *args: Any, lead: Lead, matches: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(c.pk), f"{c.name} ({c.code})") for c in matches]
        new_label = _("A new customer: %(name)s") % {"name": lead.company or lead.name}
        self.fields["customer"].choices = [*choices, (NEW_CUSTOMER, new_label)]
        self.fields["customer"].initial = choices[0][0] if choices else NEW_CUSTOMER
        self.fields["opportunity_name"].initial = lead.company or lead.name
