"""The value engine end to end: a transaction log in, customer values and models out.

The value engine end to end: a transaction log in, a value profile of every customer
and the fitted models out (the ``kehu analyze`` contract in DESIGN.md).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.btyd import BgNbd, GammaGamma, MbgNbd, ParetoNbd, customer_lifetime_value
from kehu.insight.btyd._inputs import rfm_rows
from kehu.insight.cohorts import cohort_retention, weekly_repeat_purchases
from kehu.insight.data import ColumnMap
from kehu.insight.dates import AnalysisDates, choose_as_of, order_days_sql
from kehu.insight.distinct_rfm import DistinctRfm
from kehu.insight.engine import DuckDBEngine, Engine
from kehu.insight.errors import InputError, InsightError
from kehu.insight.lifecycle import LifecycleRules, lifecycle_stage, loyalty_stage
from kehu.insight.likelihood import ConvergenceWarning
from kehu.insight.rfm import rfm_scores, segment_counts
from kehu.insight.summary import (
    PERIOD_DAYS,
    Summary,
    SummaryDates,
    prepare_input,
    summarize,
)
from kehu.insight.value import (
    DEFAULT_ABC,
    DEFAULT_TIERS,
    DEFAULT_WEIGHTS,
    ParetoStats,
    abc_classes,
    pareto,
    pyramid_tiers,
    value_score,
)

Progress = Callable[[str], None]
CONTRACT_COLUMNS = [
    "customer_id",
    "first_purchase",
    "last_purchase",
    "days_since_last",
    "frequency",
    "recency",
    "T",
    "monetary",
    "total_spend",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "p_alive",
    "expected_purchases",
    "predicted_clv",
    "value_score",
    "tier",
    "abc_class",
    "lifecycle_stage",
    "loyalty_stage",
]


@dataclass
class AnalysisSettings:
    """How to read the input and value the customers.

    ``horizon`` is in periods (default: one year); ``discount_rate`` is per year and
    converted to the period; ``margin`` is the share of spend that is profit (1.0 =
    CLV in revenue). CLV is net of each customer's own past share of returns.
    """

    period: str = "week"
    calibration_end: date | str | None = None
    observation_end: date | str | None = None
    horizon: int | None = None
    discount_rate: float = 0.10
    margin: float = 1.0
    customer_col: str | None = None
    date_col: str | None = None
    amount_col: str | None = None
    date_format: str | None = None
    #: a text file's encoding (default: UTF-8 when its start is, else a guess)
    encoding: str | None = None
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS
    abc_cuts: tuple[float, float] = DEFAULT_ABC
    lifecycle: LifecycleRules = field(default_factory=LifecycleRules)
    fit_pareto_nbd: bool = True
    #: orders dated after this day are left out (default: the day the analysis runs)
    today: date | None = None

    def __post_init__(self) -> None:
        """Refuse a value that would make CLV meaningless (or its computation endless)."""
        if self.period not in PERIOD_DAYS:
            return  # the summary names the allowed periods
        most = round(MAX_HORIZON_YEARS * 365.25 / PERIOD_DAYS[self.period])
        if self.horizon is not None and not 0 <= self.horizon <= most:
            raise InputError(
                f"--horizon must be 1 to {most:,} {self.period}s ({MAX_HORIZON_YEARS} years), "
                f"got {self.horizon:,}"
            )
        if not 0 <= self.discount_rate < float("inf"):
            raise InputError(f"--discount-rate must be 0 or more, got {self.discount_rate}")
        if not 0 <= self.margin <= 1:
            raise InputError(f"--margin is a share of spend, 0 to 1; got {self.margin}")

    def horizon_periods(self) -> int:
        """Periods in the value horizon (a year when ``horizon`` is 0)."""
        return self.horizon or round(365.25 / PERIOD_DAYS[self.period])

    def discount_per_period(self) -> float:
        """Return the yearly ``discount_rate`` as a rate per period."""
        result: float = (1 + self.discount_rate) ** (PERIOD_DAYS[self.period] / 365.25) - 1
        return result


#: The longest CLV horizon, in years.
MAX_HORIZON_YEARS = 100


@dataclass
class Analysis:
    """The result of :func:`analyze`: customers with their scores, the summary, models and notes."""

    customers: pd.DataFrame
    summary: Summary
    models: dict[str, Any]
    pareto: ParetoStats
    cohorts: pd.DataFrame
    tracking: pd.DataFrame | None
    settings: AnalysisSettings


def fit_model(model: Any, data: Any, name: str, notes: list[str], weights: Any = None) -> Any:
    """Fit ``model`` (identical rows counted by ``weights``); a convergence warning is a note.

    ``data`` is a table of the model's columns, or rows compressed already
    (:class:`~kehu.insight.btyd._inputs.CompressedRows`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(data, weights)
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            notes.append(f"{name}: {warning.message}")
    return model


def spend_model(
    repeaters: pd.DataFrame, notes: list[str], weights: Any = None
) -> GammaGamma | None:
    """Fit Gamma-Gamma to the repeat buyers, or None for fewer than 10 of them.

    ``repeaters`` holds ``frequency`` and ``monetary_value`` of the customers with a
    repeat purchase of positive value; ``weights`` (optional) counts identical rows.
    """
    count = float(np.sum(weights)) if weights is not None else len(repeaters)
    if count < 10:
        notes.append("gamma_gamma: fewer than 10 repeat buyers; spend is each customer's mean")
        return None
    model: GammaGamma = fit_model(GammaGamma(), repeaters, "gamma_gamma", notes, weights)
    return model


def repeaters_of(customers: pd.DataFrame) -> pd.DataFrame:
    """Return the rows Gamma-Gamma is fitted to: a repeat purchase, of positive value."""
    data = customers[["frequency"]].assign(monetary_value=customers["monetary"].clip(lower=0))
    return data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]


