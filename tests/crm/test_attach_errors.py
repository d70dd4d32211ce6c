"""kehu.crm.validation.attach_errors: how the error of an action reaches the form that
sent the values (every create/edit page uses it)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from kehu.crm.validation import attach_errors


class NameForm(forms.Form):
    name = forms.CharField()
    email = forms.EmailField(required=False)


def _valid_form() -> NameForm:
    form = NameForm({"name": "Ann", "email": ""})
    assert form.is_valid()
    return form


def test_field_keyed_errors_go_on_their_fields_and_the_rest_on_the_form():
    form = _valid_form()
    error = ValidationError(
        {
            "name": ValidationError("name taken", code="unique"),
            "owner": ["owner left the company"],
        }
    )

    rest = attach_errors(form, error)

    assert rest == []
    assert form.errors["name"] == ["name taken"]
    assert form.errors.as_data()["name"][0].code == "unique"  # the code is kept
    assert form.non_field_errors() == ["owner left the company"]
    assert "name" not in form.cleaned_data


def test_an_error_without_fields_goes_on_the_form():
    form = _valid_form()

    attach_errors(form, ValidationError("%(n)s is too many", params={"n": 4}))

    assert form.non_field_errors() == ["4 is too many"]


def test_keep_rest_returns_what_fits_no_field_instead_of_putting_it_on_the_form():
    form = _valid_form()
    error = ValidationError({"email": ["bad address"], "lines.7.quantity": ["too many"]})

    rest = attach_errors(form, error, keep_rest=True)

    assert rest == ["too many"]
    assert form.errors["email"] == ["bad address"]
    assert form.non_field_errors() == []
