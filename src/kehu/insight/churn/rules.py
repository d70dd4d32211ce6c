"""The model as a manager can read it: rules from a small surrogate tree.

The model as a manager can read it: a small decision tree fitted to the model's own
probabilities (a surrogate), written as one rule per leaf, riskiest first, with how many
customers each covers, the model's average probability there and the outcome rate that
was observed. The tree's fidelity to the model (R²) says how far the rules can be
trusted as a summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeRegressor

MAX_DEPTH = 3


@dataclass
class Rule:
    """One leaf of the rule tree: conditions, customers and probabilities."""

    conditions: list[str]
    customers: int
    probability: float
    observed_rate: float | None

    def text(self, outcome: str) -> str:
        """Return the rule in words."""
        when = " AND ".join(self.conditions) or "every customer"
        seen = f", observed {self.observed_rate:.0%}" if self.observed_rate is not None else ""
        return (
            f"IF {when} THEN P({outcome}) = {self.probability:.0%} "
            f"({self.customers:,} customers{seen})"
        )


@dataclass
class RuleList:
    """The rules of a depth-limited tree fitted to the model's probabilities."""

    rules: list[Rule]
    fidelity_r2: float

    def text(self, outcome: str, target: str) -> str:
        """Every rule in words, with the tree's fidelity to the model."""
        lines = [
            f"Rules for {target} = {outcome}: a depth-{MAX_DEPTH} tree fitted to the model's "
            f"probabilities (it reproduces them with R² = {self.fidelity_r2:.2f}).",
            "Riskiest first; P is the model's average probability in the group.",
            "",
        ]
        lines += [f"{i}. {rule.text(outcome)}" for i, rule in enumerate(self.rules, 1)]
        return "\n".join(lines) + "\n"


def rule_list(
    X: pd.DataFrame,
    probability: np.ndarray,
    outcome: np.ndarray,
    numeric: list[str],
    categorical: list[str],
) -> RuleList:
    """Return the rules of a surrogate tree over ``X``.

    Rules from a surrogate tree over ``X`` (numbers as they are, each category as
    "is"/"is not"); ``outcome`` may hold NaN for rows without one.
    """
    design, described = _design(X, numeric, categorical)
    leaf_size = max(20, len(X) // 50)
    tree = DecisionTreeRegressor(max_depth=MAX_DEPTH, min_samples_leaf=leaf_size, random_state=0)
    tree.fit(design, probability)
    fidelity = float(tree.score(design, probability))
    leaves = tree.apply(design)
    rules = []
    categories: dict[str, list[str]] = {}
    for column, category in described:
        if category is not None:
            categories.setdefault(column, []).append(category)
    for leaf, path in _paths(tree, described):
        conditions = _simplified(path, categories)
        members = leaves == leaf
        known = outcome[members][~np.isnan(outcome[members])]
        rules.append(
            Rule(
                conditions,
                int(members.sum()),
                float(probability[members].mean()),
                float(known.mean()) if known.size else None,
            )
        )
    rules.sort(key=lambda r: -r.probability)
    return RuleList(rules, fidelity)


def _design(
    X: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> tuple[np.ndarray, list[tuple[str, str | None]]]:
    """Return the tree's inputs: numeric columns and one 0/1 column per category value.

    Numeric columns (missing as -inf's stand-in below every value) and one 0/1
    column per category value; ``described[j]`` is (column, category or None).
    """
    parts: list[np.ndarray] = []
    described: list[tuple[str, str | None]] = []
    for column in numeric:
        values = X[column].to_numpy(dtype=float)
        low = np.nanmin(values) - 1 if np.isfinite(values).any() else -1.0
        parts.append(np.where(np.isnan(values), low, values))
        described.append((column, None))
    for column in categorical:
        labels = X[column].astype(object)
        for category in pd.unique(labels.dropna()):
            parts.append((labels == category).to_numpy(dtype=float))
            described.append((column, str(category)))
    return np.column_stack(parts), described


Condition = tuple[str, str, str]  # (column, "<=" | ">" | "is" | "is not", value)


def _simplified(path: list[Condition], categories: dict[str, list[str]]) -> list[str]:
    """Return the conditions of a rule without those that others imply.

    ``Contract is not Month-to-month AND Contract is not Two year`` is ``Contract is
    One year``; an "is" makes the column's "is not"s redundant; the tightest bound of
    a number is enough.
    """
    out: list[str] = []
    for column in dict.fromkeys(c for c, _, _ in path):
        conditions = [(op, value) for c, op, value in path if c == column]
        if column in categories:
            equal = [v for op, v in conditions if op == "is"]
            excluded = {v for op, v in conditions if op == "is not"}
            left = [v for v in categories[column] if v not in excluded]
            if equal:
                out.append(f"{column} is {equal[0]}")
            elif len(left) == 1:
                out.append(f"{column} is {left[0]}")
            elif len(left) <= 3 and len(excluded) > len(left):
                out.append(f"{column} is one of {', '.join(left)}")
            else:
                out += [f"{column} is not {v}" for v in sorted(excluded)]
        else:
            upper = [float(v) for op, v in conditions if op == "<="]
            lower = [float(v) for op, v in conditions if op == ">"]
            if lower:
                out.append(f"{column} > {max(lower):.4g}")
            if upper:
                out.append(f"{column} <= {min(upper):.4g}")
    return out


def _paths(
    tree: DecisionTreeRegressor, described: list[tuple[str, str | None]]
) -> list[tuple[int, list[Condition]]]:
    structure = tree.tree_
    out: list[tuple[int, list[Condition]]] = []

    def walk(node: int, conditions: list[Condition]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            out.append((node, conditions))
            return
        column, category = described[structure.feature[node]]
        threshold = structure.threshold[node]
        if category is None:
            walk(left, [*conditions, (column, "<=", repr(float(threshold)))])
            walk(right, [*conditions, (column, ">", repr(float(threshold)))])
        else:
            walk(left, [*conditions, (column, "is not", category)])
            walk(right, [*conditions, (column, "is", category)])

    walk(0, [])
    return out
