"""A labelled test set for deduplication.

A labelled test set for deduplication: distinct customers from
:func:`kehu.insight.profiles.fake_customers`, some entered again with the slips real
data have, each record labelled with its entity.

A duplicate keeps each field or changes it in one of these ways:

- name: one typo (a letter dropped, doubled, swapped or replaced), the company suffix
  dropped or changed (``有限公司`` <-> ``Co., Ltd.``, ``Inc`` <-> ``LLC``), a Chinese
  person's name written in pinyin (``王芳`` -> ``Wang Fang``, sometimes ``Fang Wang``),
  upper case;
- phone: another format (``+86 138 0013 8000`` -> ``13800138000``, ``138-0013-8000``,
  ``0086 13800138000``), or left out;
- email: upper case, or left out;
- city and address: left out, or the address with a typo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kehu.insight.profiles import build_pools, fake_customers


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = rng.integers(0, 4)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))]
    return text[:i] + letter + text[i + 1 :]


def _pinyin_name(rng: np.random.Generator, name: str) -> str:
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name)
    surname, given = syllables[0].capitalize(), "".join(syllables[1:]).capitalize()
    return f"{given} {surname}" if rng.random() < 0.3 else f"{surname} {given}"


SUFFIX_SWAPS = {
    "有限公司": " Co., Ltd.",
    "股份有限公司": " Co., Ltd.",
    " Inc": " LLC",
    " LLC": " Inc.",
    " Ltd": " Limited",
    " Corp": " Corporation",
    " Co": " Company",
}


def _vary_name(rng: np.random.Generator, name: str, kind: str, zh: bool) -> str:
    choice = rng.random()
    if zh and kind == "person" and choice < 0.4:
        return _pinyin_name(rng, name)
    if kind == "company" and choice < 0.4:
        for old, new in SUFFIX_SWAPS.items():
            if name.endswith(old.strip()) or name.endswith(old):
                base = name[: len(name) - len(old.strip())].rstrip()
                return base if rng.random() < 0.5 else base + new
    if choice < 0.8:
        return _typo(rng, name)
    return name.upper()


def _vary_phone(rng: np.random.Generator, phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    choice = rng.random()
    if choice < 0.15:
        return ""
    if digits.startswith("86"):
        local = digits[2:]
        forms = [local, f"{local[:3]}-{local[3:7]}-{local[7:]}", f"0086 {local}", f"+86{local}"]
    else:
        local = digits[1:] if digits.startswith("1") and len(digits) == 11 else digits
        forms = [local, f"{local[:3]}-{local[3:6]}-{local[6:]}", f"+1 {local}", f"1-{local}"]
    return forms[int(rng.integers(0, len(forms)))]


def _vary_record(rng: np.random.Generator, row: pd.Series) -> dict[str, object]:
    """Return a record entered again: each field kept or changed as the module says."""
    email = row["email"]
    roll = rng.random()
    return {
        "kind": row["kind"],
        "zh": bool(row["zh"]),
        "name": _vary_name(rng, row["name"], row["kind"], bool(row["zh"])),
        "email": "" if roll < 0.3 else (email.upper() if roll < 0.45 else email),
        "phone": _vary_phone(rng, row["phone"]),
        "city": "" if rng.random() < 0.2 else row["city"],
        "address": "" if rng.random() < 0.3 else _typo(rng, row["address"]),
    }


def plant_duplicates(records: pd.DataFrame, share: float = 0.05, seed: int = 5) -> pd.DataFrame:
    """Return copies of ``share`` of ``records``, each entered again with a slip.

    Return copies of ``share`` of ``records`` (``unique_id, name, email, phone, city, address``,
    optionally ``kind``, ``owner``), each changed as :func:`labelled_customers` changes its
    duplicates, with ``entity_id``: the ``unique_id`` of the record copied. A copy keeps the owner.
    The records themselves are taken as distinct customers.

    Examples
    --------
    >>> table = pd.DataFrame({"unique_id": [1, 2], "name": ["Wang Fang", "Ann Lee"],
    ...     "email": ["f@x.cn", "a@y.com"], "phone": ["13800138000", "2065550101"],
    ...     "city": ["Beijing", "Seattle"], "address": ["1 Main St", "2 Pine St"]})
    >>> plant_duplicates(table, share=1.0)["entity_id"].tolist()
    [1, 2]
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    rng = np.random.default_rng(seed)
    picked = records[rng.random(len(records)) < share].fillna("")
    if "kind" not in picked:
        picked = picked.assign(kind="person")
    picked = picked.assign(zh=picked["name"].astype(str).str.contains(r"[\u3400-\u9fff]"))
    rows = []
    for _, row in picked.iterrows():
        copy = {"entity_id": row["unique_id"], **_vary_record(rng, row)}
        if "owner" in picked:
            copy["owner"] = row["owner"] if row["owner"] != "" else None
        rows.append(copy)
    columns = ["entity_id", "kind", "zh", "name", "email", "phone", "city", "address"]
    return pd.DataFrame(rows, columns=columns + (["owner"] if "owner" in picked else []))


