from __future__ import annotations

from django.http import HttpRequest

from kehu.crm.accounts.roles import is_admin, roles_of


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"user_roles": roles_of(user), "user_is_admin": is_admin(user)}
