"""Orders and order lines from the simulated BTYD transactions.

Every simulated transaction becomes one sale order whose lines add up to the simulated
amount (to the cent, up to rounding of unit prices). On top of those, a few orders are
placed and cancelled (they count nothing), and a few sales are partly returned by a
``kind="return"`` order that refers to the original and counts negative. Money is
handled in integer cents; line totals round half to even, as ``OrderLine.compute_total``
does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kehu.crm.bulk import nullable
from kehu.crm.demo.catalog import CatalogPlan
from kehu.crm.demo.customers import CustomerPlan
from kehu.crm.demo.timeline import DAY, after
from kehu.crm.sales.models import Order, SalesChannel
from kehu.insight.generate import SimulatedPurchases

Columns = dict[str, np.ndarray]

CANCELLED_SHARE = 0.03
RETURN_SHARE = 0.04
CHANNELS = np.array([str(c) for c in SalesChannel.values])
CHANNEL_WEIGHTS = np.array([0.35, 0.15, 0.15, 0.2, 0.1, 0.05])
QUANTITIES = np.array([1, 1, 1, 1, 2, 2, 3, 4, 5, 10])
DISCOUNTS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 10, 15])


@dataclass
class OrderPlan:
    order_columns: Columns
    line_columns: Columns


def line_total_cents(
    quantity: np.ndarray, unit_cents: np.ndarray, discount: np.ndarray
) -> np.ndarray:
    """``quantity * unit_price * (100 - discount) / 100`` in cents, rounded half to even
    (integer quantities and whole-percent discounts)."""
    hundredths = quantity.astype(np.int64) * unit_cents * (100 - discount)
    whole, rest = np.divmod(hundredths, 100)
    round_up = (rest > 50) | ((rest == 50) & (whole % 2 == 1))
    return whole + round_up


def _lines(amount_cents: np.ndarray, catalog: CatalogPlan, rng: np.random.Generator) -> Columns:
    """Lines whose totals add up to about ``amount_cents`` per order: the amount is
    split over 1-5 lines, and each share is a quantity of a product priced near it."""
    n_lines = np.where(
        amount_cents < 500, 1, 1 + np.minimum(rng.poisson(0.6, amount_cents.size), 4)
    )
    order_pos = np.repeat(np.arange(amount_cents.size), n_lines)
    weight = rng.gamma(2.0, 1.0, order_pos.size)
    share = amount_cents[order_pos] * weight / np.bincount(order_pos, weight)[order_pos]
    discount = DISCOUNTS[rng.integers(0, len(DISCOUNTS), order_pos.size)]
    quantity = QUANTITIES[rng.integers(0, len(QUANTITIES), order_pos.size)]
    quantity = np.where(share / quantity < 150, 1, quantity)
    unit = share / quantity * 100 / (100 - discount)
    prices = catalog.price_cents
    product = np.searchsorted(prices, unit) + rng.integers(-2, 2, order_pos.size)
    product = np.clip(product, 0, len(prices) - 1)
    unit_cents = np.maximum(np.round(unit).astype(np.int64), 1)
    return {
        "_order_pos": order_pos,
        "product": catalog.product_columns["id"][product],
        "description": catalog.product_columns["name"][product],
        "quantity": quantity,
        "unit_price": unit_cents,
        "discount_pct": discount,
        "line_total": line_total_cents(quantity, unit_cents, discount),
    }


def _returns(
    sale_at: np.ndarray, lines: Columns, end: np.datetime64, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, Columns]:
    """Positions of the returned sales, return times, and the return lines (part of
    each returned sale's first line)."""
    returned = np.flatnonzero(rng.random(sale_at.size) < RETURN_SHARE)
    at = after(rng, sale_at[returned], 48, 30 * 24)
    keep = at <= end
    returned, at = returned[keep], at[keep]
    first_line = np.searchsorted(lines["_order_pos"], returned)
    quantity = 1 + (rng.random(returned.size) * lines["quantity"][first_line]).astype(np.int64)
    quantity = np.minimum(quantity, lines["quantity"][first_line])
    unit, discount = lines["unit_price"][first_line], lines["discount_pct"][first_line]
    return_lines = {
        "_order_pos": np.arange(returned.size),
        "product": lines["product"][first_line],
        "description": lines["description"][first_line],
        "quantity": quantity,
        "unit_price": unit,
        "discount_pct": discount,
        "line_total": line_total_cents(quantity, unit, discount),
    }
    return returned, at, return_lines


def _sale_status(at: np.ndarray, end: np.datetime64, rng: np.random.Generator) -> np.ndarray:
    age = end - at
    shipped_or_done = np.where(rng.random(at.size) < 0.7, "shipped", "completed")
    status = np.where(age < 10 * DAY, shipped_or_done, Order.Status.COMPLETED)
    return np.where(age < 3 * DAY, Order.Status.CONFIRMED, status).astype(object)


def _concat(*parts: Columns) -> Columns:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def plan_orders(
    sim: SimulatedPurchases,
    customers: CustomerPlan,
    catalog: CatalogPlan,
    rng: np.random.Generator,
    *,
    first_order_id: int,
    first_line_id: int,
) -> OrderPlan:
    """Sales (one per simulated transaction), cancelled orders and returns, numbered
    ``SO00000001`` onwards in time order."""
    tx = sim.transactions
    n_sales = len(tx)
    customer = customers.buyer_ids[tx["customer"].to_numpy()]
    sale_at = tx["at"].to_numpy().astype("datetime64[s]")
    amount = np.round(tx["amount"].to_numpy() * 100).astype(np.int64)
    cancelled = np.flatnonzero(rng.random(n_sales) < CANCELLED_SHARE)
    cancel_at = np.minimum(after(rng, sale_at[cancelled], 1, 72), customers.end)
    cancel_amount = np.maximum((amount[cancelled] * rng.uniform(0.5, 1.5, cancelled.size)), 1)
    placed_amount = np.concatenate([amount, cancel_amount.astype(np.int64)])
    lines = _lines(placed_amount, catalog, rng)
    returned, return_at, return_lines = _returns(sale_at, lines, customers.end, rng)

    n_placed = placed_amount.size
    return_lines["_order_pos"] = return_lines["_order_pos"] + n_placed
    all_lines = _concat(lines, return_lines)
    pos_customer = np.concatenate([customer, customer[cancelled], customer[returned]])
    at = np.concatenate([sale_at, cancel_at, return_at])
    kind = np.repeat(np.array(["sale", "return"], dtype=object), [n_placed, returned.size])
    status = np.concatenate(
        [
            _sale_status(sale_at, customers.end, rng),
            np.full(cancelled.size, Order.Status.CANCELLED, dtype=object),
            np.full(returned.size, Order.Status.COMPLETED, dtype=object),
        ]
    )
    original_pos = np.concatenate([np.full(n_placed, -1), returned])
    sign = np.where(kind == "return", -1, 1)
    total = sign * np.bincount(
        all_lines["_order_pos"], all_lines["line_total"], minlength=at.size
    ).astype(np.int64)

    # ids follow time, as they would in a live system
    by_time = np.lexsort((np.arange(at.size), at))
    order_id = np.empty(at.size, dtype=np.int64)
    order_id[by_time] = first_order_id + np.arange(at.size)
    preferred = rng.choice(len(CHANNELS), len(customers.ids), p=CHANNEL_WEIGHTS)
    channel = CHANNELS[preferred[pos_customer - customers.ids[0]]]
    other = rng.random(at.size) < 0.2
    channel = np.where(
        other, CHANNELS[rng.choice(len(CHANNELS), at.size, p=CHANNEL_WEIGHTS)], channel
    )
    original = np.where(original_pos >= 0, order_id[np.maximum(original_pos, 0)], 0)
    order_columns = {
        "id": order_id,
        "number": np.array([f"SO{i:08d}" for i in order_id.tolist()], dtype=object),
        "customer": pos_customer,
        "kind": kind,
        "original_order": np.where(original > 0, original.astype(object), None),
        "status": status,
        "channel": channel.astype(object),
        "ordered_at": at,
        "total_amount": total / 100,
        "owner": nullable(customers.owner_of(pos_customer)),
        "notes": np.full(at.size, "", dtype=object),
        "created_at": at,
    }
    order_columns = {k: v[by_time] for k, v in order_columns.items()}
    line_order = order_id[all_lines["_order_pos"]]
    line_sort = np.argsort(line_order, kind="stable")
    line_columns = {
        "id": first_line_id + np.arange(line_order.size),
        "order": line_order[line_sort],
        **{k: v[line_sort] for k, v in all_lines.items() if k != "_order_pos"},
    }
    line_columns["unit_price"] = line_columns["unit_price"] / 100
    line_columns["line_total"] = line_columns["line_total"] / 100
    return OrderPlan(order_columns, line_columns)
