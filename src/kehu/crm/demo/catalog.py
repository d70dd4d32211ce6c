"""Product categories (two levels) and about 200 products with list price and cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Columns = dict[str, np.ndarray]

# top-level category -> leaf category -> (SKU prefix, nouns, price range in dollars)
CATEGORY_TREE: dict[str, dict[str, tuple[str, list[str], tuple[float, float]]]] = {
    "Equipment": {
        "Machines": ("MAC", ["Press", "Lathe", "Mixer", "Compressor", "Pump"], (120, 900)),
        "Tools": ("TOO", ["Drill", "Wrench Set", "Saw", "Grinder", "Torque Driver"], (15, 250)),
        "Electronics": ("ELE", ["Sensor", "Controller", "Display", "Scanner", "Router"], (20, 400)),
    },
    "Supplies": {
        "Office supplies": ("OFF", ["Paper Pack", "Toner", "Binder", "Label Roll"], (2, 40)),
        "Packaging": ("PAC", ["Carton", "Stretch Film", "Pallet Wrap", "Tape"], (2, 60)),
        "Spare parts": ("SPA", ["Bearing", "Filter", "Belt", "Valve", "Gasket Kit"], (4, 120)),
    },
    "Services": {
        "Installation": ("INS", ["Installation", "Site Survey", "Commissioning"], (80, 800)),
        "Maintenance": ("MNT", ["Maintenance Visit", "Inspection", "Calibration"], (40, 500)),
        "Training": ("TRN", ["Operator Training", "Safety Course", "Workshop"], (30, 600)),
    },
}
ADJECTIVES = ["Standard", "Pro", "Compact", "Heavy-Duty", "Eco", "Premium", "Basic", "Smart"]
N_PRODUCTS = 200


@dataclass
class CatalogPlan:
    """Categories and products to write; products sorted by price for line building."""

    category_columns: Columns
    product_columns: Columns

    @property
    def price_cents(self) -> np.ndarray:
        return np.round(self.product_columns["unit_price"] * 100).astype(np.int64)


def _categories(first_id: int) -> tuple[Columns, dict[str, int]]:
    names: list[str] = []
    parents: list[int | None] = []
    ids: dict[str, int] = {}
    for top, leaves in CATEGORY_TREE.items():
        ids[top] = first_id + len(names)
        names.append(top)
        parents.append(None)
        for leaf in leaves:
            ids[leaf] = first_id + len(names)
            names.append(leaf)
            parents.append(ids[top])
    columns = {
        "id": first_id + np.arange(len(names)),
        "name": np.array(names, dtype=object),
        "parent": np.array(parents, dtype=object),
    }
    return columns, ids


def plan_catalog(
    rng: np.random.Generator, *, first_category_id: int, first_product_id: int
) -> CatalogPlan:
    """The category tree and ``N_PRODUCTS`` products, spread over the leaf categories,
    with log-uniform prices in each category's range and a cost of 45-80% of price."""
    category_columns, category_ids = _categories(first_category_id)
    leaves = [(leaf, spec) for tree in CATEGORY_TREE.values() for leaf, spec in tree.items()]
    leaf_of = rng.integers(0, len(leaves), N_PRODUCTS)
    names, skus, prices, categories = [], [], [], []
    for i, k in enumerate(leaf_of.tolist()):
        leaf, (prefix, nouns, (low, high)) = leaves[k]
        noun = nouns[int(rng.integers(0, len(nouns)))]
        adjective = ADJECTIVES[int(rng.integers(0, len(ADJECTIVES)))]
        names.append(f"{adjective} {noun} {100 + 10 * int(rng.integers(0, 90))}")
        skus.append(f"{prefix}-{i + 1:04d}")
        prices.append(round(float(np.exp(rng.uniform(np.log(low), np.log(high)))), 2))
        categories.append(category_ids[leaf])
    price = np.array(prices)
    by_price = np.argsort(price, kind="stable")
    cost = np.round(price * rng.uniform(0.45, 0.8, N_PRODUCTS), 2)
    product_columns = {
        "id": first_product_id + np.arange(N_PRODUCTS),
        "sku": np.array(skus, dtype=object)[by_price],
        "name": np.array(names, dtype=object)[by_price],
        "category": np.array(categories)[by_price],
        "unit_price": price[by_price],
        "unit_cost": cost[by_price],
        "is_active": (rng.random(N_PRODUCTS) > 0.05),
        "description": np.full(N_PRODUCTS, "", dtype=object),
    }
    return CatalogPlan(category_columns, product_columns)
