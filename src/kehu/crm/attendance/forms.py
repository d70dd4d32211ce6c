"""Forms of the participants, booths, invitations, check-in and the public registration.
The customer is chosen with the customer picker; the contacts that follow it are a
select reloaded when a customer is picked (as the sales forms do)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _

from kehu.crm.attendance.models import Booth, Participant
from kehu.crm.customers.models import Contact
from kehu.crm.customers.picker import customer_picker
from kehu.crm.customers.queries import visible_customers
from kehu.crm.intelligence import labels
from kehu.crm.marketing.models import Campaign, TargetList
from kehu.crm.sales.forms import show_bounded_choices

User = AbstractBaseUser | AnonymousUser

# the name of the registration form's honeypot: a field people never see nor fill
HONEYPOT = "website"


def _picked(form: forms.BaseForm, name: str) -> str:
    """The id of the record picked in ``name`` before cleaning ("" when none)."""
    field = form.fields[name]
    value: Any = (
        field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if form.is_bound
        else form.initial.get(name)
    )
    if isinstance(value, dict):
        state = field.prepare_value(value)
        value = state.selected.pk if state.selected else ""
    return str(getattr(value, "pk", value) or "")


class ParticipantForm(forms.Form):
    """A participant added by staff: a customer (and one of its contacts) or just a
    name; the rest defaults to the contact's and customer's."""

    contact = forms.ModelChoiceField(Contact.objects.none(), label=_("Contact"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Participant.Kind.choices, initial=Participant.Kind.GENERAL
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to take the contact's or customer's name."),
    )
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (s.value, s.label)
            for s in (
                Participant.Status.REGISTERED,
                Participant.Status.CONFIRMED,
                Participant.Status.INVITED,
            )
        ],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer = customer_picker(user, required=False)
        customer.widget.attrs.update(
            {
                "hx-get": "",
                "hx-trigger": "picked",
                "hx-include": "closest form",
                "hx-select": "#field-contact",
                "hx-target": "#field-contact",
                "hx-swap": "outerHTML",
            }
        )
        self.fields = {"customer": customer, **self.fields}
        self.fields["contact"].queryset = Contact.objects.filter(
            customer__in=visible_customers(user)
        )
        picked = _picked(self, "customer")
        contacts = Contact.objects.filter(
            customer_id=int(picked) if picked.isascii() and picked.isdigit() else None
        )
        show_bounded_choices(self, "contact", contacts.order_by("-is_primary", "name"))


class ParticipantStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Participant.Status.choices)


class RegistrationForm(forms.Form):
    """The public registration form. ``website`` is a honeypot: hidden from people,
    filled in by bots."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(
        label=_("Mobile"),
        max_length=40,
        required=False,
        help_text=_("Optional; we use it only about this event."),
    )
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("I come as"),
        choices=[(k.value, k.label) for k in Participant.Kind if k != Participant.Kind.EXHIBITOR],
        initial=Participant.Kind.GENERAL,
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Badge code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "enterkeyhint": "go",
            }
        ),
    )


class BoothForm(forms.ModelForm):
    class Meta:
        model = Booth
        fields = ["code", "hall", "size_m2", "price"]


class AssignForm(forms.Form):
    exhibitor = forms.ModelChoiceField(Participant.objects.none(), label=_("Exhibitor"))

    def __init__(self, *args: Any, event: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exhibitor"].queryset = event.participants.filter(
            kind=Participant.Kind.EXHIBITOR
        ).exclude(status=Participant.Status.CANCELLED)


class ConversationForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for “Conversation at” the event."),
    )
    body = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class InvitationForm(forms.Form):
    """Whom to invite: an existing target list, or the customers of a segment."""

    target_list = forms.ModelChoiceField(
        TargetList.objects.order_by("-created_at"), label=_("Target list"), required=False
    )
    segment = forms.ChoiceField(
        label=_("or the customers of a segment"),
        required=False,
        choices=[("", "---------"), *((s, _(s)) for s in labels.SEGMENTS)],
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=[(c.value, c.label) for c in (Campaign.Channel.EMAIL, Campaign.Channel.SMS)],
        initial=[Campaign.Channel.EMAIL],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("target_list")) == bool(data.get("segment")):
            raise forms.ValidationError(
                _("Choose a target list or a segment (one of the two)."), code="whom"
            )
        return data
