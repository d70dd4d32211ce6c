"""What the explorer's controls show: the measures and levels to pick, the date range
and options, the filters in force (each removable) and the members picker of one level
(``pick=<level>`` in the address: a plain link opens it, no script needed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from kehu.crm.reports import state
from kehu.crm.reports.labels import level_label, measure_label, member_label
from kehu.insight import olap
from kehu.insight.engine import Engine
from kehu.insight.olap.query import MAX_TOP_N, TRUE_WORDS

PICKER_LIMIT = 200
SLOTS = 2  # levels on each side of the pivot the form offers


def _pairs(params: Mapping[str, list[str]], keep: Any) -> list[tuple[str, str]]:
    return [(name, v) for name, values in params.items() if keep(name) for v in values]


def _controls(
    measures: list[str],
    rows: list[str],
    columns: list[str],
    values: Mapping[str, str],
    filters: list[tuple[str, str]],
) -> dict[str, Any]:
    return {
        "measures": [(key, measure_label(key), key in measures) for key in olap.MEASURES],
        "levels": [(key, level_label(key)) for key in olap.LEVELS],
        "rows": (rows + [""] * SLOTS)[: max(SLOTS, len(rows))],
        "columns": (columns + [""] * SLOTS)[: max(SLOTS, len(columns))],
        "values": values,
        "filter_inputs": filters,
        "rank_choices": [(key, measure_label(key)) for key in measures],
        "max_top": MAX_TOP_N,
    }


def from_query(query: olap.PivotQuery) -> dict[str, Any]:
    params = query.to_params()
    values = {
        "date_from": query.date_from.isoformat() if query.date_from else "",
        "date_to": query.date_to.isoformat() if query.date_to else "",
        "compare_previous_year": query.compare_previous_year,
        "share_of_total": query.share_of_total,
        "other": query.other,
        "top_n": str(query.top_n or ""),
        "rank_by": query.rank_by or "",
    }
    filters = _pairs(params, lambda name: name.startswith("filter_"))
    return _controls(list(query.measures), list(query.rows), list(query.columns), values, filters)


def from_params(query: QueryDict) -> dict[str, Any]:
    """The controls as the address wrote them, for a page showing why it cannot be used
    (unknown keys are dropped, not shown)."""

    def split(name: str, known: Mapping[str, object]) -> list[str]:
        found = [p.strip() for v in query.getlist(name) for p in v.split(",")]
        return [k for k in dict.fromkeys(found) if k in known]

    values = {name: query.get(name, "") for name in ("date_from", "date_to", "top_n", "rank_by")}
    for flag in ("compare_previous_year", "share_of_total", "other"):
        values[flag] = query.get(flag, "") in TRUE_WORDS
    filters = [
        (name, v)
        for name in query
        if name.startswith("filter_") and name.removeprefix("filter_") in olap.LEVELS
        for v in query.getlist(name)
    ]
    measures = split("measures", olap.MEASURES) or list(state.DEFAULTS["measures"])
    return _controls(
        measures, split("rows", olap.LEVELS), split("columns", olap.LEVELS), values, filters
    )


def filter_context(engine: Engine, query: olap.PivotQuery, params: QueryDict) -> dict[str, Any]:
    """The filters in force (with the link that removes each), the links that open a
    level's members picker, and that picker when the address asks for one."""
    chips = [
        {
            "level": level_label(level),
            "members": ", ".join(str(member_label(level, m)) for m in members),
            "remove": state.querystring(query, **{f"filter_{level}": None}),
        }
        for level, members in query.filters.items()
    ]
    base = state.querystring(query)
    pick_links = [(key, level_label(key), f"{base}&pick={key}") for key in olap.LEVELS]
    context: dict[str, Any] = {"chips": chips, "pick_links": pick_links}
    pick = params.get("pick", "")
    if pick in olap.LEVELS:
        search = params.get("q", "").strip()[:100]
        others = {k: v for k, v in query.filters.items() if k != pick}
        found = olap.members(engine, pick, others, search=search or None, limit=PICKER_LIMIT)
        kept = set(query.filters.get(pick, ()))
        context["picker"] = {
            "level": pick,
            "label": level_label(pick),
            "name": f"filter_{pick}",
            "search": search,
            "members": [(m, member_label(pick, m), m in kept) for m in found],
            "kept_elsewhere": [m for m in kept if m not in found],
            "full": len(found) >= PICKER_LIMIT,
            "hidden": _pairs(query.to_params(), lambda name: name != f"filter_{pick}"),
            "close": base,
        }
    elif pick:
        context["pick_error"] = _("There is no level “%(level)s” to filter by.") % {
            "level": pick[:60]
        }
    return context
