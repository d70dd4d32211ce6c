"""Every role's navigation and start page link only to pages that role may open: a menu
entry that answers 403 is a dead end."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a [^>]*href="(/[^"#?]*)[^"]*"')


@pytest.mark.parametrize("role", ["admin", "sales", "service", "marketing", "analyst"])
def test_every_link_of_the_menu_and_start_page_opens_for_the_role(
    role: str, make_user: Callable[..., object], client_for: Callable[[object], object]
) -> None:
    client = client_for(make_user(role, username=f"{role}-user"))
    home = client.get("/")  # type: ignore[attr-defined]
    assert home.status_code == 200
    links = sorted(set(LINK.findall(home.content.decode())))
    assert "/accounts/profile/" in links
    dead = {}
    for path in links:
        status = client.get(path).status_code  # type: ignore[attr-defined]
        if status >= 400:
            dead[path] = status
    assert dead == {}
