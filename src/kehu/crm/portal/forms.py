"""The portal's forms: signing in, opening and rating a ticket, the contact's details and
their company's consent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.crm.portal.actions import PORTAL_TICKET_TYPES, phone_digits
from kehu.crm.service.models import Ticket


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address such as name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Your mobile number"),
        max_length=40,
        error_messages={"required": _("Enter your mobile number.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if not 6 <= len(phone_digits(phone)) <= 15:
            raise forms.ValidationError(
                _("Enter a mobile number of 6 to 15 digits, such as 138 0000 1234."),
                code="invalid",
            )
        return phone


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code we texted you"),
        max_length=12,
        error_messages={"required": _("Enter the 6-digit code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("The code is 6 digits, such as 042917."), code="invalid")
        return code


class TicketForm(forms.Form):
    type = forms.ChoiceField(
        label=_("What is it?"),
        choices=[(t.value, t.label) for t in PORTAL_TICKET_TYPES],
        initial=Ticket.Type.INQUIRY,
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        error_messages={"required": _("Say in a few words what it is about.")},
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    order = forms.ModelChoiceField(
        label=_("About an order (optional)"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of your orders from the list.")},
    )

    def __init__(self, *args: Any, orders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders  # type: ignore[attr-defined]
        self.fields["order"].label_from_instance = lambda o: (  # type: ignore[attr-defined]
            f"{o.number} · {o.ordered_at:%Y-%m-%d}"
        )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose 1 (very unhappy) to 5 (very happy)."),
            "invalid_choice": _("Choose 1 (very unhappy) to 5 (very happy)."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DetailsForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=200, error_messages={"required": _("Enter your name.")}
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an email address such as name@example.com.")},
    )
    phone = forms.CharField(label=_("Mobile number"), required=False, max_length=40)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "email" in data
            and "phone" in data
            and not data["email"]
            # a code is texted only to a number of 6 digits or more (PhoneForm)
            and len(phone_digits(data["phone"])) < 6
        ):
            raise forms.ValidationError(
                _("Keep an email address or a mobile number: you sign in with one of them."),
                code="no_address",
            )
        return data


class ConsentForm(forms.Form):
    consent_email = forms.BooleanField(label=_("News and offers by email"), required=False)
    consent_sms = forms.BooleanField(label=_("News and offers by text message"), required=False)
