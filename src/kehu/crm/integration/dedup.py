"""A deduplication run over the CRM's customers: score candidate pairs with the model of
:mod:`kehu.insight.dedup`, merge the pairs the decision rule of
:mod:`kehu.insight.dedup.decision` allows (several independent fields agree, nothing
conflicts, one owner), queue the others for review with the reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import Q, QuerySet

from kehu.crm.customers.models import Customer
from kehu.crm.integration.merge import merge_customers, pick_winner
from kehu.crm.integration.models import DuplicatePair
from kehu.insight.dedup.decision import STRONG, Rule, decide
from kehu.insight.dedup.linkage import COMPARISON_NAMES, find_duplicates

AUTO_MERGE = Rule.auto_merge
REVIEW = Rule.review


@dataclass
class DedupResult:
    customers: int
    pairs: int
    merged: int
    to_review: int
    reasons: dict[str, int]  # queued pairs per reason (a pair may have several)


def live_records() -> pd.DataFrame:
    """Every customer not merged away: the compared fields and the owner."""
    rows = Customer.objects.filter(merged_into__isnull=True).values_list(
        "id", "name", "email", "phone", "city", "address", "owner_id"
    )
    columns = ["unique_id", "name", "email", "phone", "city", "address", "owner"]
    return pd.DataFrame(list(rows), columns=columns).astype({"owner": object})


def pending_pairs() -> QuerySet[DuplicatePair]:
    """The pairs waiting for a decision whose two customers are both still records of
    their own (a pair whose customer was merged since is no longer a question)."""
    return DuplicatePair.objects.filter(
        status=DuplicatePair.Status.PENDING,
        customer_a__merged_into__isnull=True,
        customer_b__merged_into__isnull=True,
    )


def run_dedup(
    *, auto_merge: float = AUTO_MERGE, review: float = REVIEW, by: Any = None
) -> DedupResult:
    """Pairs the rule allows are merged (the record with more orders, or the older
    one, is kept); the other pairs from ``review`` up are queued with their reasons;
    pairs a person already decided stay decided."""
    rule = Rule(auto_merge=auto_merge, review=review)
    records = live_records()
    linkage = find_duplicates(records, threshold=review)
    decided = decide(linkage.pairs, linkage.records, rule)
    done = set(
        DuplicatePair.objects.exclude(status=DuplicatePair.Status.PENDING).values_list(
            "customer_a_id", "customer_b_id"
        )
    )
    saved = _save_pairs(decided, done)
    merged = 0
    for pair in saved:
        if pair.reasons:
            continue
        a, b = _live(pair.customer_a_id), _live(pair.customer_b_id)
        if a.pk == b.pk:
            continue
        winner, loser = pick_winner(a, b)
        merge_customers(winner, loser, by=by, pair=pair, automatic=True)
        merged += 1
    reasons = Counter(
        r for codes in pending_pairs().values_list("reasons", flat=True) for r in codes
    )
    return DedupResult(
        len(records), len(decided), merged, pending_pairs().count(), dict(reasons.most_common())
    )


def _live(pk: int) -> Customer:
    customer = Customer.objects.get(pk=pk)
    while customer.merged_into_id:  # merged earlier in this run: its record now
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def _found(pairs: pd.DataFrame, done: set[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    a = pairs[["id_l", "id_r"]].min(axis=1).astype(int).tolist()
    b = pairs[["id_l", "id_r"]].max(axis=1).astype(int).tolist()
    weights = pairs[[f"mw_{n}" for n in COMPARISON_NAMES]].round(2).to_numpy().tolist()
    agree = pairs[[f"agree_{n}" for n in STRONG]].to_numpy().tolist()
    found = {}
    for key, p, w, g, r in zip(
        zip(a, b, strict=True), pairs["probability"], weights, agree, pairs["reasons"], strict=True
    ):
        if key not in done:
            found[key] = {
                "probability": float(p),
                "evidence": dict(zip(COMPARISON_NAMES, w, strict=True)),
                "agreement": dict(zip(STRONG, g, strict=True)),
                "reasons": list(r),
            }
    return found


@transaction.atomic
def _save_pairs(pairs: pd.DataFrame, done: set[tuple[int, int]]) -> list[DuplicatePair]:
    """This run's pairs saved in bulk (a few queries, not one per pair): new ones
    inserted, pending ones updated, pending ones this run no longer finds (or whose
    customer was merged since) removed; pairs a person decided are left alone."""
    found = _found(pairs, done)
    pending = DuplicatePair.objects.filter(status=DuplicatePair.Status.PENDING)
    existing = {(p.customer_a_id, p.customer_b_id): p for p in pending.iterator()}
    stale = [p.pk for key, p in existing.items() if key not in found]
    DuplicatePair.objects.filter(pk__in=stale).delete()
    DuplicatePair.objects.filter(status=DuplicatePair.Status.PENDING).filter(
        Q(customer_a__merged_into__isnull=False) | Q(customer_b__merged_into__isnull=False)
    ).delete()
    fields = ["probability", "evidence", "agreement", "reasons"]
    updated = [existing[key] for key in found if key in existing]
    for pair in updated:
        for name, value in found[(pair.customer_a_id, pair.customer_b_id)].items():
            setattr(pair, name, value)
    DuplicatePair.objects.bulk_update(updated, fields, batch_size=1000)
    created = DuplicatePair.objects.bulk_create(
        [
            DuplicatePair(customer_a_id=k[0], customer_b_id=k[1], **values)
            for k, values in found.items()
            if k not in existing
        ],
        batch_size=1000,
    )
    return sorted([*updated, *created], key=lambda p: -p.probability)
