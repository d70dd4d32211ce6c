"""Writes on users and tokens that the CLI and the profile page share: a password reset
and a token revoked go through ``kehu.crm.accounts.actions``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.urls import reverse

from kehu.cli import main
from kehu.crm.accounts.actions import issue_token, reset_password, revoke_token
from kehu.crm.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_reset_password_sets_a_new_random_password_and_returns_it(sales_user):
    first = reset_password(sales_user)
    second = reset_password(sales_user)
    sales_user.refresh_from_db()
    assert len(first) >= 16 and first != second
    assert sales_user.check_password(second)
    assert not sales_user.check_password(first)
    assert not sales_user.check_password("correct-horse-battery")  # the fixture's


def test_reset_password_takes_the_password_given(sales_user):
    assert reset_password(sales_user, password="a-new-long-phrase") == "a-new-long-phrase"
    sales_user.refresh_from_db()
    assert sales_user.check_password("a-new-long-phrase")


def test_kehu_user_passwd_prints_the_password_that_now_signs_in(sales_user, client):
    result = CliRunner().invoke(main, ["user", "passwd", "sally"])
    assert result.exit_code == 0, result.output
    prefix = "new password for sally: "
    assert result.output.startswith(prefix)
    password = result.output.removeprefix(prefix).strip()
    assert client.login(username="sally", password=password)


def test_kehu_user_passwd_for_nobody_is_a_plain_error():
    result = CliRunner().invoke(main, ["user", "passwd", "ghost"])
    assert result.exit_code == 2
    assert "error: no user named 'ghost'" in result.output


def test_a_revoked_token_no_longer_signs_api_requests(sales_user, client):
    raw = issue_token(sales_user, "script")
    token = ApiToken.objects.get(user=sales_user)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    assert revoke_token(sales_user, token_id=token.pk) is True

    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert revoke_token(sales_user, token_id=token.pk) is False  # gone already


def test_a_user_cannot_revoke_another_users_token(sales_user, service_user, client_for):
    issue_token(service_user, "theirs")
    theirs = ApiToken.objects.get(user=service_user)

    assert revoke_token(sales_user, token_id=theirs.pk) is False
    response = client_for(sales_user).post(reverse("accounts:revoke_token", args=[theirs.pk]))

    assert response.status_code == 302
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_the_profile_page_revokes_the_users_own_token(sales_user, client_for):
    issue_token(sales_user, "laptop")
    mine = ApiToken.objects.get(user=sales_user)

    response = client_for(sales_user).post(reverse("accounts:revoke_token", args=[mine.pk]))

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
