"""The REST API root: token (or session) authentication, field-keyed error bodies, and
each app's router (its ``AppConfig.api_router``) mounted under ``/api/``."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from kehu.crm.accounts.models import ApiToken, hash_token
from kehu.crm.accounts.roles import roles_of, sees_all_customers
from kehu.crm.appconfig import api_routers
from kehu.crm.errors import database_busy_response, invalid_parameter_response, is_database_locked
from kehu.crm.rest import ERRORS
from kehu.crm.validation import InvalidParameter

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer kehu_...``"""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        match = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), user__is_active=True)
            .first()
        )
        if match is None:
            return None
        now = timezone.now()
        if match.last_used_at is None or (now - match.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=match.pk).update(last_used_at=now)
        request.user = match.user
        return match.user


class SignedInSession(SessionAuth):
    """The browser's session (the API docs page, htmx): checked for CSRF only when it
    belongs to a signed-in user, so that a call with neither a session nor a valid token
    is a 401 asking for a token, not a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request):
            raise HttpError(
                403,
                "CSRF check failed: a call with the session cookie must send the "
                "X-CSRFToken header; programs should use a bearer token instead.",
            )
        return request.COOKIES.get(self.param_name)


api = NinjaAPI(
    title="kehu CRM API",
    version="1",
    description="Customers, contacts, products, orders, opportunities, activities, tickets "
    "and interactions. Authenticate with `Authorization: Bearer <token>` (create a token "
    "with `kehu token USERNAME` or on your profile page). Errors have the shape "
    '`{"detail": "...", "errors": [{"field": ..., "code": ..., "message": ...}]}`.',
    auth=[TokenAuth(), SignedInSession()],
    urls_namespace="api",
)


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja's loc starts with the source ("body", "query", "path") and the schema
    # argument name; the user only needs the field path.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters")]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field_name(err.get("loc", ())),
            "code": str(err.get("type", "invalid")),
            "message": str(err.get("msg", "invalid value")),
        }
        for err in exc.errors
    ]
    return api.create_response(
        request, error_body("The request has invalid fields; see errors.", errors), status=422
    )


@api.exception_handler(ValidationError)
def on_model_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "code": err.code or "invalid", "message": " ".join(err.messages)}
            for field, errs in exc.error_dict.items()
            for err in errs
        ]
    else:
        errors = [
            {"field": "__all__", "code": err.code or "invalid", "message": " ".join(err.messages)}
            for err in exc.error_list
        ]
    return api.create_response(
        request, error_body("The request has invalid fields; see errors.", errors), status=422
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(str(exc) or "Not found."), status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, error_body(str(exc) or "You do not have permission to do this."), status=403
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body("Authentication required: send 'Authorization: Bearer <token>'."),
        status=401,
    )


@api.exception_handler(InvalidParameter)
def on_invalid_parameter(request: HttpRequest, exc: InvalidParameter) -> HttpResponse:
    return invalid_parameter_response(request, exc)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A failure the handler did not foresee: JSON like every API answer, with the
    traceback in the log (a locked database is a 503 to retry, not a failure)."""
    if is_database_locked(exc):
        return database_busy_response(request)
    logger.exception("API error: %s %s", request.method, request.path)
    return api.create_response(
        request, error_body("Internal server error; the error was logged."), status=500
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    errors = []
    if exc.status_code == 400:  # ninja's "Cannot parse request body"
        errors = [{"field": "__body__", "code": "json_invalid", "message": str(exc)}]
    return api.create_response(request, error_body(str(exc), errors), status=exc.status_code)


class MeOut(Schema):
    id: int
    username: str
    email: str
    roles: list[str]
    sees_all_customers: bool
    permissions: list[str]


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["accounts"], summary="The current user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "roles": sorted(roles_of(user)),
        "sees_all_customers": sees_all_customers(user),
        "permissions": sorted(user.get_all_permissions()),
    }


def mount_routers() -> None:
    """Each app's router (``AppConfig.api_router``), in ``INSTALLED_APPS`` order."""
    for router in api_routers():
        api.add_router("/", router)


mount_routers()
