"""Shared fixtures: users in each role, logged-in clients, and the rules for tests that
need data or a browser (skip with a reason on a user's machine, fail under CI)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

IN_CI = bool(os.environ.get("CI"))
REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="run tests marked slow")


def _on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


# the fixtures through which a test reaches the CRM's database (pytest-django's; every
# test's closure holds django_db_blocker, so it says nothing). A test that starts `kehu`
# in a process of its own gives it an SQLite file of its own, so it is not among them.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def _touches_the_database(item: pytest.Item) -> bool:
    return (
        "database" in item.keywords
        or item.get_closest_marker("django_db") is not None
        or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # the PostgreSQL pass of CI selects `-m database`: the tests that reach a database
    for item in items:
        if _touches_the_database(item):
            item.add_marker(pytest.mark.database)
    # tests of PostgreSQL itself run in the PostgreSQL pass, tests of SQLite itself in
    # the SQLite pass (CI runs the suite on both)
    other = "sqlite" if _on_postgresql() else "postgres"
    kept = [item for item in items if other not in item.keywords]
    config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = kept
    if config.getoption("--run-slow") or IN_CI:
        return
    skip_slow = pytest.mark.skip(reason="slow test: run with --run-slow (CI always runs it)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


def require(condition: bool, reason: str) -> None:
    """Skip when a test's outside need (data set, browser, server) is missing; under CI
    a missing need is a failure, never a silent skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kehu_data() -> Path:
    """The shared public datasets (KEHU_DATA, default ../shared/data)."""
    path = Path(os.environ.get("KEHU_DATA", REPO_ROOT.parent / "shared" / "data"))
    require(path.is_dir(), f"public datasets not found at {path} (set KEHU_DATA)")
    return path


@pytest.fixture(scope="session", autouse=True)
def var_dir_of_this_worker(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Under pytest-xdist (`make test` runs two workers), each worker keeps its files
    (imports' work directories, the warehouse, the SMS outbox) in a var/ of its own: the
    workers' databases number their rows alike, so a shared var/imports/1 would hold two
    workers' jobs at once."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    from django.conf import settings

    settings.VAR_DIR = tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """PBKDF2's deliberate slowness is for production; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def default_language_after_each_test() -> Iterator[None]:
    """A test that renders a Chinese page (or activates Chinese itself) leaves it active
    in the thread: every test starts from the default language instead."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def make_user(db: None) -> Callable[..., object]:
    from kehu.crm.accounts.actions import create_user

    counter = iter(range(1, 10_000))

    def _make(
        role: str, *, manager: bool = False, username: str | None = None, language: str = "en"
    ) -> object:
        name = username or f"{role}{next(counter)}"
        user, _password = create_user(
            name, role=role, manager=manager, password="correct-horse-battery", language=language
        )
        return user

    return _make


@pytest.fixture
def admin_user(make_user: Callable[..., object]) -> object:
    return make_user("admin", username="boss")


@pytest.fixture
def sales_user(make_user: Callable[..., object]) -> object:
    return make_user("sales", username="sally")


@pytest.fixture
def service_user(make_user: Callable[..., object]) -> object:
    return make_user("service", username="sam")


@pytest.fixture
def analyst_user(make_user: Callable[..., object]) -> object:
    return make_user("analyst", username="ana")


@pytest.fixture
def client_for() -> Callable[[object], object]:
    from django.test import Client

    def _client(user: object) -> Client:
        c = Client()
        c.force_login(user)  # type: ignore[arg-type]
        return c

    return _client


@pytest.fixture
def make_customer(db: None) -> Callable[..., object]:
    from kehu.crm.customers.actions import create_customer

    def _make(name: str = "Acme Trading Ltd", **fields: object) -> object:
        return create_customer(name=name, **fields)

    return _make
