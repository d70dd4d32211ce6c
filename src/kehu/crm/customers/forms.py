from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kehu.crm.customers.models import Contact, Customer


class CustomerForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    tag_names = forms.CharField(
        label=_("tags"), required=False, help_text=_("Comma separated, e.g. vip, wholesale")
    )

    class Meta:
        model = Customer
        fields = [
            "kind",
            "name",
            "status",
            "industry",
            "email",
            "phone",
            "website",
            "country",
            "region",
            "city",
            "address",
            "postal_code",
            "source_channel",
            "owner",
            "consent_email",
            "consent_sms",
            "consent_phone",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, can_assign_owner: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
        if not can_assign_owner:
            del self.fields["owner"]
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(t.name for t in self.instance.tags.all())

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the customer's name."), code="required")
        return name

    def clean_tag_names(self) -> list[str]:
        names = [n.strip() for n in self.cleaned_data.get("tag_names", "").split(",")]
        names = [n for n in names if n]
        too_long = [n for n in names if len(n) > 50]
        if too_long:
            raise forms.ValidationError(
                _("A tag has at most 50 characters: %(tag)s"), params={"tag": too_long[0]}
            )
        return names


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "department", "email", "phone", "is_primary"]
