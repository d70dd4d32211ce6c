"""Each app declares its URLs, API router, menu entries and role permissions in its
AppConfig (kehu.crm.appconfig), and the project collects them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve, reverse

from kehu.crm.appconfig import KehuAppConfig, NavEntry, app_urlpatterns, kehu_apps

LAYERS = [
    "accounts",
    "customers",
    "catalog",
    "sales",
    "service",
    "engagement",
    "billing",
    "intelligence",
    "integration",
    "marketing",
    "leads",
    "automation",
    "events",
    "attendance",
    "loyalty",
    "screens",
    "reports",
    "performance",
    "portal",
]


def test_every_kehu_app_declares_itself_lowest_layer_first() -> None:
    crm_apps = [c for c in apps.get_app_configs() if c.name.startswith("kehu.crm.")]
    assert all(isinstance(c, KehuAppConfig) for c in crm_apps), [type(c) for c in crm_apps]
    assert [c.label for c in kehu_apps()] == LAYERS


def test_a_screen_keeps_the_url_and_name_of_its_domain() -> None:
    assert reverse("customers:detail", args=[7]) == "/customers/7/"
    assert resolve("/customers/7/").func.__module__ == "kehu.crm.screens.views"
    assert reverse("customers:list") == "/customers/"
    assert reverse("engagement:log", args=[7]) == "/engagement/customers/7/log/"
    assert resolve("/engagement/customers/7/log/").func.__module__ == "kehu.crm.screens.views"
    assert reverse("home") == "/"


def test_marketing_and_automation_are_wired_without_a_menu_entry() -> None:
    from kehu.crm.api import api
    from kehu.crm.automation.api import router as automation_router
    from kehu.crm.marketing.api import router as marketing_router

    mounted = [router for _prefix, router in api._routers]
    for label, router in (("marketing", marketing_router), ("automation", automation_router)):
        config = apps.get_app_config(label)
        assert config.url_prefix == f"{label}/"
        assert router in mounted
    # each has its pages now: the campaigns and the rules, for those who may read them
    assert [e.url_name for e in apps.get_app_config("marketing").nav] == ["marketing:campaign_list"]
    assert [e.url_name for e in apps.get_app_config("automation").nav] == ["automation:rules"]


@pytest.mark.django_db
def test_the_marketing_menu_entry_opens_a_page(admin_user: object, client_for) -> None:
    client = client_for(admin_user)
    assert client.get("/marketing/").status_code == 200


def test_pages_added_to_a_namespace_no_app_has_are_refused(monkeypatch) -> None:
    screens = apps.get_app_config("screens")
    monkeypatch.setattr(
        screens,
        "extends_urls",
        {**screens.extends_urls, "campaigns": "kehu.crm.screens.urls.customer_urlpatterns"},
    )
    with pytest.raises(ImproperlyConfigured, match="campaigns"):
        app_urlpatterns()


@pytest.mark.parametrize(
    ("entry", "perms", "roles", "shown"),
    [
        (NavEntry("x", "home", 1, permission="a.view_b"), {"a.view_b"}, set(), True),
        (NavEntry("x", "home", 1, permission="a.view_b"), set(), {"admin"}, False),
        (NavEntry("x", "home", 1, roles=("admin", "analyst")), set(), {"analyst"}, True),
        (NavEntry("x", "home", 1, roles=("admin", "analyst")), set(), {"sales"}, False),
        (
            NavEntry("x", "home", 1, roles=("sales",), not_roles=("analyst",)),
            set(),
            {"sales", "analyst"},
            False,
        ),
    ],
)
def test_a_menu_entry_is_shown_to_who_may_open_it(
    entry: NavEntry, perms: set[str], roles: set[str], shown: bool
) -> None:
    assert entry.shown_to(perms.__contains__, roles) is shown
