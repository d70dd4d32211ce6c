"""Under /api/ every answer is JSON, whoever produces the error: an unknown path, a wrong
method, a missing or bad token (401, never a CSRF 403), a failure inside a handler, a
locked database (503 with Retry-After)."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import Client

from kehu.crm.api import api

pytestmark = pytest.mark.django_db


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    return body


def test_unknown_api_path_is_a_json_404(api_for, admin_user):
    response = api_for(admin_user).client.get("/api/no-such-thing")
    assert response.status_code == 404
    _json(response)


def test_wrong_method_is_a_json_405(api_for, admin_user):
    response = api_for(admin_user).client.put("/api/me")
    assert response.status_code == 405
    _json(response)


def test_id_beyond_the_database_integer_is_a_json_404(api_for, admin_user):
    response = api_for(admin_user).client.get(f"/api/customers/{2**64}")
    assert response.status_code in (404, 422)
    _json(response)


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer "])
def test_missing_or_bad_token_is_a_json_401(header):
    headers = {"Authorization": header} if header is not None else {}
    client = Client(headers=headers, enforce_csrf_checks=True)
    for response in (client.get("/api/customers"), client.post("/api/customers", {})):
        assert response.status_code == 401
        _json(response)


def test_post_with_a_session_but_no_csrf_token_is_not_a_csrf_403_page(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/api/customers", "{}", content_type="application/json")
    assert response.status_code in (401, 403)
    _json(response)


def test_an_unexpected_error_in_a_handler_is_a_json_500(api_for, admin_user, monkeypatch):
    from kehu.crm import api as api_module

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(api_module, "roles_of", broken)
    client = api_for(admin_user).client
    client.raise_request_exception = False
    response = client.get("/api/me")
    assert response.status_code == 500
    assert "boom" not in _json(response)["detail"]


def test_a_locked_database_is_a_503_with_retry_after(api_for, admin_user, monkeypatch):
    from kehu.crm import api as api_module

    def locked(user):
        raise OperationalError("database is locked")

    monkeypatch.setattr(api_module, "roles_of", locked)
    response = api_for(admin_user).client.get("/api/me")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    _json(response)


def test_every_documented_error_has_the_error_shape():
    schema = api.get_openapi_schema()
    assert "ErrorOut" in schema["components"]["schemas"]


def test_api_answers_with_personal_data_are_not_stored_by_caches(api_for, admin_user):
    response = api_for(admin_user).client.get("/api/customers")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
