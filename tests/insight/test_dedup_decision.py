"""The decision on scored pairs: merged only where several independent fields agree,
never on a shared or role email alone, never across owners, and queued with reasons."""

from __future__ import annotations

import pandas as pd
import pytest

from kehu.insight.dedup.decision import Reason, Rule, decide
from kehu.insight.dedup.linkage import find_duplicates
from kehu.insight.dedup.standardise import standardise
from kehu.insight.dedup.synthetic import labelled_customers, precision_recall, true_pairs
from kehu.insight.errors import InvalidParameterError


def _records(rows: list[dict]) -> pd.DataFrame:
    return standardise(pd.DataFrame(rows).assign(unique_id=range(1, len(rows) + 1)))


def _pair(a: int, b: int, probability: float = 0.9999, **gamma: int) -> dict:
    levels = {"name": 4, "email": -1, "phone": -1, "city": -1, "address": -1, **gamma}
    return {"id_l": a, "id_r": b, "probability": probability} | {
        f"gamma_{k}": v for k, v in levels.items()
    }


def _decide(records: pd.DataFrame, *pairs: dict, **rule: float) -> pd.DataFrame:
    return decide(pd.DataFrame(list(pairs)), records, Rule(**rule))


PERSON = {"name": "Ann Lee", "email": "ann.lee@mail.com", "phone": "206 555 0101"}


def test_name_and_an_own_email_merge():
    records = _records([PERSON, PERSON | {"phone": ""}])
    out = _decide(records, _pair(1, 2, email=2))
    assert out.loc[0, "action"] == "merge" and out.loc[0, "reasons"] == []
    assert out.loc[0, "agree_email"] == "same" and out.loc[0, "agree_phone"] == "missing"


def test_a_role_mailbox_alone_is_never_enough():
    company = {"name": "Smith Trading LLC", "email": "info@smith-trading.com"}
    records = _records([company, company | {"name": "Smith Trading Group"}])
    out = _decide(records, _pair(1, 2))  # the role mailbox is not compared: gamma -1
    assert out.loc[0, "action"] == "review"
    assert out.loc[0, "reasons"] == [Reason.WEAK_EVIDENCE]
    assert out.loc[0, "agree_email"] == "shared"


def test_an_email_on_many_records_does_not_count():
    rows = [PERSON | {"phone": f"206 555 01{i:02d}"} for i in range(4)]
    out = _decide(_records(rows), _pair(1, 2, email=2, phone=0))
    assert out.loc[0, "agree_email"] == "shared"
    assert set(out.loc[0, "reasons"]) == {Reason.WEAK_EVIDENCE, Reason.CONFLICT}


def test_a_differing_phone_is_a_conflict_even_when_the_email_agrees():
    records = _records([PERSON, PERSON | {"phone": "312 555 0199"}])
    out = _decide(records, _pair(1, 2, email=2, phone=0))
    assert out.loc[0, "reasons"] == [Reason.CONFLICT]


def test_different_owners_are_queued_whatever_the_evidence():
    records = _records([PERSON | {"owner": 3}, PERSON | {"owner": 4}])
    out = _decide(records, _pair(1, 2, email=2, phone=2))
    assert out.loc[0, "reasons"] == [Reason.OWNERS_DIFFER]
    one_unowned = _records([PERSON | {"owner": 3}, PERSON | {"owner": None}])
    assert _decide(one_unowned, _pair(1, 2, email=2, phone=2)).loc[0, "action"] == "merge"


def test_a_group_linking_two_owners_is_not_merged():
    # 1 (owner 3) ~ 2 (no owner) ~ 3 (owner 4): merging both pairs would join the owners
    records = _records([PERSON | {"owner": o} for o in (3, None, 4)])
    out = _decide(records, _pair(1, 2, email=2), _pair(2, 3, email=2))
    assert (out["action"] == "review").all()
    assert all(r == [Reason.GROUP_CONFLICT] for r in out["reasons"])


def test_a_close_name_needs_an_email_or_a_phone():
    records = _records([PERSON, PERSON | {"name": "Anne Lee"}])
    assert _decide(records, _pair(1, 2, name=1, address=2)).loc[0, "reasons"] == [
        Reason.WEAK_EVIDENCE
    ]
    assert _decide(records, _pair(1, 2, name=1, phone=2)).loc[0, "action"] == "merge"


def test_below_the_threshold_is_queued_and_below_review_dropped():
    records = _records([PERSON, PERSON])
    out = _decide(records, _pair(1, 2, 0.95, email=2), _pair(1, 2, 0.5, email=2))
    assert len(out) == 1 and out.loc[0, "reasons"] == [Reason.BELOW_THRESHOLD]


def test_rule_checks_its_thresholds():
    with pytest.raises(InvalidParameterError, match="review"):
        Rule(auto_merge=0.8, review=0.9)
    with pytest.raises(InvalidParameterError, match="shared_at"):
        Rule(shared_at=1)


def test_companies_sharing_a_mailbox_are_not_merged_by_the_model_and_rule():
    # given 12 different "Smith Trading" companies with one info@ mailbox, and others
    rows = [
        {
            "unique_id": i,
            "name": f"Smith Trading {suffix}",
            "email": "info@smith-trading.com",
            "phone": f"+1 (212) 555-{i:04d}",
            "city": f"Town {i}",
            "address": f"{100 + i} Elm Street",
        }
        for i, suffix in enumerate(["LLC", "Inc", "Group", "Co", "Ltd", "Corp"] * 2)
    ]
    rows += [
        {"unique_id": 100 + i, "name": f"Other Company {i}", "email": f"c{i}@o{i}.com"}
        for i in range(40)
    ]
    linkage = find_duplicates(pd.DataFrame(rows), threshold=0.5)
    # when decided, then none is merged
    out = decide(linkage.pairs, linkage.records, Rule(review=0.5))
    assert not (out["action"] == "merge").any()


def test_on_the_labelled_set_every_merge_is_right():
    records = labelled_customers(3_000, seed=3)
    linkage = find_duplicates(records, threshold=0.8)
    out = decide(linkage.pairs, linkage.records)
    merged = out[out["action"] == "merge"].assign(probability=1.0)
    score = precision_recall(merged, true_pairs(records), 1.0)
    assert score["precision"] >= 0.995 and score["recall"] >= 0.8, score
