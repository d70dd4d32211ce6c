"""Write an analysis to disk: customers, models and an HTML report.

Write an analysis to disk: ``customers.parquet``, ``models.json`` and a self-contained
``report.html`` with Plotly charts (the library's JavaScript is embedded once, so the
report opens offline).
"""

from __future__ import annotations

import html
import json
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.parquet as pq

from kehu.insight.analyze import CANDIDATES, Analysis, settings_dict

TIER_COLOURS = {"Platinum": "#5b5b8f", "Gold": "#c9a227", "Iron": "#7a7f87", "Lead": "#3d4451"}


def json_safe(value: Any) -> Any:
    """Return ``value`` ready for JSON.

    Dates become ISO text, NaN and infinities null, numpy scalars Python numbers;
    mappings and sequences are converted item by item.

    Examples
    --------
    >>> json_safe({"at": date(2026, 1, 2), "x": float("nan"), "n": np.int64(3)})
    {'at': '2026-01-02', 'x': None, 'n': 3}
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_outputs(analysis: Analysis, out_dir: Path) -> dict[str, Path]:
    """Write the customers, summary, models and the HTML report to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "customers": out_dir / "customers.parquet",
        "models": out_dir / "models.json",
        "report": out_dir / "report.html",
    }
    # Parquet is encoded outside the GIL: the report is drawn meanwhile
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kehu-parquet") as pool:
        written = pool.submit(write_customers, analysis.customers, paths["customers"])
        models = dict(analysis.models, settings=settings_dict(analysis.settings))
        paths["models"].write_text(json.dumps(json_safe(models), indent=2, allow_nan=False))
        paths["report"].write_text(render_report(analysis), encoding="utf-8")
        written.result()
    return paths


#: Rows per row group of ``customers.parquet``: each group is converted to Arrow on its
#: own, so writing never holds a second copy of the whole table.
ROW_GROUP_ROWS = 250_000


def write_customers(customers: pd.DataFrame, path: Path) -> None:
    """Write the customers to Parquet, a row group at a time.

    Purchase dates are stored as Parquet dates; dictionary pages only where values repeat
    (pyarrow's attempt on every float column costs a third of the write).
    """
    schema = _calendar_dates(pa.Schema.from_pandas(customers, preserve_index=False))
    repeating = [
        f.name for f in schema if not pa.types.is_floating(f.type) and f.name != "customer_id"
    ]
    with pq.ParquetWriter(path, schema, use_dictionary=repeating) as writer:
        for start in range(0, max(len(customers), 1), ROW_GROUP_ROWS):
            part = customers.iloc[start : start + ROW_GROUP_ROWS]
            table = pa.Table.from_pandas(part, preserve_index=False)
            writer.write_table(table.cast(schema), row_group_size=ROW_GROUP_ROWS)


def _calendar_dates(schema: pa.Schema) -> pa.Schema:
    """Purchase dates are days: stored as Parquet dates, not midnight timestamps."""
    for name in ("first_purchase", "last_purchase"):
        index = schema.get_field_index(name)
        if index >= 0 and pa.types.is_timestamp(schema.field(index).type):
            schema = schema.set(index, pa.field(name, pa.date32()))
    return schema


def _pyramid(c: pd.DataFrame, tiers: list[str]) -> go.Figure:
    grouped = c.groupby("tier", sort=False)["total_spend"].agg(["size", "sum"])
    grouped = grouped.set_axis(["n", "value"], axis=1).reindex(tiers).fillna(0)
    share = grouped["value"] / max(grouped["value"].clip(lower=0).sum(), 1e-9)
    fig = go.Figure(
        go.Funnel(
            y=tiers,
            x=grouped["n"],
            text=[
                f"{int(n):,} customers · {s:.0%} of spend"
                for n, s in zip(grouped["n"], share, strict=True)
            ],
            textinfo="text",
            marker={"color": [TIER_COLOURS.get(t, "#888") for t in tiers]},
        )
    )
    fig.update_layout(title="Customer value pyramid")
    return fig


def _lorenz(a: Analysis) -> go.Figure:
    p = a.pareto
    fig = go.Figure()
    fig.add_scatter(
        x=1 - p.lorenz_customers[::-1],
        y=1 - p.lorenz_value[::-1],
        name="share of spend",
        mode="lines",
    )
    fig.add_scatter(
        x=[0, 1], y=[0, 1], name="equal spend", mode="lines", line={"dash": "dot", "color": "#999"}
    )
    fig.add_vline(x=0.2, line={"dash": "dash", "color": "#b3261e"})
    fig.update_layout(
        title=f"Pareto curve: top 20% of customers bring {p.top20_share:.0%} of spend "
        f"(Gini {p.gini:.2f})",
        xaxis={"title": "share of customers, largest first", "tickformat": ".0%"},
        yaxis={"title": "cumulative share of spend", "tickformat": ".0%"},
    )
    return fig


def _cohorts(cohorts: pd.DataFrame) -> go.Figure:
    offsets = [c for c in cohorts.columns if c not in ("cohort", "size")]
    z = cohorts[offsets].to_numpy(dtype=float)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(o) for o in offsets],
            y=[f"{c} ({n:,})" for c, n in zip(cohorts["cohort"], cohorts["size"], strict=True)],
            colorscale="Blues",
            zmin=0,
            zmax=float(np.nanmax(z[:, 1:])) if z.shape[1] > 1 else 1,
            hovertemplate="cohort %{y}<br>month %{x}: %{z:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Monthly acquisition cohorts: share buying again, by month since",
        yaxis={"autorange": "reversed"},
        xaxis={"title": "months since first purchase"},
    )
    return fig


