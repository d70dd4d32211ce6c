"""Errors a user or an API client can act on, instead of a bare 500.

- a query parameter the page cannot use: 400 saying which one and what is allowed;
- an id in the path too large for a database integer: 404 (no such record);
- the database still locked after the busy timeout: 503 with ``Retry-After``;
- under ``/api/`` every error answer is JSON of the API's error shape
  (``{"detail": ..., "errors": [...]}``), whoever produced it (URL resolver, a 405, the
  CSRF check, an unhandled exception).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import OperationalError
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from kehu.crm.validation import DB_INT_MAX, InvalidParameter

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 10
# pages of the API that are HTML by design
API_HTML_PATHS = ("/api/docs",)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) and not request.path.startswith(API_HTML_PATHS)


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


def is_database_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def invalid_parameter_response(request: HttpRequest, exc: InvalidParameter) -> HttpResponse:
    if is_api(request):
        error = {"field": exc.name, "code": "invalid_parameter", "message": str(exc)}
        return JsonResponse(error_body(str(exc), [error]), status=400)
    message = _("“%(name)s” must be %(allowed)s, got “%(value)s”.") % {
        "name": exc.name,
        "allowed": exc.allowed,
        "value": exc.value,
    }
    html = render_to_string(
        "errors/invalid_parameter.html",
        {"message": message, "back": request.path},
        request=request,
    )
    return HttpResponse(html, status=400)


def database_busy_response(request: HttpRequest) -> HttpResponse:
    detail = _(
        "The database is busy with another task (an import or an analysis). "
        "Try again in a few seconds."
    )
    if is_api(request):
        response: HttpResponse = JsonResponse(error_body(detail), status=503)
    else:
        # standalone page: rendering the site layout would read the locked database
        html = render_to_string("errors/database_busy.html", {"detail": detail})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


LOCKED_FLAG = "_kehu_database_locked"


@receiver(got_request_exception)
def _note_locked_database(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django turns an exception outside the view into a 500 before this middleware sees
    it; the signal still carries the exception, so a lock is noted on the request."""
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and is_database_locked(exc):
        setattr(request, LOCKED_FLAG, True)


class ErrorResponseMiddleware:
    """Turn the errors above into answers; place it right after SecurityMiddleware, so
    that it sees (and, under /api/, rewrites) what every inner layer answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, LOCKED_FLAG, False):
            # the lock hit an inner middleware (session save, ...), not the view
            return database_busy_response(request)
        if is_api(request) and response.status_code >= 400 and not _is_json(response):
            return _as_json(response)
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: dict[str, Any]
    ) -> None:
        for value in kwargs.values():
            if isinstance(value, int) and value > DB_INT_MAX:
                raise Http404("No such record.")

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, InvalidParameter):
            return invalid_parameter_response(request, exc)
        if is_database_locked(exc):
            logger.warning("database locked: %s %s", request.method, request.path)
            return database_busy_response(request)
        return None


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _as_json(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    detail = {
        401: "Authentication required: send 'Authorization: Bearer <token>'.",
        403: "You do not have permission to do this.",
        404: "Not found.",
        405: "Method not allowed.",
        503: "The service is busy; try again later.",
    }.get(status, response.reason_phrase or "Error.")
    if status == 405 and response.get("Allow"):
        detail = f"Method not allowed; allowed: {response['Allow']}."
    if status >= 500 and status != 503:
        detail = "Internal server error; the error was logged."
    converted = JsonResponse(error_body(detail), status=status)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            converted[header] = response[header]
    return converted
