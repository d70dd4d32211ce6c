"""The customer actions validate whatever calls them, not only the form."""

from __future__ import annotations

import pytest

from kehu.crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_consent_rules_hold_for_every_write_path_not_only_the_form(admin_user):
    from django.core.exceptions import ValidationError

    from kehu.crm.customers.actions import create_customer

    with pytest.raises(ValidationError) as caught:
        create_customer(name="No Mail Co", consent_email=True, by=admin_user)
    assert caught.value.error_dict["email"][0].code == "required"


def test_none_in_a_text_column_is_a_field_error_not_a_database_error(admin_user):
    from django.core.exceptions import ValidationError

    from kehu.crm.customers.actions import create_customer

    with pytest.raises(ValidationError) as caught:
        create_customer(name="Null Co", source_channel=None, by=admin_user)
    assert caught.value.error_dict["source_channel"][0].code == "null"
    assert not Customer.objects.exists()