def expected_spend(
    customers: pd.DataFrame, model: GammaGamma | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the expected spend per purchase of each customer, and which fell back.

    Gamma-Gamma's where it has a finite value, else the customer's own mean purchase
    value (every customer without a model, and one-time buyers when q <= 1).
    """
    own_mean = (customers["gross_spend"] / (customers["frequency"] + 1)).to_numpy()
    if model is None:
        return own_mean, np.zeros(own_mean.size, dtype=bool)
    data = customers[["frequency"]].assign(monetary_value=customers["monetary"].clip(lower=0))
    data.loc[(data["frequency"] > 0) & (data["monetary_value"] <= 0), "frequency"] = 0
    expected = model.conditional_expected_average_spend(data)
    unusable = ~np.isfinite(expected)
    return np.where(unusable, own_mean, expected), unusable


def note_spend_fallback(notes: list[str], fallback: int) -> None:
    """Say how many one-time buyers use their own purchase value (q <= 1)."""
    if fallback:
        notes.append(
            f"gamma_gamma: q <= 1 gives no finite population mean; {fallback} "
            "one-time buyers use their own purchase value"
        )


def model_columns(
    c: pd.DataFrame,
    fitted: Mapping[str, Any],
    choice: Mapping[str, Any],
    gg: GammaGamma | None,
    settings: AnalysisSettings,
    rows: DistinctRfm | None = None,
) -> np.ndarray:
    """Add each model's P(alive), the expected purchases, spend and CLV to ``c``.

    Row by row given the fitted models, so the same function values the whole table
    here and each partition on a cluster (:mod:`kehu.insight.distributed`). The purchase
    models are evaluated once per distinct ``(frequency, recency, T)`` row (``rows``,
    compressed from ``c`` when not given). Returns which customers fell back to their
    own mean spend (:func:`expected_spend`).
    """
    rows = rows if rows is not None else DistinctRfm.of(c)
    distinct = rows.table
    horizon = settings.horizon_periods()
    model = fitted[choice["chosen"]]
    for key, fit in fitted.items():
        c[f"p_alive_{key}"] = rows.per_customer(fit.conditional_probability_alive(distinct))
    c["p_alive"] = c[f"p_alive_{choice['p_alive_model']}"]
    expected = model.conditional_expected_purchases(horizon, distinct)
    c["expected_purchases"] = rows.per_customer(expected)
    spend, fallback = expected_spend(c, gg)
    return_share = (-c["returned_spend"] / c["gross_spend"]).clip(0, 1).fillna(0)
    c["expected_spend"] = spend * (1 - return_share.to_numpy())
    value_per_unit_spend = customer_lifetime_value(
        model,
        distinct,
        1.0,
        horizon=horizon,
        discount_rate=settings.discount_per_period(),
        margin=settings.margin,
    )
    c["predicted_clv"] = rows.per_customer(value_per_unit_spend) * c["expected_spend"].to_numpy()
    return fallback


def gamma_gamma_section(gg: GammaGamma, notes: list[str]) -> dict[str, Any]:
    """Return the Gamma-Gamma part of ``models.json``."""
    section = model_section(gg, "gamma_gamma", notes)
    section["frequency_monetary_correlation"] = float(gg.frequency_monetary_correlation_)
    return section


BOUNDARY = (1e-4, 1e5)


def model_section(model: Any, name: str, notes: list[str]) -> dict[str, Any]:
    """Return the fitted parameters and statistics, naming any parameter on its boundary.

    Fitted parameters and statistics, with any parameter that ran to the edge of its
    range named: such a fit is a maximum on the boundary, not an interior optimum.
    """
    out: dict[str, Any] = model.summary()
    out["converged"] = bool(getattr(model, "converged_", True))
    low, high = BOUNDARY
    edge = [k for k, v in model.params_.items() if not low <= v <= high]
    out["on_boundary"] = edge
    if edge:
        values = ", ".join(f"{k} = {model.params_[k]:.3g}" for k in edge)
        notes.append(
            f"{name}: the likelihood is highest at the edge of the parameter space ({values})"
            + ("; the data show almost no dropout" if set(edge) & {"a", "s"} else "")
        )
    return out


def analyze(
    source: Any,
    settings: AnalysisSettings | None = None,
    *,
    engine: Engine | None = None,
    progress: Progress | None = None,
    customer_columns: pd.DataFrame | None = None,
) -> Analysis:
    """Summarise the log, fit the purchase and spend models, and value every customer.

    Summarise, fit BG/NBD, MBG/NBD (and Pareto/NBD) and Gamma-Gamma, and value every
    customer.

    Without an ``observation_end`` the analysis is as of the last day of the data's
    dense part (:mod:`kehu.insight.dates`): orders dated after today, or a few lonely
    orders after a long silent gap, are left out and recorded in ``models["dates"]``.
    The purchase model whose predictions fit a holdout best drives the expected
    purchases and CLV (``models["purchase_model"]`` says which, with the holdout errors
    of each); P(alive) comes from it too, except that BG/NBD's P(alive) is 1 for every
    customer without a repeat purchase, so when BG/NBD is chosen P(alive) comes from the
    better of the others.

    ``customer_columns`` (optional) adds per-customer facts that the transaction log
    does not carry, keyed by ``customer_id``: ``satisfaction`` (1-5) and ``referrals``
    feed the loyalty ladder (:mod:`kehu.insight.lifecycle`); every column is kept in the
    output, NaN for customers it does not list.
    """
    settings = settings or AnalysisSettings()
    step = progress or (lambda _message: None)
    if engine is not None:  # the caller's: its tables stay for the caller
        return _analyze(source, settings, engine, lambda: None, step, customer_columns)
    with DuckDBEngine() as own:
        return _analyze(source, settings, own, own.close, step, customer_columns)


def _analyze(
    source: Any,
    settings: AnalysisSettings,
    engine: Engine,
    release_engine: Callable[[], None],
    step: Progress,
    customer_columns: pd.DataFrame | None,
) -> Analysis:
    step("summarising transactions")
    columns, dates, observation_end = read_input(source, settings, engine)
    # the engine's last queries are asked before the customers become a frame, and its
    # memory (a third of the peak for a million customers) freed
    last = _LastQueries(engine, release_engine)
    s = _summary(source, settings, engine, observation_end, columns, last)
    cohorts, actual_repeat_purchases = last.cohorts, last.repeat_purchases
    if dates is not None and dates.reason != "last_order":
        s.notes.append(dates.note())
    c = s.customers
    holdout = holdout_rows(s)
    model_free = _ModelFreeScores(c, settings)
    rows = DistinctRfm.of(c)
    step("fitting BG/NBD")
    fitted: dict[str, Any] = {}
    for key, model_class in (("bg_nbd", BgNbd), ("mbg_nbd", MbgNbd)):
        fitted[key] = fit_model(model_class(), rows.compressed, key, s.notes)
    models: dict[str, Any] = {"period": settings.period}
    for key in ("bg_nbd", "mbg_nbd"):
        models[key] = model_section(fitted[key], key, s.notes)
    if settings.fit_pareto_nbd:
        step("fitting Pareto/NBD")
        fitted["pareto_nbd"] = fit_model(ParetoNbd(), rows.compressed, "pareto_nbd", s.notes)
        models["pareto_nbd"] = model_section(fitted["pareto_nbd"], "pareto_nbd", s.notes)
    step("choosing the purchase model")
    starts = {key: dict(fit.params_) for key, fit in fitted.items() if fit.converged_}
    choice = (
        compare_on_holdout(holdout, settings, starts)
        if holdout is not None
        else no_holdout_choice()
    )
    models["purchase_model"] = choice
    step("fitting Gamma-Gamma and valuing customers")
    gg = spend_model(repeaters_of(c), s.notes)
    if gg is not None:
        models["gamma_gamma"] = gamma_gamma_section(gg, s.notes)
    fallback = model_columns(c, fitted, choice, gg, settings, rows)
    note_spend_fallback(s.notes, int(fallback.sum()))
    _add_columns(c, model_free.rfm.result())
    _add_columns(c, value_score(c, settings.weights))
    c["tier"] = pyramid_tiers(c["value_score"], c["total_spend"], settings.tiers)
    c["abc_class"] = model_free.abc.result()
    if customer_columns is not None:
        c = _join_customer_columns(c, customer_columns)
    c["lifecycle_stage"] = lifecycle_stage(c, settings.lifecycle)
    c["loyalty_stage"] = loyalty_stage(c, settings.lifecycle)
    tracking = None
    if s.holdout_end is not None:
        step("checking the holdout")
        assert actual_repeat_purchases is not None
        chosen = fitted[choice["chosen"]]
        tracking = _holdout(c, chosen, s, settings, models, actual_repeat_purchases, rows)
    if dates is not None:
        models["dates"] = dates.as_dict()
    models.update(
        horizon=settings.horizon_periods(),
        discount_rate_per_year=settings.discount_rate,
        margin=settings.margin,
        accounting=s.accounting,
        notes=s.notes,
        columns=s.columns.as_dict(),
        calibration_end=s.calibration_end,
        rfm_segments=segment_counts(c["rfm_segment"]),
        tiers=c["tier"].value_counts().to_dict(),
        abc=c["abc_class"].value_counts().to_dict(),
        lifecycle_stages=c["lifecycle_stage"].value_counts().to_dict(),
        loyalty_stages=c["loyalty_stage"].value_counts().to_dict(),
    )
    stats = model_free.pareto.result()
    models["pareto"] = stats.as_dict()
    ordered = CONTRACT_COLUMNS + [col for col in c.columns if col not in CONTRACT_COLUMNS]
    ordered = [col for col in ordered if col in c.columns]
    return Analysis(c[ordered], s, models, stats, cohorts, tracking, settings)


class _ModelFreeScores:
    """RFM scores, ABC classes and the Pareto statistics, computed on a thread.

    They need no model, so they are computed while the models are fitted, whose
    likelihoods leave part of the cores idle between passes.
    """

    def __init__(self, c: pd.DataFrame, settings: AnalysisSettings) -> None:
        # a frame of their own: the analysis adds columns to ``c`` meanwhile
        spend = c[["days_since_last", "frequency", "total_spend"]].copy(deep=False)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kehu-value")
        self.rfm: Future[pd.DataFrame] = pool.submit(rfm_scores, spend)
        self.abc: Future[pd.Series] = pool.submit(
            abc_classes, spend["total_spend"] * settings.margin, settings.abc_cuts
        )
        self.pareto: Future[ParetoStats] = pool.submit(pareto, spend["total_spend"])
        pool.shutdown(wait=False)


def _add_columns(c: pd.DataFrame, new: pd.DataFrame) -> None:
    """Add ``new``'s columns to ``c`` in place (a join would copy the million-row table)."""
    for column in new.columns:
        c[column] = new[column]


def read_input(
    source: Any, settings: AnalysisSettings, engine: Engine
) -> tuple[ColumnMap, AnalysisDates | None, date | str | None]:
    """Read ``source`` into ``engine``; return its columns, the dates chosen, the end.

    The as-of date is chosen from the orders per day (:func:`analysis_dates`) unless the
    settings give an observation end; ``dates`` is None then.
    """
    columns = prepare_input(
        source,
        engine,
        customer_col=settings.customer_col,
        date_col=settings.date_col,
        amount_col=settings.amount_col,
        date_format=settings.date_format,
        encoding=settings.encoding,
    )
    if settings.observation_end is not None:
        return columns, None, settings.observation_end
    dates = analysis_dates(engine, settings)
    return columns, dates, dates.as_of if dates is not None else None


def _summary(
    source: Any,
    settings: AnalysisSettings,
    engine: Engine,
    observation_end: date | str | None,
    prepared: ColumnMap,
    before_frame: Callable[[SummaryDates], None],
) -> Summary:
    return summarize(
        source,
        period=settings.period,
        customer_col=settings.customer_col,
        date_col=settings.date_col,
        amount_col=settings.amount_col,
        calibration_end=settings.calibration_end,
        observation_end=observation_end,
        date_format=settings.date_format,
        engine=engine,
        prepared=prepared,
        comparison_split=holdout_split,
        before_frame=before_frame,
    )


class _LastQueries:
    """The engine's last queries (cohorts, weekly repeat purchases), then its release."""

    def __init__(self, engine: Engine, release: Callable[[], None]) -> None:
        self.engine, self.release = engine, release
        self.cohorts = pd.DataFrame()
        self.repeat_purchases: pd.DataFrame | None = None

    def __call__(self, dates: SummaryDates) -> None:
        self.cohorts = cohort_retention(self.engine, dates.holdout_end or dates.calibration_end)
        self.repeat_purchases = _weekly_repeat_purchases(self.engine, dates)
        self.release()


def analysis_dates(engine: Engine, settings: AnalysisSettings) -> AnalysisDates | None:
    """Return the as-of date chosen from the orders per day, or None without a usable order.

    Return the as-of date chosen from the orders per day of the input that
    :func:`~kehu.insight.summary.prepare_input` read into ``engine``
    (:func:`kehu.insight.dates.choose_as_of`); None without a usable order (the summary
    then says what is wrong with the input).
    """
    days = engine.query(order_days_sql(), "order days").to_pandas()
    if days.empty:
        return None
    return choose_as_of(days["day"], days["n"], settings.today or date.today())


#: Holdout length: a quarter of the history, in whole weeks, within these bounds (days).
HOLDOUT_DAYS = (28, 364)
#: Fewest customers in the calibration part for a holdout comparison.
MIN_HOLDOUT_CUSTOMERS = 30
CANDIDATES = {"bg_nbd": BgNbd, "mbg_nbd": MbgNbd, "pareto_nbd": ParetoNbd}


def holdout_split(first: date, as_of: date) -> date | None:
    """Return the calibration end of the model comparison, or None for a short history.

    Return the calibration end of the model comparison: a quarter of the history before ``as_of``
    is held out (whole weeks, 4 to 52); None when the history is too short for a calibration at
    least twice the holdout.
    """
    span = (as_of - first).days
    days = int(np.clip(round(span / 4 / 7) * 7, *HOLDOUT_DAYS))
    if span < 3 * days:
        return None
    return date.fromordinal(as_of.toordinal() - days)


def holdout_rows(s: Summary) -> HoldoutRows | None:
    """Return the calibration rows of the model comparison and what each bought after.

    The analysis' own holdout where it has one, else the last quarter of the history
    split off (:func:`holdout_split`; distinct rows with their counts, which the summary
    counted); None when the history is too short for a holdout.
    """
    if s.holdout_end is not None:
        return HoldoutRows(
            s.customers[["frequency", "recency", "T"]],
            s.customers["holdout_actual"].to_numpy(dtype=float),
            None,
            s.calibration_end,
            s.holdout_end,
        )
    if s.split_rows is None or s.split is None:
        return None
    distinct = s.split_rows
    return HoldoutRows(
        distinct[["frequency", "recency", "T"]],
        distinct["holdout_actual"].to_numpy(dtype=float),
        distinct["n"].to_numpy(dtype=float),
        s.split,
        s.calibration_end,
    )


@dataclass
class HoldoutRows:
    """The calibration customers of a model comparison, and what each bought in the holdout.

    ``weights`` (optional) counts identical rows: a cluster returns each distinct
    (frequency, recency, T, holdout purchases) once (:mod:`kehu.insight.distributed`).
    """

    rfm: pd.DataFrame
    actual: np.ndarray
    weights: np.ndarray | None
    calibration_end: date
    holdout_end: date

    def n_customers(self) -> int:
        """Return how many customers the rows stand for."""
        return len(self.rfm) if self.weights is None else int(self.weights.sum())

    def mean(self, values: np.ndarray) -> float:
        """Return the mean of ``values`` over the customers."""
        if self.weights is None:
            return float(np.mean(values))
        return float(np.average(values, weights=self.weights))

    def total(self, values: np.ndarray) -> float:
        """Return the sum of ``values`` over the customers."""
        return float(values.sum() if self.weights is None else values @ self.weights)


def no_holdout_choice() -> dict[str, Any]:
    """Return the choice made without a holdout: MBG/NBD, which lets one-time buyers drop out."""
    return {
        "chosen": "mbg_nbd",
        "p_alive_model": "mbg_nbd",
        "reason": "no_holdout",
        "candidates": {},
    }


def compare_on_holdout(
    rows: HoldoutRows,
    settings: AnalysisSettings,
    starts: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, Any]:
    """Fit each candidate to the calibration rows; the smallest holdout MAE wins.

    Compares each candidate's expected purchases per customer in the holdout with what
    each customer bought there. ``starts`` (optional) are each candidate's parameters
    fitted on the whole history: the calibration fits start from them, which saves
    about half their iterations.
    """
    if rows.n_customers() < MIN_HOLDOUT_CUSTOMERS:
        return no_holdout_choice()
    keys = [k for k in CANDIDATES if k != "pareto_nbd" or settings.fit_pareto_nbd]
    length = (rows.holdout_end - rows.calibration_end).days / PERIOD_DAYS[settings.period]
    actual = rows.actual
    compressed = rfm_rows(rows.rfm, rows.weights)  # once for the three fits
    candidates: dict[str, dict[str, Any]] = {}
    scores: dict[str, float] = {}
    for key in keys:
        errors: list[str] = []
        try:
            start = dict(starts[key]) if starts and key in starts else None
            candidate = CANDIDATES[key](initial_params=start, standard_errors=False)
            model = fit_model(candidate, compressed, key, errors)
        except InsightError as e:  # a model that cannot be fitted here is not a candidate
            candidates[key] = {"failed": str(e).splitlines()[0]}
            scores[key] = np.inf
            continue
        predicted = model.conditional_expected_purchases(length, rows.rfm)
        mae = rows.mean(np.abs(predicted - actual))
        finite = bool(np.isfinite(mae))
        scores[key] = mae if finite else np.inf
        candidates[key] = {
            "mae": mae if finite else None,
            "rmse": float(np.sqrt(rows.mean((predicted - actual) ** 2))) if finite else None,
            "predicted_total": rows.total(predicted) if finite else None,
            "actual_total": int(round(rows.total(actual))),
            "converged": not errors,
        }
    chosen = min(keys, key=lambda k: scores[k])
    p_alive_model = chosen
    if chosen == "bg_nbd":  # its P(alive) is 1 for every one-time buyer
        p_alive_model = min((k for k in keys if k != "bg_nbd"), key=lambda k: scores[k])
    return {
        "chosen": chosen,
        "p_alive_model": p_alive_model,
        "reason": "holdout",
        "criterion": "mae",
        "calibration_end": rows.calibration_end,
        "holdout_end": rows.holdout_end,
        "holdout_days": (rows.holdout_end - rows.calibration_end).days,
        "n_customers": rows.n_customers(),
        "candidates": candidates,
    }


def keyed_customer_columns(extra: pd.DataFrame, computed: Sequence[str]) -> pd.DataFrame:
    """Return ``extra`` checked, its ``customer_id`` as text (the join key of any input).

    The per-customer facts :func:`analyze` adds (``customer_columns``): one row per
    ``customer_id``, and no column of the analysis' own (``computed``) replaced.
    """
    if "customer_id" not in extra.columns:
        raise InputError(
            f"customer_columns needs a customer_id column; found {list(extra.columns)}"
        )
    clash = sorted(set(extra.columns) & set(computed) - {"customer_id"})
    if clash:
        raise InputError(f"customer_columns may not replace computed columns {clash}")
    keyed = extra.assign(customer_id=extra["customer_id"].astype(str))
    if not keyed["customer_id"].is_unique:
        raise InputError("customer_columns must have one row per customer_id")
    return keyed


def _join_customer_columns(c: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    keyed = keyed_customer_columns(extra, list(c.columns))
    keys = c["customer_id"].astype(str)
    joined = keyed.set_index("customer_id").reindex(keys.to_numpy())
    joined.index = c.index
    return pd.concat([c, joined], axis=1)


def _holdout(
    c: pd.DataFrame,
    bg: Any,
    s: Summary,
    settings: AnalysisSettings,
    models: dict[str, Any],
    actual: pd.DataFrame,
    rows: DistinctRfm,
) -> pd.DataFrame:
    assert s.holdout_end is not None
    period_days = PERIOD_DAYS[settings.period]
    length = (s.holdout_end - s.calibration_end).days / period_days
    predicted = bg.conditional_expected_purchases(length, rows.table)
    c["holdout_predicted"] = rows.per_customer(predicted)
    models["holdout"] = {
        "start": s.calibration_end,
        "end": s.holdout_end,
        "length_periods": length,
        "actual_total": int(c["holdout_actual"].sum()),
        "predicted_total": float(c["holdout_predicted"].sum()),
        "correlation": float(np.corrcoef(c["holdout_actual"], c["holdout_predicted"])[0, 1]),
    }
    return _tracking(c, bg, s, period_days, actual)


def _weekly_repeat_purchases(engine: Engine, s: SummaryDates) -> pd.DataFrame | None:
    """Return the weekly repeat purchases of the calibration customers (None without a holdout)."""
    if s.holdout_end is None or s.first_purchase is None:
        return None
    return weekly_repeat_purchases(
        engine, s.first_purchase, s.holdout_end, acquired_by=s.calibration_end
    )


def _tracking(
    c: pd.DataFrame, bg: Any, s: Summary, period_days: float, actual: pd.DataFrame
) -> pd.DataFrame:
    """Return the weekly repeat purchases of the calibration customers, actual and expected.

    Weekly repeat purchases of the calibration customers: ``actual`` (from
    :func:`_weekly_repeat_purchases`) and as the model expects them (sum over
    acquisition days of E[X(t)] for a new customer).
    """
    assert s.holdout_end is not None
    start = pd.to_datetime(c["first_purchase"]).min().date()
    firsts = pd.to_datetime(c["first_purchase"]).value_counts()
    offsets = (pd.DatetimeIndex(firsts.index) - pd.Timestamp(start)).days.to_numpy(dtype=float)
    week_ends = (actual["week"].to_numpy(dtype=float) + 1) * 7
    exposure = np.clip(week_ends[None, :] - offsets[:, None], 0, None) / period_days
    cumulative = firsts.to_numpy(dtype=float) @ bg.expected_purchases(exposure)
    actual["predicted"] = np.diff(np.concatenate([[0.0], cumulative]))
    actual["in_holdout"] = (
        pd.Timestamp(start) + pd.to_timedelta(actual["week"] * 7, unit="D")
    ) > pd.Timestamp(s.calibration_end)
    return actual


def settings_dict(settings: AnalysisSettings) -> dict[str, Any]:
    """Return the settings as plain values (lifecycle rules included), for JSON."""
    out = asdict(settings)
    out["lifecycle"] = asdict(settings.lifecycle)
    return out
