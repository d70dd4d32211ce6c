from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from kehu.crm.accounts.actions import create_user, ensure_admin, issue_token
from kehu.crm.accounts.models import ApiToken, hash_token
from kehu.crm.accounts.roles import Role, roles_of, sees_all_customers

pytestmark = pytest.mark.django_db


def test_migrate_creates_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    sales = Group.objects.get(name="sales")
    codenames = set(sales.permissions.values_list("codename", flat=True))
    assert {"view_customer", "add_order", "change_opportunity"} <= codenames
    assert "access_all_customers" not in codenames
    assert "delete_customer" not in codenames


def test_fresh_install_gets_exactly_one_admin_and_its_password_once():
    first = ensure_admin()
    second = ensure_admin()
    assert first and len(first) >= 12
    assert second is None


def test_roles_decide_who_sees_every_customer(make_user):
    assert not sees_all_customers(make_user("sales"))
    assert sees_all_customers(make_user("sales", manager=True))
    assert sees_all_customers(make_user("service"))
    assert sees_all_customers(make_user("analyst"))
    admin = make_user("admin")
    assert admin.is_superuser and roles_of(admin) == {"admin"}


def test_unknown_role_is_refused_with_the_allowed_ones():
    with pytest.raises(ValidationError, match="role must be one of"):
        create_user("x", role="janitor")


def test_language_choice_is_saved_on_the_user(sales_user, client_for):
    c = client_for(sales_user)
    response = c.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/customers/"})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    sales_user.profile.refresh_from_db()
    assert sales_user.profile.language == "zh-hans"
    page = c.get(reverse("customers:list"))
    assert page.wsgi_request.LANGUAGE_CODE == "zh-hans"


def test_bad_language_is_a_400_not_a_500(sales_user, client_for):
    response = client_for(sales_user).post(reverse("accounts:language"), {"language": "klingon"})
    assert response.status_code == 400
    assert b"choose English (en) or Simplified Chinese (zh-hans)" in response.content
    assert b"klingon" not in response.content  # the input is not echoed


def test_language_switch_refuses_offsite_redirects(sales_user, client_for):
    response = client_for(sales_user).post(
        reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_tokens_are_stored_hashed_and_shown_once(sales_user, client_for):
    response = client_for(sales_user).post(reverse("accounts:profile"), {"name": "laptop"})
    raw = response.context["new_token"]
    token = ApiToken.objects.get()
    assert raw.startswith("kehu_") and token.key_hash == hash_token(raw)
    assert raw not in client_for(sales_user).get(reverse("accounts:profile")).content.decode()


def test_api_accepts_a_bearer_token_and_rejects_a_wrong_one(sales_user, client):
    raw = issue_token(sales_user, "script")
    ok = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ok.status_code == 200
    assert ok.json()["username"] == sales_user.username
    wrong = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}x")
    assert wrong.status_code == 401
    assert "Authentication required" in wrong.json()["detail"]
    assert client.get("/api/me").status_code == 401


def test_pages_load_their_scripts_and_styles_from_installed_packages(sales_user, client_for):
    from django.contrib.staticfiles import finders

    html = client_for(sales_user).get(reverse("home")).content.decode()
    for path in ("django_htmx/htmx-2.min.js", "kehu/kehu.css"):
        assert f"/static/{path}" in html
        assert finders.find(path), path
