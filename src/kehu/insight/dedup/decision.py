"""What to do with each scored pair: merge it at once, or queue it for a person, and why.

The model's probability alone is not enough to merge. Fellegi-Sunter treats the
comparisons as independent and learns its weights from the data it is given, so a
mailbox that many different customers share (``info@smith-trading.com`` on every
"Smith Trading" in a file) or a switchboard number can push a pair of different
customers to a probability of 0.9999. A pair is therefore merged automatically only
when all of these hold:

1. its probability is at least ``auto_merge``;
2. the names agree: the same words (in any order, in Chinese or pinyin, without
   company suffixes) or Jaro-Winkler >= 0.95; a merely close name (>= 0.88) needs the
   email or the phone below, or two identifiers, the address alone is not enough;
3. at least one identifier agrees strongly: the same email that is not *shared*, the
   same phone (or its last 8 digits) that is not shared, or the address
   (Jaro-Winkler >= 0.95). An email is shared when its user part is a role mailbox
   (``info@``, ``sales@``, ...) or when it is on ``shared_at`` or more records; a phone
   or address is shared when it is on ``shared_at`` or more records. A shared value
   agreeing is not counted as evidence;
4. no identifier conflicts: an email (neither shared), phone or address present on
   both records and clearly different;
5. the records do not belong to two different owners (``owner`` column, if given).

The pairs that would be merged are then taken together: records linked by them form
groups, and a group is merged only when it holds at most one owner and no two of its
records were found conflicting; otherwise all its pairs are queued.

Every other pair is queued, with the reasons (:class:`Reason`) that kept it from
being merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError

#: Comparison level (Splink's gamma, see :mod:`kehu.insight.dedup.linkage`) from which
#: a field agrees strongly, and from which it is close.
STRONG = {"name": 2, "email": 2, "phone": 1, "city": 1, "address": 2}
CLOSE = {"name": 1, "email": 1, "phone": 1, "city": 1, "address": 1}
IDENTIFIERS = ("email", "phone", "address")
SHARED_COLUMNS = {"email": "email", "phone": "phone_tail", "address": "address_key"}


class Reason(StrEnum):
    """Why a pair was queued rather than merged."""

    BELOW_THRESHOLD = "below_threshold"
    OWNERS_DIFFER = "owners_differ"
    CONFLICT = "conflict"
    NAME_DIFFERS = "name_differs"
    WEAK_EVIDENCE = "weak_evidence"
    GROUP_CONFLICT = "group_conflict"


class Agreement(StrEnum):
    """How one field of a pair compares."""

    SAME = "same"
    CLOSE = "close"
    SHARED = "shared"
    DIFFERS = "differs"
    MISSING = "missing"


@dataclass(frozen=True)
class Rule:
    """Thresholds of the decision.

    Parameters
    ----------
    auto_merge : float
        Least probability of a pair merged without asking.
    review : float
        Least probability of a pair queued for review (pairs below are dropped).
    shared_at : int
        An email, phone or address on this many records or more is shared.
    """

    auto_merge: float = 0.99
    review: float = 0.8
    shared_at: int = 4

    def __post_init__(self) -> None:
        """Check the thresholds."""
        if not 0 < self.review <= self.auto_merge <= 1:
            raise InputError(
                f"need 0 < review ({self.review}) <= auto_merge ({self.auto_merge}) <= 1"
            )
        if self.shared_at < 2:
            raise InputError(f"shared_at must be at least 2, got {self.shared_at}")


def shared_values(records: pd.DataFrame, shared_at: int) -> dict[str, set[str]]:
    """Return the values of ``records`` shared by ``shared_at`` or more records.

    Return the emails, phone tails and address keys of ``records`` (standardised, see
    :func:`kehu.insight.dedup.standardise.standardise`) found on ``shared_at`` or more records.
    """
    out: dict[str, set[str]] = {}
    for field, column in SHARED_COLUMNS.items():
        counts = records[column].dropna().value_counts()
        out[field] = set(counts.index[counts >= shared_at])
    return out


def _gamma(pairs: pd.DataFrame, field: str) -> np.ndarray:
    column = f"gamma_{field}"
    if column not in pairs:
        raise InputError(f"pairs need the column {column!r}; got {list(pairs.columns)}")
    return pairs[column].fillna(-1).to_numpy(dtype=int)


def _sides(pairs: pd.DataFrame, records: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    values = records.set_index("unique_id")[column]
    left = values.reindex(pairs["id_l"]).reset_index(drop=True)
    return left, values.reindex(pairs["id_r"]).reset_index(drop=True)


def agreements(
    pairs: pd.DataFrame, records: pd.DataFrame, shared: dict[str, set[str]]
) -> pd.DataFrame:
    """Return the agreement of each pair on each strong field.

    One column per field of :data:`STRONG` with the :class:`Agreement` of each pair:
    a shared value, or the same role mailbox, agreeing is ``shared``.
    """
    out = {}
    for field, strong in STRONG.items():
        gamma = _gamma(pairs, field)
        label = np.select(
            [gamma < 0, gamma >= strong, gamma >= CLOSE[field]],
            [Agreement.MISSING.value, Agreement.SAME.value, Agreement.CLOSE.value],
            Agreement.DIFFERS.value,
        ).astype(object)
        if field in shared:
            left, right = _sides(pairs, records, SHARED_COLUMNS[field])
            is_shared = (left.isin(shared[field]) | right.isin(shared[field])).to_numpy()
            agreeing = np.isin(label, [Agreement.SAME.value, Agreement.CLOSE.value])
            label[agreeing & is_shared] = Agreement.SHARED.value
        if field == "email" and "mailbox" in records:
            left, right = _sides(pairs, records, "mailbox")
            same_mailbox = (left.notna() & (left == right)).to_numpy()
            label[same_mailbox & (label == Agreement.MISSING.value)] = Agreement.SHARED.value
        out[field] = label
    return pd.DataFrame(out, index=pairs.index)


def _reasons(
    pairs: pd.DataFrame,
    agree: pd.DataFrame,
    owners: tuple[np.ndarray, np.ndarray] | None,
    rule: Rule,
) -> list[list[str]]:
    name_strong = (agree["name"] == Agreement.SAME).to_numpy()
    name_close = (agree["name"] == Agreement.CLOSE).to_numpy()
    strong_ids = sum((agree[f] == Agreement.SAME).to_numpy().astype(int) for f in IDENTIFIERS)
    strong_contact = (agree["email"] == Agreement.SAME).to_numpy() | (
        agree["phone"] == Agreement.SAME
    ).to_numpy()
    conflict = np.logical_or.reduce(
        [(agree[f] == Agreement.DIFFERS).to_numpy() for f in IDENTIFIERS]
    )
    checks = [
        (pairs["probability"].to_numpy() < rule.auto_merge, Reason.BELOW_THRESHOLD),
        (~name_strong & ~name_close, Reason.NAME_DIFFERS),
        (
            (name_strong & (strong_ids == 0)) | (name_close & ~strong_contact & (strong_ids < 2)),
            Reason.WEAK_EVIDENCE,
        ),
        (conflict, Reason.CONFLICT),
    ]
    if owners is not None:
        left, right = owners
        differ = pd.notna(left) & pd.notna(right) & (left != right)
        checks.insert(0, (np.asarray(differ, dtype=bool), Reason.OWNERS_DIFFER))
    reasons: list[list[str]] = [[] for _ in range(len(pairs))]
    for mask, reason in checks:
        for i in np.flatnonzero(mask):
            reasons[i].append(reason.value)
    return reasons


def _groups(ids: list[tuple[int, int]]) -> dict[int, int]:
    """Each record's group (its smallest linked id) under the links ``ids``."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in ids:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def _check_groups(
    pairs: pd.DataFrame, reasons: list[list[str]], owner_of: dict[int, Any] | None
) -> None:
    """Queue every mergeable pair of a group that holds two owners or a conflict."""
    ids_l, ids_r = pairs["id_l"].tolist(), pairs["id_r"].tolist()
    mergeable = [i for i, r in enumerate(reasons) if not r]
    group = _groups([(ids_l[i], ids_r[i]) for i in mergeable])
    bad: set[int] = set()
    for i, r in enumerate(reasons):
        a, b = ids_l[i], ids_r[i]
        linked = r and a in group and b in group and group[a] == group[b]
        if linked and (Reason.CONFLICT in r or Reason.OWNERS_DIFFER in r):
            bad.add(group[a])
    if owner_of is not None:
        owners: dict[int, set[object]] = {}
        for record, g in group.items():
            owner = owner_of.get(record)
            if owner is not None and not pd.isna(owner):
                owners.setdefault(g, set()).add(owner)
        bad |= {g for g, found in owners.items() if len(found) > 1}
    for i in mergeable:
        if group[ids_l[i]] in bad:
            reasons[i].append(Reason.GROUP_CONFLICT.value)


