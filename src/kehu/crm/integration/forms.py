from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kehu.crm.integration.entities import entity_choices
from kehu.crm.integration.mapping import FIELDS
from kehu.crm.integration.models import MappingProfile

MAX_UPLOAD_MB = 200


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV/TSV (also .gz), Excel, Parquet or JSON lines"),
    )
    entity = forms.ChoiceField(label=_("The rows are"), choices=entity_choices)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: import it with `kehu import` on the server.")
                % {"mb": MAX_UPLOAD_MB}
            )
        return upload


class MappingForm(forms.Form):
    """One select per field (the file's columns), the reading options and an optional
    profile name to save the mapping under."""

    profile = forms.ModelChoiceField(
        label=_("Apply a saved mapping"),
        queryset=MappingProfile.objects.none(),
        required=False,
        to_field_name="name",
    )
    date_format = forms.CharField(
        label=_("Date format"),
        required=False,
        help_text=_("strptime format, e.g. %d/%m/%Y %H:%M; empty: detected"),
    )
    decimal_comma = forms.TypedChoiceField(
        label=_("Numbers"),
        required=False,
        choices=[("", _("detect")), ("0", "1,234.56"), ("1", "1.234,56")],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    save_as = forms.CharField(label=_("Save this mapping as"), required=False, max_length=100)
    allow_future_dates = forms.BooleanField(
        label=_("Import dates far in the future"),
        required=False,
        help_text=_(
            "Order dates more than %(days)s days after today are quarantined unless you "
            "confirm them here."
        ),
    )

    def __init__(self, *args: Any, entity: str, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.fields["allow_future_dates"].help_text %= {
            "days": getattr(settings, "KEHU_IMPORT_FUTURE_DAYS", 31)
        }
        self.fields["profile"].queryset = MappingProfile.objects.filter(entity=entity)
        choices = [("", "—"), *[(h, h) for h in headers]]
        for field in FIELDS[entity]:
            self.fields[f"map_{field.name}"] = forms.ChoiceField(
                label=field.label, choices=choices, required=False
            )

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[f"map_{f.name}"] for f in FIELDS[self.entity]]

    def overrides(self) -> dict[str, str]:
        """Every field's column as chosen, ``""`` where the user chose none (so that a
        suggested column can be left out)."""
        return {f.name: self.cleaned_data.get(f"map_{f.name}") or "" for f in FIELDS[self.entity]}
