"""How a kehu app declares itself, and how the project collects what the apps declare.

Each app's ``AppConfig`` is a :class:`KehuAppConfig` and says, as class attributes:

- ``url_prefix``: where its ``urls.py`` is mounted (``"customers/"``); ``None`` for an
  app without pages.
- ``extends_urls``: pages it adds to another app's URL namespace, as ``{namespace:
  "dotted.path.to.urlpatterns"}``. The screens layer puts the customer 360 page at
  ``customers:detail``, where users, bookmarks and templates know it, although the
  customers app cannot import the screen (it sits below it).
- ``api_router``: the dotted path of its django-ninja ``Router``, mounted on ``/api/``.
- ``nav``: its entries in the main menu (:class:`NavEntry`), each shown only to the
  users who may open it.
- ``role_permissions``: what each role may do with the app's models, ``{role: {model:
  actions}}``; ``ALL`` for the administrator role grants every permission of the app.

``settings.INSTALLED_APPS`` lists the apps; ``urls.py``, ``api.py``,
``accounts/roles.py`` and the menu of ``base.html`` (through
``accounts.context_processors.navigation``) read the rest from here, in the order of
``INSTALLED_APPS``. Nothing here imports a model: ``AppConfig`` classes are imported
while the app registry is still loading, so routers and URL modules are named by
dotted path and imported only when the project collects them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, ClassVar, Final, Literal

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, include, path
from django.utils.functional import Promise
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from ninja import Router

# what a role may do with a model: Django's model permission actions
VIEW: Final = ("view",)
EDIT: Final = ("view", "add", "change")
FULL: Final = ("view", "add", "change", "delete")
ALL: Final = "all"  # every permission of the app (the administrator role)

Grants = Mapping[str, tuple[str, ...]] | Literal["all"]


@dataclass(frozen=True)
class NavEntry:
    """One link of the main menu. It is shown when the user holds ``permission`` (if
    given), has one of ``roles`` (if given; superusers count as ``admin``) and none of
    ``not_roles`` (a role another entry serves), and when ``url_name`` resolves.
    Entries of all apps are ordered by ``position``."""

    label: str | Promise
    url_name: str
    position: int
    permission: str | None = None
    roles: tuple[str, ...] = ()
    not_roles: tuple[str, ...] = ()

    def shown_to(self, has_perm: Callable[[str], bool], user_roles: set[str]) -> bool:
        if self.permission is not None and not has_perm(self.permission):
            return False
        if self.roles and not user_roles.intersection(self.roles):
            return False
        return not user_roles.intersection(self.not_roles)


class KehuAppConfig(AppConfig):
    """An app of the kehu CRM (see the module docstring for what it declares)."""

    # Django takes the one AppConfig of an app's apps.py, or the one marked default: this
    # base class, imported there too, is not; each subclass is (__init_subclass__)
    default = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True

    url_prefix: ClassVar[str | None] = None
    extends_urls: ClassVar[Mapping[str, str]] = {}
    api_router: ClassVar[str | None] = None
    nav: ClassVar[tuple[NavEntry, ...]] = ()
    role_permissions: ClassVar[Mapping[str, Grants]] = {}


def kehu_apps() -> list[KehuAppConfig]:
    """The installed kehu apps, in ``INSTALLED_APPS`` order."""
    return [c for c in apps.get_app_configs() if isinstance(c, KehuAppConfig)]


def app_urlpatterns() -> list[URLPattern | URLResolver]:
    """Each app's ``urls.py`` under its ``url_prefix`` and namespace (its ``app_name``),
    with the pages other apps add to that namespace."""
    added: dict[str, list[URLPattern | URLResolver]] = defaultdict(list)
    for config in kehu_apps():
        for namespace, dotted in config.extends_urls.items():
            added[namespace].extend(import_string(dotted))
    patterns: list[URLPattern | URLResolver] = []
    for config in kehu_apps():
        if config.url_prefix is None:
            continue
        module = import_module(f"{config.name}.urls")
        namespace = getattr(module, "app_name", None)
        own = [*module.urlpatterns, *added.pop(namespace, [])] if namespace else module.urlpatterns
        patterns.append(path(config.url_prefix, include((own, namespace) if namespace else own)))
    if added:
        raise ImproperlyConfigured(
            f"pages were added to URL namespaces no installed app has: {sorted(added)}"
        )
    return patterns


def api_routers() -> list[Router]:
    """The apps' API routers, in ``INSTALLED_APPS`` order."""
    return [import_string(c.api_router) for c in kehu_apps() if c.api_router]


def nav_entries() -> list[NavEntry]:
    """Every app's menu entries, in menu order."""
    return sorted((e for c in kehu_apps() for e in c.nav), key=lambda e: e.position)


def role_grants(role: str) -> dict[str, Grants]:
    """What ``role`` may do, per app label: ``{app_label: {model: actions}}`` or
    ``{app_label: ALL}``."""
    return {c.label: c.role_permissions[role] for c in kehu_apps() if role in c.role_permissions}