def decide(pairs: pd.DataFrame, records: pd.DataFrame, rule: Rule | None = None) -> pd.DataFrame:
    """Return the pairs to merge or review, each with its reasons.

    Return the pairs at or above ``rule.review`` with ``action`` (``"merge"`` or ``"review"``),
    ``reasons`` (list of :class:`Reason` values, empty when merged) and the :class:`Agreement` of
    each field in ``agree_<field>``.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Scored pairs from :func:`kehu.insight.dedup.linkage.find_duplicates`
        (``id_l, id_r, probability`` and ``gamma_<field>``).
    records : pandas.DataFrame
        The standardised records (``Linkage.records``), with an ``owner`` column
        when records have owners.
    rule : Rule, optional
        Thresholds; the defaults of :class:`Rule` when absent.
    """
    rule = rule or Rule()
    pairs = pairs[pairs["probability"] >= rule.review].reset_index(drop=True)
    agree = agreements(pairs, records, shared_values(records, rule.shared_at))
    owner_of = None
    owners = None
    if "owner" in records:
        owner_of = dict(zip(records["unique_id"].tolist(), records["owner"].tolist(), strict=True))
        series = records.set_index("unique_id")["owner"]
        owners = (
            series.reindex(pairs["id_l"]).to_numpy(dtype=object),
            series.reindex(pairs["id_r"]).to_numpy(dtype=object),
        )
    reasons = _reasons(pairs, agree, owners, rule)
    _check_groups(pairs, reasons, owner_of)
    action: np.ndarray | list[str] = (
        np.where([not r for r in reasons], "merge", "review") if reasons else []
    )
    out = pairs.assign(action=action, reasons=pd.Series(reasons, index=pairs.index, dtype=object))
    for field in STRONG:
        out[f"agree_{field}"] = agree[field].to_numpy()
    return out