def _model_name(key: str) -> str:
    """Return a purchase model's display name from its key in ``models.json``."""
    return str(CANDIDATES[key]._model_name) if key in CANDIDATES else key


def _p_alive(c: pd.DataFrame, model: str) -> go.Figure:
    # counted here, not by the browser: a million values would make the page 18 MB
    counts, edges = np.histogram(c["p_alive"].to_numpy(dtype=float), bins=40, range=(0, 1))
    fig = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=edges[1] - edges[0],
            marker={"color": "#0b5394"},
            hovertemplate="P(alive) %{x:.3f} ± 0.0125: %{y:,} customers<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"P(alive) at the end of calibration ({model})",
        xaxis={"title": "probability the customer is still active", "range": [0, 1.03]},
        yaxis={"title": "customers"},
    )
    return fig


def _holdout_by_frequency(c: pd.DataFrame, model: str) -> go.Figure:
    groups = c["frequency"].clip(upper=7)
    table = c.groupby(groups)[["holdout_actual", "holdout_predicted"]].mean()
    labels = [str(int(f)) if f < 7 else "7+" for f in table.index]
    fig = go.Figure()
    fig.add_bar(x=labels, y=table["holdout_actual"], name="actual")
    fig.add_bar(x=labels, y=table["holdout_predicted"], name=model)
    fig.update_layout(
        title="Holdout purchases per customer, by repeat purchases in calibration",
        barmode="group",
        xaxis={"title": "repeat purchases in calibration"},
        yaxis={"title": "mean purchases in holdout"},
    )
    return fig


def _tracking(tracking: pd.DataFrame, model: str) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=tracking["week"], y=tracking["repeat_purchases"].cumsum(), name="actual")
    fig.add_scatter(
        x=tracking["week"], y=tracking["predicted"].cumsum(), name=model, line={"dash": "dash"}
    )
    first_holdout = tracking.loc[tracking["in_holdout"], "week"]
    if len(first_holdout):
        fig.add_vline(x=float(first_holdout.iloc[0]), line={"dash": "dot", "color": "#999"})
    fig.update_layout(
        title="Cumulative repeat purchases: actual and predicted (holdout right of "
        "the dotted line)",
        xaxis={"title": "week"},
        yaxis={"title": "repeat purchases"},
    )
    return fig


def _table(rows: dict[str, Any]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in rows.items()
    )
    return f"<table>{cells}</table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(json_safe(value))


def _model_rows(section: dict[str, Any]) -> dict[str, Any]:
    rows = {k: v for k, v in section.items() if not isinstance(v, dict)}
    for name, se in section.get("standard_errors", {}).items():
        rows[f"s.e. {name}"] = se
    return rows


def render_report(a: Analysis) -> str:
    """Return the analysis as a self-contained HTML report."""
    c = a.customers
    # the charts name the models that made their figures, as models.json records them
    choice = a.models.get("purchase_model", {})
    chosen = _model_name(choice.get("chosen", "bg_nbd"))
    figures = [
        _pyramid(c, [name for name, _ in a.settings.tiers]),
        _lorenz(a),
        _p_alive(c, _model_name(choice.get("p_alive_model", "bg_nbd"))),
        _cohorts(a.cohorts),
    ]
    if a.tracking is not None:
        figures += [_holdout_by_frequency(c, chosen), _tracking(a.tracking, chosen)]
    charts = "".join(
        f'<section class="chart">{fig.to_html(full_html=False, include_plotlyjs=(i == 0))}'
        "</section>"
        for i, fig in enumerate(figures)
    )
    m = a.models
    model_tables = "".join(
        f"<h3>{html.escape(name)}</h3>{_table(_model_rows(m[key]))}"
        for key, name in (
            ("bg_nbd", "BG/NBD"),
            ("mbg_nbd", "MBG/NBD"),
            ("pareto_nbd", "Pareto/NBD"),
            ("gamma_gamma", "Gamma-Gamma"),
        )
        if key in m
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in m.get("notes", []))
    holdout = f"<h2>Holdout</h2>{_table(m['holdout'])}" if "holdout" in m else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>kehu customer value report</title>
<style>body{{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933}}
table{{border-collapse:collapse;margin:.5rem 0 1rem}}th,td{{border-bottom:1px solid #d9e2ec;
padding:.25rem .6rem;text-align:left}}th{{font-weight:600}}.grid{{display:grid;
grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}}</style></head><body>
<h1>Customer value report</h1>
<p>{len(c):,} customers modelled · period: {a.settings.period} · calibration ends
{a.summary.calibration_end} · horizon {m["horizon"]} periods · generated by kehu</p>
{charts}
<div class="grid"><div><h2>RFM segments</h2>{_table(m["rfm_segments"])}</div>
<div><h2>Lifecycle stages</h2>{_table(m["lifecycle_stages"])}<h2>Loyalty ladder</h2>
{_table(m["loyalty_stages"])}</div>
<div><h2>Pyramid and ABC</h2>{_table(m["tiers"])}{_table(m["abc"])}</div></div>
{holdout}
<h2>Models</h2><div class="grid">{model_tables}</div>
<h2>Input accounting</h2>{_table(m["accounting"])}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>"""
