"""What every page's frame needs: the user's roles and the main menu."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject

from kehu.crm.accounts.roles import is_admin, roles_of
from kehu.crm.appconfig import nav_entries


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"user_roles": roles_of(user), "user_is_admin": is_admin(user)}


def _menu(request: HttpRequest) -> list[tuple[str | Promise, str]]:
    user = request.user
    user_roles = roles_of(user)
    menu = []
    for entry in nav_entries():
        if not entry.shown_to(user.has_perm, user_roles):
            continue
        try:
            menu.append((entry.label, reverse(entry.url_name)))
        except NoReverseMatch:  # an app without that page (as `{% url ... as %}` did)
            continue
    return menu


def navigation(request: HttpRequest) -> dict[str, object]:
    """``main_menu``: ``(label, url)`` of each menu entry the apps declare
    (``AppConfig.nav``) that this user may open (a 403 behind a menu entry is a dead
    end). Computed only when a template reads it: an htmx fragment has no menu."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"main_menu": ()}
    return {"main_menu": SimpleLazyObject(lambda: _menu(request))}
