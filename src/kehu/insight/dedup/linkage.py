"""Pairs of customer records that are probably the same entity.

Pairs of customer records that are probably the same entity, scored by Splink's
Fellegi-Sunter model on DuckDB (Spark with the same settings when data outgrow one
machine), trained without labels.

Comparisons (each a ladder of levels; the model learns how much each level says):

- name: same ``name_key``; same words in another order; Jaro-Winkler >= 0.95, >= 0.88;
- email: same address; same user part;
- phone: same number; same last 8 digits;
- city: same;
- address: Jaro-Winkler >= 0.95, >= 0.85.

Candidate pairs come from blocking rules (same phone tail, email, name key, name
words, or the start and end of the name in the same city), so the work grows with the number of
records, not their square. The parameters are trained as Splink recommends: the prior
from deterministic rules (same email or same phone), u from random pairs, m by EM on
two blockings (by name, then by phone) so that each comparison is trained on pairs not
chosen for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kehu.insight.dedup.standardise import standardise
from kehu.insight.engine import DuckDBEngine

COMPARISON_NAMES = ("name", "email", "phone", "city", "address")


def _settings(prior: float) -> Any:
    import splink.comparison_level_library as cll
    from splink import SettingsCreator, block_on
    from splink.internals.comparison_library import CustomComparison

    def ladder(name: str, levels: list[Any]) -> Any:
        return CustomComparison(comparison_levels=levels, output_column_name=name)

    name = ladder(
        "name",
        [
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key"),
            cll.ExactMatchLevel("name_sorted").configure(label_for_charts="same words"),
            cll.JaroWinklerLevel("name_key", 0.95),
            cll.JaroWinklerLevel("name_key", 0.88),
            cll.ElseLevel(),
        ],
    )
    email = ladder(
        "email",
        [
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            cll.ExactMatchLevel("email_user"),
            cll.ElseLevel(),
        ],
    )
    phone = ladder(
        "phone",
        [
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone"),
            cll.ExactMatchLevel("phone_tail"),
            cll.ElseLevel(),
        ],
    )
    city = ladder("city", [cll.NullLevel("city"), cll.ExactMatchLevel("city"), cll.ElseLevel()])
    address = ladder(
        "address",
        [
            cll.NullLevel("address_key"),
            cll.JaroWinklerLevel("address_key", 0.95),
            cll.JaroWinklerLevel("address_key", 0.85),
            cll.ElseLevel(),
        ],
    )
    # candidate pairs: each rule must keep its blocks small at a million records
    # (so no rule on the email's user part: "sales@" and "info@" are everywhere);
    # splink takes SQL text as a rule too, though its types name only rule objects
    blocking: list[Any] = [
        block_on("phone_tail"),
        block_on("email"),
        block_on("name_key"),
        block_on("name_sorted"),
        "l.city = r.city AND substr(l.name_key, 1, 5) = substr(r.name_key, 1, 5) "
        "AND right(l.name_key, 3) = right(r.name_key, 3)",
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=prior,
        comparisons=[name, email, phone, city, address],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=True,
    )


@dataclass
class Linkage:
    """Scored candidate pairs and the standardised records they came from.

    Scored pairs (``id_l``, ``id_r``, ``probability``, ``match_weight``, the match
    weight of each comparison, ``mw_<name>``, and its level, ``gamma_<name>``: -1 when
    either record lacks the field, 0 when they differ, higher the closer) and the
    standardised records.
    """

    pairs: pd.DataFrame
    records: pd.DataFrame


def find_duplicates(records: pd.DataFrame, *, threshold: float = 0.5, seed: int = 7) -> Linkage:
    """Find the scored candidate pairs among ``records``.

    Scored candidate pairs among ``records`` (``unique_id`` and any of ``name, email,
    phone, city, address``) with a match probability of at least ``threshold``.
    """
    logging.getLogger("splink").setLevel(logging.ERROR)
    standard = standardise(records)
    if len(standard) < 2:
        return Linkage(_empty_pairs(), standard)
    # Splink runs its SQL on the seam's DuckDB, in insertion order as on a connection
    # of its own (its seeded samples read the rows in order)
    with DuckDBEngine(settings={"preserve_insertion_order": True}) as engine:
        predicted = _predict(engine, standard, threshold, seed)
    return Linkage(_pairs(predicted), standard)


def _predict(
    engine: DuckDBEngine, standard: pd.DataFrame, threshold: float, seed: int
) -> pd.DataFrame:
    """Splink's model trained on ``standard`` and its pairs of at least ``threshold``."""
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI(connection=engine.connection)
    compared = standard.drop(columns=["owner"], errors="ignore")
    frame = db_api.register(compared, table_name="customers_std")
    # the prior: one duplicate per record until the data say otherwise (Splink's
    # estimate from deterministic rules fails when no two records share an email or
    # a phone, e.g. when the only shared emails are role mailboxes, not compared)
    linker = Linker(frame, _settings(1 / len(standard)), log_level=logging.ERROR)
    training = linker.training
    if any(standard[c].dropna().duplicated().any() for c in ("email", "phone")):
        training.estimate_probability_two_random_records_match(
            [block_on("email"), block_on("phone")], recall=0.8
        )
    training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    sample = min(1.0, 200_000 / len(standard))
    for column in ("name_key", "phone_tail"):  # a rule without pairs teaches nothing
        if standard[column].dropna().duplicated().any():
            training.estimate_parameters_using_expectation_maximisation(
                block_on(column), record_sample_proportion=sample
            )
    predicted: pd.DataFrame = linker.inference.predict(  # type: ignore[no-untyped-call]  # splink's frame
        threshold_match_probability=threshold, warning_mode="never"
    ).as_pandas_dataframe()
    return predicted


def _empty_pairs() -> pd.DataFrame:
    columns = ["id_l", "id_r", "probability", "match_weight"]
    per_comparison = [f"{kind}_{n}" for kind in ("mw", "gamma") for n in COMPARISON_NAMES]
    return pd.DataFrame({c: [] for c in [*columns, *per_comparison]})


def _pairs(predicted: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "id_l": predicted["unique_id_l"],
            "id_r": predicted["unique_id_r"],
            "probability": predicted["match_probability"],
            "match_weight": predicted["match_weight"],
        }
    )
    for name in COMPARISON_NAMES:
        out[f"mw_{name}"] = predicted.get(f"mw_{name}", 0.0)
        out[f"gamma_{name}"] = predicted.get(f"gamma_{name}", -1)
    return out.sort_values(["probability", "id_l", "id_r"], ascending=[False, True, True])
