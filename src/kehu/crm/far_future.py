"""Dates far ahead that are surely typos (2099 for 2026) need the user's confirmation.

A form lists its date fields and how far ahead each may lie without a question
(``FAR_FUTURE = {"ordered_at": timedelta(days=31)}``); :func:`check_far_future` called
from ``clean()`` puts an error on each field beyond that, saying how far ahead it is,
and shows the form's "the date is right" checkbox. Ticking it and saving again keeps
the date.

The API has no checkbox: :func:`refuse_far_future` answers such a date with a
``far_future`` field error unless the body says ``"confirm_dates": true``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _

CONFIRM_FIELD = "confirm_dates"


def confirm_field() -> forms.BooleanField:
    """The checkbox, hidden until a date needs it."""
    return forms.BooleanField(
        label=_("Yes, the date is right"), required=False, widget=forms.HiddenInput
    )


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.min))


def check_far_future(form: forms.BaseForm, horizons: dict[str, timedelta]) -> None:
    """Add a ``far_future`` error to each date field of ``form`` beyond its horizon
    from now, unless the form's confirmation box is ticked."""
    now = timezone.now()
    data = form.cleaned_data
    far = [
        name
        for name, horizon in horizons.items()
        if data.get(name) is not None and _as_datetime(data[name]) > now + horizon
    ]
    if not far or CONFIRM_FIELD not in form.fields:
        return
    confirm = form.fields.pop(CONFIRM_FIELD)
    confirm.widget = forms.CheckboxInput()
    fields = list(form.fields.items())
    after = [name for name, _field in fields].index(far[0]) + 1  # right below the date
    form.fields = dict(fields[:after] + [(CONFIRM_FIELD, confirm)] + fields[after:])
    if data.get(CONFIRM_FIELD):
        return
    for name in far:
        value = data[name]
        shown = formats.date_format(
            value if not isinstance(value, datetime) else timezone.localtime(value),
            "SHORT_DATE_FORMAT",
        )
        form.add_error(
            name,
            forms.ValidationError(
                _(
                    "%(date)s is %(ahead)s from now. Is that a typo? If the date is right, "
                    "tick “Yes, the date is right” and save again."
                ),
                code="far_future",
                params={"date": shown, "ahead": timeuntil(_as_datetime(value), now)},
            ),
        )


def refuse_far_future(fields: Mapping[str, Any], horizons: Mapping[str, timedelta]) -> None:
    """API bodies: raise a ``far_future`` error for each date in ``fields`` beyond its
    horizon from now (the caller skips this when the body confirms its dates)."""
    now = timezone.now()
    errors = {
        name: ValidationError(
            f"{fields[name].isoformat()} is {timeuntil(_as_datetime(fields[name]), now)} "
            'from now; if that is right, send "confirm_dates": true with it',
            code="far_future",
        )
        for name, horizon in horizons.items()
        if fields.get(name) is not None and _as_datetime(fields[name]) > now + horizon
    }
    if errors:
        raise ValidationError(errors)
