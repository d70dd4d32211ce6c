"""What the intelligence charts draw, from what a run stored and from one aggregate
query over its scores each: pure functions from rows to series (tested by hand), and
the few reads that the run did not store (the Pareto curve, the P(alive) and CLV
distributions, the main churn reasons). No loop over customers in Python: SQL groups
them, or numpy bins one column of floats."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, CharField, Count, F, IntegerField, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Floor, Least, Left, StrIndex

from kehu.crm.intelligence.models import CustomerInsight, CustomerValue, ValueRun

P_ALIVE_BINS = 10
CLV_BINS = 10  # at most, below the 95th percentile; one open bin above
PARETO_TILES = 100
AT_RISK = 0.5  # the churn risk from which a customer counts as at risk
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Bar:
    """One bar of a distribution: ``[low, high)`` (``high`` None: open-ended) and its
    count of customers."""

    low: float
    high: float | None
    n: int


@dataclass(frozen=True)
class ParetoCurve:
    """Customers from the most valuable: ``customers[i]`` (share of customers) bring
    ``value[i]`` (cumulative share of value); ``top20`` is the value share of the top
    20%, read off the curve."""

    customers: list[float]
    value: list[float]
    top20: float | None
    n_customers: int


def pareto_curve(tiles: list[tuple[int, float]]) -> ParetoCurve:
    """The curve through ``(n customers, value)`` groups ordered from the most valuable
    (negative value counts as none), starting at (0, 0)."""
    n = sum(count for count, _value in tiles)
    total = sum(max(value, 0.0) for _count, value in tiles)
    customers, value = [0.0], [0.0]
    for count, amount in tiles:
        customers.append(customers[-1] + count / n)
        value.append(value[-1] + max(amount, 0.0) / total if total > 0 else 0.0)
    top20 = float(np.interp(0.2, customers, value)) if n and total > 0 else None
    return ParetoCurve(customers, value, top20, n)


def curve_steps(curve: ParetoCurve, steps: int = 10) -> list[tuple[float, float]]:
    """The curve read at every ``1/steps`` of the customers (10%, 20%, ... 100%)."""
    if not curve.n_customers:
        return []
    grid = [i / steps for i in range(1, steps + 1)]
    return [(x, float(np.interp(x, curve.customers, curve.value))) for x in grid]


def pareto_tiles(run: ValueRun, tiles: int = PARETO_TILES) -> list[tuple[int, float]]:
    """The run's buying customers in ``tiles`` equal groups by spend, largest first: one
    query (NTILE), each group's count and spend."""
    table = CustomerValue._meta.db_table
    sql = (
        "SELECT COUNT(*), SUM(v) FROM (SELECT CASE WHEN total_spend > 0 THEN total_spend "
        f"ELSE 0 END AS v, NTILE({int(tiles)}) OVER (ORDER BY total_spend DESC, customer_id) "
        f"AS tile FROM {connection.ops.quote_name(table)} WHERE run_id = %s "
        "AND p_alive IS NOT NULL AND total_spend IS NOT NULL) grouped GROUP BY tile ORDER BY tile"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])
        return [(int(n), float(v or 0.0)) for n, v in cursor.fetchall()]


def share_bars(counts: dict[int, int], bins: int = P_ALIVE_BINS) -> list[Bar]:
    """Every bin of [0, 1] in ``bins`` equal parts, with its count (0 where none)."""
    return [
        Bar(round(i / bins, 10), round((i + 1) / bins, 10), counts.get(i, 0)) for i in range(bins)
    ]


def p_alive_counts(run: ValueRun, bins: int = P_ALIVE_BINS) -> dict[int, int]:
    """Customers per P(alive) bin (bin ``i`` is ``[i/bins, (i+1)/bins)``, 1.0 in the
    last): one grouped query."""
    rows = (
        CustomerValue.objects.filter(run=run, p_alive__isnull=False)
        .annotate(
            bin=Least(Floor(F("p_alive") * bins), Value(bins - 1), output_field=IntegerField())
        )
        .values("bin")
        .annotate(n=Count("customer_id"))
        .order_by("bin")
    )
    return {int(row["bin"]): row["n"] for row in rows}


