"""The explorer's state is the URL's query string, so that a pivot is a link:
shareable, bookmarkable, and the back button steps through it.

The query string is the one :meth:`kehu.insight.olap.PivotQuery.from_params` reads::

    ?measures=net_sales,orders            measures, in order (the first one is charted)
    &rows=region&columns=year             levels on the rows and on the columns
    &filter_region=North&filter_region=East   members kept, per level
    &date_from=2025-01-01&date_to=2025-12-31  the date range (either end may be open)
    &compare_previous_year=1              the same period last year and the change
    &top_n=10&rank_by=net_sales&other=1   the first N rows by a measure, the rest summed
    &share_of_total=1                     each value's share of the total

A blank address opens net sales by year. A value the engine cannot use raises
``PivotError`` naming the parameter; :func:`error_message` says it in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kehu.crm.validation import InvalidParameter
from kehu.insight import olap
from kehu.insight.olap.query import MAX_TOP_N
from kehu.insight.olap.sql import MAX_CELLS

DEFAULTS = {"measures": ["net_sales"], "rows": ["year"]}
# parameters of the explorer itself; any other in the address is left alone
PIVOT_KEYS = (
    "measures",
    "rows",
    "columns",
    "date_from",
    "date_to",
    "compare_previous_year",
    "top_n",
    "rank_by",
    "share_of_total",
    "other",
)


def read(query: QueryDict | Mapping[str, list[str]]) -> olap.PivotQuery:
    """The pivot a query string asks for (``PivotError`` on a value it cannot use). An
    address that names no measure and no level gets the defaults."""
    params = {k: _list(query, k) for k in query}
    if not any(params.get(k) for k in ("measures", "rows", "columns")):
        params = {**DEFAULTS, **params}
    elif not params.get("measures"):
        params["measures"] = DEFAULTS["measures"]
    return olap.PivotQuery.from_params(params)


def _list(query: QueryDict | Mapping[str, list[str]], key: str) -> list[str]:
    if isinstance(query, QueryDict):
        return query.getlist(key)
    value = query[key]
    return [value] if isinstance(value, str) else list(value)


def querystring(query: olap.PivotQuery, **changes: object) -> str:
    """``query`` as a query string (``?...``), with ``changes`` applied to its params
    (a value of ``None`` removes one)."""
    params: dict[str, list[str]] = dict(query.to_params())
    for name, value in changes.items():
        if value is None or value is False or value == "":
            params.pop(name, None)
        elif value is True:
            params[name] = ["1"]
        elif isinstance(value, list | tuple):
            params[name] = [str(v) for v in value]
        else:
            params[name] = [str(value)]
    return "?" + urlencode(params, doseq=True)


def drill_down_querystring(query: olap.PivotQuery, level: str, member: str) -> str | None:
    """Where clicking ``member`` of ``level`` leads: the next level of its hierarchy,
    kept to the member; ``None`` when there is no finer level."""
    if olap.drill_down(level) is None:
        return None
    return querystring(query.drilled_down(level, member))


def read_sort(query: olap.PivotQuery, params: QueryDict) -> tuple[str, bool] | None:
    """``sort=net_sales`` (ascending) or ``sort=-net_sales`` (descending): one of the
    measures shown; None when not asked (a 400 naming it when not shown)."""
    value = params.get("sort", "").strip()
    if not value:
        return None
    measure = value.removeprefix("-")
    if measure not in query.measures:
        allowed = ", ".join(f"{m}, -{m}" for m in query.measures)
        raise InvalidParameter("sort", value, _("one of: %(values)s") % {"values": allowed})
    return measure, value.startswith("-")


def with_sort(querystring: str, sort: tuple[str, bool] | None) -> str:
    if sort is None:
        return querystring
    measure, descending = sort
    return f"{querystring}&sort={'-' if descending else ''}{measure}"


def sort_links(
    query: olap.PivotQuery, sort: tuple[str, bool] | None, columns: list[Any]
) -> list[tuple[str | None, str]]:
    """For each value column: the link that sorts by it (a measure's own value or
    total; descending first, then ascending) and how it is sorted now."""
    base = querystring(query)
    links: list[tuple[str | None, str]] = []
    for column in columns:
        if column.variant or column.column or not query.rows:
            links.append((None, ""))
            continue
        now = sort is not None and sort[0] == column.measure
        descending = not (now and sort is not None and sort[1])
        state = ("descending" if sort and sort[1] else "ascending") if now else ""
        links.append((with_sort(base, (column.measure, descending)), state))
    return links


def swap_querystring(query: olap.PivotQuery) -> str | None:
    """The rows and columns swapped (None when there are no columns to swap with)."""
    if not query.columns:
        return None
    try:
        return querystring(replace(query, rows=query.columns, columns=query.rows))
    except olap.PivotError:
        return None


def drill_up_querystring(query: olap.PivotQuery, level: str) -> str | None:
    if olap.drill_up(level) is None:
        return None
    return querystring(query.drilled_up(level))


# what each parameter takes, said in the reader's language (PivotError's code is
# "pivot_<parameter>"; the engine's own message, in English, is shown beside it)
def _allowed(parameter: str) -> str:
    measures = ", ".join(olap.MEASURES)
    levels = ", ".join(olap.LEVELS)
    if parameter == "measures":
        return _("measure keys separated by commas, each once, from: %(keys)s") % {"keys": measures}
    if parameter in ("rows", "columns"):
        return _(
            "level keys separated by commas, each once and on one side only, from: %(keys)s"
        ) % {"keys": levels}
    if parameter.startswith("filter_"):
        return _("a level key after filter_ (%(keys)s) and one member per value") % {"keys": levels}
    if parameter in ("date_from", "date_to"):
        return _("a date written YYYY-MM-DD, the end not before the start")
    if parameter == "compare_previous_year":
        return _("1 or 0; comparing needs a date level on the rows or columns, or a date range")
    if parameter == "top_n":
        return _("a whole number from 1 to %(max)s, with a level on the rows") % {"max": MAX_TOP_N}
    if parameter == "rank_by":
        return _("a measure key, given with top_n")
    if parameter == "other":
        return _("1 or 0, given with top_n")
    if parameter == "level":
        return _("a level that has a finer or coarser level to drill to")
    return _("1 or 0")


def error_message(error: olap.PivotError) -> str:
    """The reader's-language sentence for ``error``: the parameter and what it takes."""
    parameter = error.code.removeprefix("pivot_") if error.code else ""
    if "cells" in str(error):  # the answer would be too large to show
        return _(
            "The pivot has more than %(n)s cells: filter it, shorten the dates, choose "
            "coarser levels or keep a top N."
        ) % {"n": number_format(MAX_CELLS, force_grouping=True)}
    if not parameter:
        return _("The pivot cannot be shown as asked.")
    return _("“%(name)s” cannot be used as given: it takes %(allowed)s.") % {
        "name": parameter,
        "allowed": _allowed(parameter),
    }
