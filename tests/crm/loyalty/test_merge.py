"""Merging duplicate customers takes the loser's loyalty membership (and its points) to the
one kept when that one is no member; a kept member keeps its own, and undoing the merge
gives the membership back."""

from __future__ import annotations

import pytest

from kehu.crm.integration.merge import merge_customers, undo_merge
from kehu.crm.loyalty import actions, queries
from kehu.crm.loyalty.models import Membership

pytestmark = pytest.mark.django_db


def test_a_members_points_follow_the_merge_and_come_back_on_undo(make_customer):
    kept, merged = make_customer("Acme Ltd"), make_customer("ACME Limited")
    membership = actions.join(mobile="13800138000", channel="staff", customer=merged)
    actions.adjust(membership, points=120, reason="welcome", by=None)

    merge = merge_customers(kept, merged)
    membership.refresh_from_db()
    assert membership.customer_id == kept.pk
    assert queries.balances([kept.pk]) == {kept.pk: 120}

    undo_merge(merge)
    membership.refresh_from_db()
    assert membership.customer_id == merged.pk


def test_when_both_are_members_each_keeps_its_own_and_the_merge_goes_through(make_customer):
    kept, merged = make_customer("Acme Ltd"), make_customer("ACME Limited")
    mine = actions.join(mobile="13800138000", channel="staff", customer=kept)
    theirs = actions.join(mobile="13900139000", channel="staff", customer=merged)
    merge_customers(kept, merged)
    assert dict(Membership.objects.values_list("pk", "customer_id")) == {
        mine.pk: kept.pk,
        theirs.pk: merged.pk,
    }