def nice_step(span: float, bins: int) -> float:
    """The round width (1, 2 or 5 × 10^k) that covers ``span`` in at most ``bins``."""
    if span <= 0:
        return 1.0
    raw = span / bins
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power * bins >= span)


def value_bars(values: np.ndarray, bins: int = CLV_BINS) -> list[Bar]:
    """A histogram of non-negative amounts in round bins from 0 up to the 95th percentile,
    and one open bin for the rest (the long tail would flatten every other bar)."""
    values = np.clip(values[np.isfinite(values)], 0, None)
    if values.size == 0:
        return []
    step = nice_step(float(np.percentile(values, 95)), bins)
    n_bins = max(int(math.ceil(float(np.percentile(values, 95)) / step)), 1)
    # edges rounded, so that 0.5 falls in [0.5, 0.55) and not below by a float's error
    edges = np.round(np.arange(n_bins + 1) * step, 9)
    index = np.minimum(np.searchsorted(edges, values, side="right") - 1, n_bins)
    counts = np.bincount(index, minlength=n_bins + 1)
    bars = [Bar(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(n_bins)]
    if counts[n_bins]:
        bars.append(Bar(float(edges[n_bins]), None, int(counts[n_bins])))
    return bars


def clv_values(run: ValueRun) -> np.ndarray:
    """The run's predicted CLVs: one column of floats."""
    found = CustomerValue.objects.filter(run=run, predicted_clv__isnull=False)
    return np.fromiter(found.values_list("predicted_clv", flat=True), dtype=float)


def churn_reason_counts(run: ValueRun, at_risk: float = AT_RISK) -> list[tuple[str, int]]:
    """How many customers at risk (churn risk ≥ ``at_risk``) have each feature as their
    main churn reason, most first: one grouped query over the run's explanations (the
    feature is the stored reason's text before " = ")."""
    first = KeyTextTransform("0", "churn_reasons")
    feature = Case(
        When(position__gt=0, then=Left(first, F("position") - 1)),
        default=first,
        output_field=CharField(),
    )
    rows = (
        CustomerInsight.objects.filter(run=run, customer__score__churn_risk__gte=at_risk)
        .annotate(position=StrIndex(first, Value(" = ")))
        .annotate(feature=feature)
        .exclude(feature__isnull=True)
        .exclude(feature="")
        .values("feature")
        .annotate(n=Count("customer_id"))
        .order_by("-n", "feature")
    )
    return [(row["feature"], row["n"]) for row in rows]


@dataclass(frozen=True)
class RunSeries:
    """What the overview's charts read from a run's scores, beyond what it stored."""

    pareto: ParetoCurve
    p_alive: list[Bar]
    clv: list[Bar]
    churn: list[tuple[str, int]]


def run_series(run: ValueRun) -> RunSeries:
    """The four reads above, once per finished run: its scores never change, so the
    result is cached (at a million customers the reads take seconds). The key has the
    run's creation time too, so that a database that reuses a run's id never gets
    another's figures."""
    created = run.created_at.timestamp() if run.created_at else ""
    key = f"kehu:intelligence:run-series:{run.pk}:{created}"
    found = cache.get(key)
    if found is None:
        counts = p_alive_counts(run)
        found = RunSeries(
            pareto=pareto_curve(pareto_tiles(run)),
            p_alive=share_bars(counts) if counts else [],
            clv=value_bars(clv_values(run)),
            churn=churn_reason_counts(run),
        )
        cache.set(key, found, CACHE_SECONDS)
    return found


def forecast_rows(series: dict[str, Any]) -> list[dict[str, Any]]:
    """One stored forecast series (``history``: [month, amount]; ``forecast``: [month,
    forecast, low 80%, high 80%]) as rows by month: actual or forecast with its band."""
    rows: list[dict[str, Any]] = [
        {"month": month, "actual": amount, "forecast": None, "low": None, "high": None}
        for month, amount in series.get("history", [])
    ]
    rows += [
        {"month": month, "actual": None, "forecast": value, "low": low, "high": high}
        for month, value, low, high in series.get("forecast", [])
    ]
    return rows


def total_forecast(mining: dict[str, Any]) -> dict[str, Any] | None:
    """The run's forecast of all sales, when it made one."""
    series = ((mining.get("sales") or {}).get("total") or {}).get("series") or []
    return series[0] if series and series[0].get("forecast") else None
