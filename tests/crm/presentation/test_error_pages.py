"""404, 403, 400 and 500 pages look like the app (its style sheet and, for a signed-in
user, its navigation), speak the user's language and, for a 500, render without the
database. Served with DEBUG off, as in production."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from django.utils import translation
from django.views.defaults import server_error

import kehu.crm.urls


def _forbidden(request: object) -> None:
    raise PermissionDenied


def _bad(request: object) -> None:
    raise SuspiciousOperation("a malformed request")


def _broken(request: object) -> None:
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-errors/403/", _forbidden),
    path("test-errors/400/", _bad),
    path("test-errors/500/", _broken),
    *kehu.crm.urls.urlpatterns,
]

pytestmark = pytest.mark.django_db

PAGES = [
    ("/no-such-page/", 404, {"en": "Page not found", "zh-hans": "页面不存在"}),
    ("/test-errors/403/", 403, {"en": "Not allowed", "zh-hans": "无权访问"}),
    ("/test-errors/400/", 400, {"en": "Bad request", "zh-hans": "请求无效"}),
    ("/test-errors/500/", 500, {"en": "Something went wrong", "zh-hans": "出错了"}),
]


@pytest.fixture
def signed_in(make_user: Callable[..., object]) -> Callable[[str], Client]:
    def _client(language: str) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(make_user("sales", username=f"user-{language}", language=language))  # type: ignore[arg-type]
        return client

    return _client


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("url", "status", "heading"), PAGES)
def test_error_pages_look_like_the_app_in_the_users_language(
    signed_in: Callable[[str], Client], language: str, url: str, status: int, heading: dict
) -> None:
    with override_settings(DEBUG=False, ROOT_URLCONF=sys.modules[__name__]):
        response = signed_in(language).get(url)
    html = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading[language]}</h1>" in html
    assert "kehu/kehu.css" in html
    assert f'<html lang="{language}">' in html
    assert f'id="error-{status}"' in html
    if status != 500:  # the 500 page stands alone: no user, no database
        assert 'class="topbar' in html and "/customers/" in html


def test_a_visitor_who_is_not_signed_in_gets_the_404_page_without_navigation() -> None:
    with override_settings(DEBUG=False):
        response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Log out" not in html


def test_a_form_sent_without_its_csrf_token_gets_an_explanation(
    make_user: Callable[..., object],
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("sales", username="sally"))  # type: ignore[arg-type]
    with override_settings(DEBUG=False):
        response = client.post("/customers/new/", {"name": "No token Ltd"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


@pytest.mark.django_db(databases=[])
def test_the_500_page_renders_without_the_database_or_a_request_context() -> None:
    # no database access is allowed in this test: any query would raise
    with translation.override("zh-hans"):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "出错了" in html and "kehu/kehu.css" in html


def test_the_browsers_favicon_request_is_not_a_404() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("kehu/favicon.svg")
