"""/api/docs renders offline: Swagger UI comes from django-ninja's bundled static files
(no CDN), under the Content-Security-Policy, without console errors."""

from __future__ import annotations

import pytest

from kehu.crm.accounts.actions import create_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_docs_render_every_endpoint_without_a_cdn(page, live_server):
    create_user("boss", role="admin", password="a-long-enough-secret")
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "a-long-enough-secret")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/api/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 20
    assert outside == [] and errors == []
