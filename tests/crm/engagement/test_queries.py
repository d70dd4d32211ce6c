"""Which interactions a user sees, and who may correct or delete one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kehu.crm.engagement.actions import log_interaction
from kehu.crm.engagement.queries import may_change, may_delete, visible_interactions

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_logs(make_user, make_customer):
    """Sally's and Steve's customers, each with an interaction its owner logged."""
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    logs = {}
    for user in (sally, steve):
        customer = make_customer(f"{user.username} Co", owner=user)
        logs[user.username] = log_interaction(customer, by=user, channel="email", subject="Hi")
    return sally, steve, logs


def test_a_seller_sees_the_interactions_of_own_customers_only(two_logs):
    sally, steve, logs = two_logs
    assert list(visible_interactions(sally)) == [logs["sally"]]
    assert list(visible_interactions(steve)) == [logs["steve"]]


def test_managers_administrators_and_service_see_every_interaction(two_logs, make_user):
    _, _, logs = two_logs
    for user in (make_user("sales", manager=True), make_user("admin"), make_user("service")):
        assert set(visible_interactions(user)) == set(logs.values()), user.username


def test_an_anonymous_user_sees_none(two_logs):
    assert not visible_interactions(AnonymousUser()).exists()


def test_the_author_may_change_and_delete_own_entry_only(two_logs):
    sally, steve, logs = two_logs
    assert may_change(sally, logs["sally"]) and may_delete(sally, logs["sally"])
    assert not may_change(sally, logs["steve"]) and not may_delete(sally, logs["steve"])


def test_an_administrator_may_change_and_delete_any_entry(two_logs, make_user):
    _, _, logs = two_logs
    admin = make_user("admin")
    assert all(may_change(admin, i) and may_delete(admin, i) for i in logs.values())


def test_a_user_who_sees_an_entry_but_did_not_write_it_may_not_change_it(two_logs, make_user):
    _, _, logs = two_logs
    service = make_user("service")  # sees every customer, holds change_interaction
    assert not may_change(service, logs["sally"]) and not may_delete(service, logs["sally"])


def test_an_author_without_the_change_permission_may_not_change_own_entry(make_user, make_customer):
    analyst = make_user("analyst")  # may only view interactions
    own = log_interaction(make_customer(), by=analyst, channel="email", subject="Noted")
    assert not may_change(analyst, own) and not may_delete(analyst, own)
    assert not may_change(AnonymousUser(), own) and not may_delete(AnonymousUser(), own)
