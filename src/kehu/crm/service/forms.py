"""Forms of the service desk: open and edit a ticket, and the actions on its page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.crm.customers.models import Customer
from kehu.crm.customers.picker import customer_picker
from kehu.crm.service.models import TechnicianVisit, Ticket
from kehu.crm.service.queries import service_staff

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _datetime_field(label: str, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class TicketForm(forms.ModelForm):
    """Open a ticket (with a customer select) or edit one (customer fixed). Contact and
    order choices are the chosen customer's own."""

    class Meta:
        model = Ticket
        fields = [
            "customer",
            "contact",
            "order",
            "type",
            "priority",
            "channel",
            "subject",
            "description",
            "assignee",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(
        self,
        *args: Any,
        user: AbstractBaseUser | AnonymousUser,
        customer: Customer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # the customer of an existing ticket is fixed; assignment has its own action
            del self.fields["customer"]
            del self.fields["assignee"]
            customer = self.instance.customer
        else:
            self.fields["customer"] = customer_picker(user)
            self.fields["assignee"].queryset = service_staff()
            self.fields["customer"].widget.attrs.update(
                {
                    "hx-get": reverse("service:ticket_create"),
                    "hx-trigger": "picked",
                    "hx-target": "#ticket-form-fields",
                    "hx-include": "#ticket-form",
                }
            )
            customer = self._chosen_customer(customer)
        self._limit_to_customer(customer)

    def _chosen_customer(self, customer: Customer | None) -> Customer | None:
        """The customer the contact and order choices follow: the posted one, else the
        one given (``?customer=``)."""
        if self.is_bound:
            field = self.fields["customer"]
            raw = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix("customer")
            )
            return field.chosen(raw)
        if customer is not None:
            self.initial["customer"] = customer.pk
        return customer

    def _limit_to_customer(self, customer: Customer | None) -> None:
        if customer is None:
            self.fields["contact"].queryset = self.fields["contact"].queryset.none()
            self.fields["order"].queryset = self.fields["order"].queryset.none()
            return
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["order"].queryset = customer.orders.order_by("-ordered_at", "-id")

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"].strip()
        if not subject:
            raise forms.ValidationError(_("Enter a subject."), code="required")
        return subject


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Ticket.Status.choices)
    message = forms.CharField(
        label=_("Note"), required=False, widget=forms.TextInput(), max_length=2000
    )


class CommentForm(forms.Form):
    message = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )
    to_customer = forms.BooleanField(
        label=_("Reply to the customer (not an internal note)"), required=False
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=service_staff(),
        required=False,
        empty_label=_("– nobody –"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = service_staff()


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose a score from 1 to 5, not %(value)s."),
            "required": _("Choose a score from 1 to 5."),
        },
    )


class VisitScheduleForm(forms.ModelForm):
    scheduled_at = _datetime_field(_("Scheduled for"))

    class Meta:
        model = TechnicianVisit
        fields = ["technician", "scheduled_at", "address"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = service_staff()
        self.fields["address"].help_text = _("Leave empty to use the customer's address.")


class VisitRecordForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )
    visited_at = _datetime_field(_("Visited at"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
