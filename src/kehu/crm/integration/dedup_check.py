"""How right `kehu dedup` is on a CRM database whose truth is known: the demo's
customers are each a different customer (the generator draws every record on its own;
names, role mailboxes and addresses repeat only because its pools are finite), so
duplicates of some of them are planted, changed as real re-entries are
(:func:`kehu.insight.dedup.synthetic.plant_duplicates`), and the merges and the review
queue that a run leaves are scored against them.

Used by ``benchmarks/dedup.py --demo`` and by the tests; never on real data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model

from kehu.crm.customers.actions import create_customer
from kehu.crm.customers.models import Customer
from kehu.crm.integration.dedup import live_records, pending_pairs
from kehu.insight.dedup.synthetic import plant_duplicates


def plant(share: float = 0.05, seed: int = 5, other_owner_share: float = 0.1) -> dict[int, int]:
    """Planted copies of ``share`` of the live customers, written through
    :func:`create_customer`; ``other_owner_share`` of the copies of owned customers go
    to another owner (a second salesperson entering the same customer). Returns the
    entity of every live customer: its own id, or for a copy the id of the original."""
    records = live_records()
    kinds = dict(Customer.objects.values_list("pk", "kind"))
    records["kind"] = records["unique_id"].map(kinds)
    copies = plant_duplicates(records, share=share, seed=seed)
    owners = sorted({int(o) for o in records["owner"].dropna()})
    users = get_user_model().objects.in_bulk(owners)
    rng = np.random.default_rng(seed + 1)
    entity = {int(i): int(i) for i in records["unique_id"]}
    for row in copies.itertuples(index=False):
        owner = row.owner if pd.notna(row.owner) else None
        if owner is not None and len(owners) > 1 and rng.random() < other_owner_share:
            owner = [o for o in owners if o != owner][int(rng.integers(0, len(owners) - 1))]
        customer = create_customer(
            name=row.name,
            email=row.email,
            phone=row.phone,
            city=row.city,
            address=row.address,
            kind=row.kind,
            owner=users.get(owner),
        )
        entity[customer.pk] = int(row.entity_id)
    return entity


@dataclass
class Quality:
    """Merges and queue of a run against the truth: pairs of original records that
    ended as one customer (``merged_pairs``, transitively), how many of them are one
    customer (``correct``), and the same for the merged and queued pairs together."""

    true_pairs: int
    merged_pairs: int
    correct: int
    precision: float
    recall: float
    queued_pairs: int
    queued_correct: int
    recall_with_queue: float
    cross_owner_merged: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _pairs(groups: dict[int, list[int]]) -> set[tuple[int, int]]:
    return {pair for ids in groups.values() for pair in combinations(sorted(ids), 2)}


def quality(entity: dict[int, int], owner_at_start: dict[int, int | None]) -> Quality:
    """Score the current state of the database (after a dedup run) against
    ``entity`` (from :func:`plant`); ``owner_at_start`` is each customer's owner
    before the run."""
    merged_into = dict(
        Customer.objects.filter(pk__in=list(entity)).values_list("pk", "merged_into_id")
    )

    def root(pk: int) -> int:
        while merged_into.get(pk):
            pk = merged_into[pk]
        return pk

    by_root: dict[int, list[int]] = {}
    by_entity: dict[int, list[int]] = {}
    for pk, e in entity.items():
        by_root.setdefault(root(pk), []).append(pk)
        by_entity.setdefault(e, []).append(pk)
    merged, truth = _pairs(by_root), _pairs(by_entity)
    correct = len(merged & truth)
    queued = {
        tuple(sorted(pair))
        for pair in pending_pairs().values_list("customer_a_id", "customer_b_id")
        if all(pk in entity for pk in pair)
    }
    found = merged | queued
    cross = sum(
        1
        for a, b in merged
        if owner_at_start.get(a)
        and owner_at_start.get(b)
        and owner_at_start[a] != owner_at_start[b]
    )
    return Quality(
        true_pairs=len(truth),
        merged_pairs=len(merged),
        correct=correct,
        precision=correct / len(merged) if merged else 1.0,
        recall=correct / len(truth) if truth else 1.0,
        queued_pairs=len(queued),
        queued_correct=len(queued & truth),
        recall_with_queue=len(found & truth) / len(truth) if truth else 1.0,
        cross_owner_merged=cross,
    )


def owners() -> dict[int, int | None]:
    """Every customer's owner now."""
    return dict(Customer.objects.values_list("pk", "owner_id"))
