"""Sign-in throttling, the password change every user has, the language switch that
does not echo its input, and the response headers of every page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failed_sign_ins_make_the_pair_wait(sales_user, settings):
    settings.KEHU_LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(2):
        assert _login(client, "sally", "wrong").status_code == 200
    refused = _login(client, "sally", "wrong")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.content.decode()
    # even the right password waits now
    assert _login(client, "sally", "correct-horse-battery").status_code == 429
    # another username from the same address is not held back
    assert _login(client, "someone-else", "wrong").status_code == 200


def test_another_address_can_still_sign_in(sales_user, settings):
    settings.KEHU_LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        _login(Client(REMOTE_ADDR="10.0.0.9"), "sally", "wrong")
    ok = _login(Client(REMOTE_ADDR="10.0.0.8"), "sally", "correct-horse-battery")
    assert ok.status_code == 302


def test_a_success_clears_the_failures(sales_user, settings):
    settings.KEHU_LOGIN_MAX_FAILURES = 3
    client = Client()
    _login(client, "sally", "wrong")
    _login(client, "sally", "wrong")
    assert _login(client, "sally", "correct-horse-battery").status_code == 302
    client.logout()
    _login(client, "sally", "wrong")
    _login(client, "sally", "wrong")
    assert _login(client, "sally", "correct-horse-battery").status_code == 302


def test_the_wait_message_is_in_chinese_for_a_chinese_browser(sales_user, settings):
    settings.KEHU_LOGIN_MAX_FAILURES = 1
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    refused = _login(client, "sally", "wrong")
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.content.decode()


def test_a_sales_user_changes_their_own_password(sales_user, client_for):
    client = client_for(sales_user)
    assert not sales_user.is_staff
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:password_change") in profile
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-much-Longer-secret-42",
            "new_password2": "a-much-Longer-secret-42",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    user = get_user_model().objects.get(pk=sales_user.pk)
    assert user.check_password("a-much-Longer-secret-42")
    assert client.get(reverse("accounts:profile")).status_code == 200  # still signed in


def test_a_wrong_old_password_is_refused_in_the_users_language(make_user, client_for):
    user = make_user("service", language="zh-hans")
    response = client_for(user).post(
        reverse("accounts:password_change"),
        {
            "old_password": "nope",
            "new_password1": "x-Long-pass-99",
            "new_password2": "x-Long-pass-99",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "修改密码" in page and "旧密码" in page


def test_the_language_switch_does_not_echo_its_input(admin_user, client_for):
    hostile = "<script>alert(1)</script>"
    response = client_for(admin_user).post(reverse("accounts:language"), {"language": hostile})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert b"<script>" not in response.content and b"alert" not in response.content


def test_pages_carry_a_csp_with_a_nonce_and_no_store(admin_user, client_for):
    response = client_for(admin_user).get(reverse("customers:list"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "'unsafe-inline'" not in csp.split(";")[1]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    assert b" onclick=" not in response.content and b" onchange=" not in response.content


def test_exports_are_not_stored_by_caches(admin_user, client_for):
    response = client_for(admin_user).get(reverse("customers:export"))
    assert "no-store" in response["Cache-Control"]


def test_secure_settings_pass_the_deploy_check(tmp_path):
    import os
    import subprocess
    import sys

    env = os.environ | {
        "KEHU_SECURE": "1",
        "KEHU_HOME": str(tmp_path),
        "KEHU_SECRET_KEY": "k" * 20 + "-Q8v$Zp!rT2w@Lm9#Xc4^Hn7&Jb1*Yd6_Fg3",
        "DJANGO_SETTINGS_MODULE": "kehu.crm.settings",
    }
    env.pop("KEHU_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' conftest sets it
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_locked_database_is_a_503_page_with_retry_after(admin_user, client_for, monkeypatch):
    from django.db import OperationalError

    from kehu.crm.customers import views

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views.queries, "filtered_customers", locked)
    response = client_for(admin_user).get(reverse("customers:list"))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "busy" in response.content.decode()


def test_api_docs_serve_the_bundled_swagger_ui(admin_user, client_for):
    client = client_for(admin_user)
    page = client.get("/api/docs").content.decode()
    assert "cdn.jsdelivr" not in page and "unpkg" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    bundle = client.get("/static/ninja/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_no_template_has_a_script_the_csp_would_block():
    """Inline scripts need the request's nonce; inline event handlers (onclick=...) and
    hx-on (evaluated code) are refused by the policy: behaviour goes in static files."""
    import re
    from pathlib import Path

    import kehu.crm

    root = Path(kehu.crm.__file__).parent
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "csp_nonce" not in tag and "application/json" not in tag:
                offenders.append(f"{template.relative_to(root)}: {tag}")
        for handler in re.findall(r"\s(on[a-z]+|hx-on[:\w-]*)=", text):
            offenders.append(f"{template.relative_to(root)}: {handler}=")
    assert offenders == []


def test_a_lock_outside_the_view_is_a_503_too(admin_user, client_for, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    def locked(self):
        raise OperationalError("database is locked")

    client = client_for(admin_user)
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", locked)  # read by a middleware, not the view
    response = client.get(reverse("customers:list"))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