def labelled_customers(
    n_entities: int, duplicate_share: float = 0.2, seed: int = 11
) -> pd.DataFrame:
    """Return labelled customer records, some entered more than once.

    Return records ``unique_id, entity_id, name, email, phone, city, address`` (plus ``kind``,
    ``zh``): every entity once, and ``duplicate_share`` of them once or twice more with variations.
    Two records are the same customer exactly when their ``entity_id`` is equal.
    """
    rng = np.random.default_rng(seed)
    # distinct entities never share an email (the generator draws from finite pools,
    # so some would): a repeated address gets a number in its user part. Names may
    # repeat, as they do in real customer bases.
    base = fake_customers(n_entities, seed=seed, pools=build_pools(seed, size=4_000))
    repeat = base.groupby(base["email"].str.lower()).cumcount().to_numpy()
    user, _, domain = (base["email"].str.partition("@")[i] for i in (0, 1, 2))
    numbered = user + "." + pd.Series(repeat).astype(str) + "@" + domain
    base["email"] = np.where(repeat > 0, numbered, base["email"])
    base = base.assign(entity_id=np.arange(n_entities))
    picked = np.flatnonzero(rng.random(n_entities) < duplicate_share)
    copies = np.concatenate([picked, picked[rng.random(picked.size) < 0.25]])
    rows = [  # one Python step per duplicate: the test set is small
        {"entity_id": int(base.iloc[i]["entity_id"]), **_vary_record(rng, base.iloc[i])}
        for i in copies.tolist()
    ]
    columns = ["entity_id", "kind", "zh", "name", "email", "phone", "city", "address"]
    records = pd.concat([base[columns], pd.DataFrame(rows, columns=columns)], ignore_index=True)
    records = records.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    records.insert(0, "unique_id", np.arange(len(records)))
    return records


def true_pairs(records: pd.DataFrame) -> set[tuple[int, int]]:
    """Every pair of records of one entity, as ``(smaller id, larger id)``."""
    pairs: set[tuple[int, int]] = set()
    grouped = records.groupby("entity_id")["unique_id"]
    for ids in grouped.agg(list):
        if len(ids) > 1:
            ids = sorted(ids)
            pairs.update((a, b) for k, a in enumerate(ids) for b in ids[k + 1 :])
    return pairs


def precision_recall(
    pairs: pd.DataFrame, truth: set[tuple[int, int]], threshold: float
) -> dict[str, float]:
    """Precision and recall of the pairs at or above ``threshold`` against ``truth``."""
    chosen = pairs[pairs["probability"] >= threshold]
    found = {
        (min(a, b), max(a, b))
        for a, b in zip(chosen["id_l"].tolist(), chosen["id_r"].tolist(), strict=True)
    }
    hits = len(found & truth)
    return {
        "threshold": threshold,
        "predicted": len(found),
        "true_pairs": len(truth),
        "correct": hits,
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(truth) if truth else 1.0,
    }
