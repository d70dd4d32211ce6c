"""A deduplication run over the CRM's customers: score candidate pairs with the model of
:mod:`kehu.insight.dedup`, merge the certain ones, queue the uncertain ones for review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import transaction

from kehu.crm.customers.models import Customer
from kehu.crm.integration.merge import merge_customers, pick_winner
from kehu.crm.integration.models import DuplicatePair
from kehu.insight.dedup.linkage import COMPARISON_NAMES, find_duplicates

AUTO_MERGE = 0.99
REVIEW = 0.8


@dataclass
class DedupResult:
    customers: int
    pairs: int
    merged: int
    to_review: int


def live_records() -> pd.DataFrame:
    rows = Customer.objects.filter(merged_into__isnull=True).values_list(
        "id", "name", "email", "phone", "city", "address"
    )
    return pd.DataFrame(
        list(rows), columns=["unique_id", "name", "email", "phone", "city", "address"]
    )


def run_dedup(
    *, auto_merge: float = AUTO_MERGE, review: float = REVIEW, by: Any = None
) -> DedupResult:
    """Pairs at or above ``auto_merge`` are merged (the record with more orders, or the
    older one, is kept); pairs from ``review`` up are queued; pairs a person already
    decided stay decided."""
    if not 0 < review <= auto_merge <= 1:
        raise ValueError(f"need 0 < review ({review}) <= auto merge ({auto_merge}) <= 1")
    records = live_records()
    pairs = find_duplicates(records, threshold=review).pairs
    decided = set(
        DuplicatePair.objects.exclude(status=DuplicatePair.Status.PENDING).values_list(
            "customer_a_id", "customer_b_id"
        )
    )
    saved = _save_pairs(pairs, decided)
    merged = 0
    for pair in saved:
        if pair.probability < auto_merge:
            continue
        a, b = _live(pair.customer_a_id), _live(pair.customer_b_id)
        if a.pk == b.pk:
            continue
        winner, loser = pick_winner(a, b)
        merge_customers(winner, loser, by=by, pair=pair, automatic=True)
        merged += 1
    to_review = DuplicatePair.objects.filter(status=DuplicatePair.Status.PENDING).count()
    return DedupResult(len(records), len(pairs), merged, to_review)


def _live(pk: int) -> Customer:
    customer = Customer.objects.get(pk=pk)
    while customer.merged_into_id:  # merged earlier in this run: its record now
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


@transaction.atomic
def _save_pairs(pairs: pd.DataFrame, decided: set[tuple[int, int]]) -> list[DuplicatePair]:
    """New pairs inserted and pending ones updated in bulk (a few queries, not one per
    pair); pairs a person decided are left alone."""
    a = pairs[["id_l", "id_r"]].min(axis=1).astype(int).tolist()
    b = pairs[["id_l", "id_r"]].max(axis=1).astype(int).tolist()
    evidence = pairs[[f"mw_{n}" for n in COMPARISON_NAMES]].round(2).to_numpy().tolist()
    found = {
        key: (float(p), dict(zip(COMPARISON_NAMES, e, strict=True)))
        for key, p, e in zip(zip(a, b, strict=True), pairs["probability"], evidence, strict=True)
        if key not in decided
    }
    pending = DuplicatePair.objects.filter(status=DuplicatePair.Status.PENDING)
    existing = {(p.customer_a_id, p.customer_b_id): p for p in pending.iterator()}
    updated = [existing[key] for key in found if key in existing]
    for pair in updated:
        pair.probability, pair.evidence = found[(pair.customer_a_id, pair.customer_b_id)]
    DuplicatePair.objects.bulk_update(updated, ["probability", "evidence"], batch_size=1000)
    created = DuplicatePair.objects.bulk_create(
        [
            DuplicatePair(customer_a_id=k[0], customer_b_id=k[1], probability=p, evidence=e)
            for k, (p, e) in found.items()
            if k not in existing
        ],
        batch_size=1000,
    )
    return sorted([*updated, *created], key=lambda p: -p.probability)
