"""Response headers that keep personal data out of caches and injected scripts out of
pages.

- ``Content-Security-Policy``: scripts only from our own origin or an inline
  ``<script nonce="{{ request.csp_nonce }}">``; no plugins, no framing, forms post only
  here. Styles may be inline (``style=`` attributes, htmx's indicator style).
- ``Cache-Control: no-store`` on every answer to a session or a token and on every download:
  a shared or back-button cache must not keep a customer's data.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def content_security_policy(nonce: str) -> str:
    return CSP.format(nonce=nonce)


class SecurityHeadersMiddleware:
    """Sets ``request.csp_nonce`` for templates, then the headers above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request.csp_nonce))  # type: ignore[attr-defined]
        if _personal(request, response) and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    """A download, or an answer to someone signed in (a session cookie) or calling the API
    with a token; decided from the request alone, without reading the database (which may
    be what just failed)."""
    if "attachment" in response.get("Content-Disposition", ""):
        return True
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
