"""`kehu dedup` at its defaults on a demo database with planted duplicates: it must not
merge different customers (the demo's companies share role mailboxes such as
info@smith-trading.com, which once merged 1,099 of 10,000 demo customers), must not
merge across owners, and must still find most planted duplicates."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.demo.load import load_demo
from kehu.crm.integration.dedup_check import owners, plant, quality
from kehu.crm.integration.models import DuplicatePair

pytestmark = pytest.mark.django_db


def test_dedup_at_defaults_is_precise_on_the_demo_and_never_merges_across_owners():
    # given 1,500 demo customers and copies of 8% of them, 15% of those under another owner
    load_demo(1_500, seed=4)
    entity = plant(share=0.08, seed=5, other_owner_share=0.15)
    before = owners()
    # when the command runs with its defaults
    result = CliRunner().invoke(main, ["dedup"])
    assert result.exit_code == 0, result.output
    # then almost every merged pair is one customer, and most copies are merged or queued
    q = quality(entity, before)
    assert q.true_pairs > 80
    assert q.precision >= 0.98, q
    assert q.recall >= 0.6, q
    assert q.recall_with_queue >= 0.8, q
    # and copies under another owner are never merged: they wait for a manager
    assert q.cross_owner_merged == 0, q
    cross = [
        p
        for p in DuplicatePair.objects.filter(status="pending")
        if before[p.customer_a_id]
        and before[p.customer_b_id]
        and before[p.customer_a_id] != before[p.customer_b_id]
        and entity[p.customer_a_id] == entity[p.customer_b_id]
    ]
    assert cross, "no planted copy under another owner was queued"
    assert all("owners_differ" in p.reasons for p in cross)
