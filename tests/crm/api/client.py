"""A JSON client for ``/api/`` and a reader of its error bodies."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.test import Client

NEXT_YEAR = date.today().year + 1  # a date ahead but within every far-future horizon


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


def error_fields(response: Any) -> dict[str, str]:
    """``{field: code}`` of a 4xx body."""
    return {e["field"]: e["code"] for e in response.json()["errors"]}
