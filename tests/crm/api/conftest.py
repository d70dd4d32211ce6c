"""Clients for the REST API: a bearer token per user, JSON in and out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


class ApiClient:
    """A thin wrapper over Django's test client that speaks JSON to ``/api/``."""

    def __init__(self, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api{path}", params or {})

    def post(self, path: str, body: Any = None) -> Any:
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self._send("patch", path, body)

    def _send(self, method: str, path: str, body: Any) -> Any:
        data = json.dumps(body) if body is not None else ""
        return getattr(self.client, method)(
            f"/api{path}", data=data, content_type="application/json"
        )


@pytest.fixture
def api_for(db: None) -> Callable[[object], ApiClient]:
    from kehu.crm.accounts.actions import issue_token

    def _make(user: object) -> ApiClient:
        return ApiClient(issue_token(user, "tests"))  # type: ignore[arg-type]

    return _make


@pytest.fixture
def anonymous_api(db: None) -> ApiClient:
    return ApiClient()


def error_fields(response: Any) -> dict[str, str]:
    """``{field: code}`` of a 4xx body."""
    return {e["field"]: e["code"] for e in response.json()["errors"]}
