"""A pivot query: what to measure, by what, for which members and dates.

:class:`PivotQuery` is checked when it is made; :meth:`PivotQuery.from_params` reads
the query-string form the web explorer sends (and :meth:`PivotQuery.to_params` writes
it back, for links). A bad value raises :class:`PivotError` naming the parameter and
what it may be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from kehu.insight.errors import InputError, coded
from kehu.insight.olap.model import LEVELS, MEASURES, drill_down, drill_up

#: The most top-N rows a query may ask for.
MAX_TOP_N = 1000
FILTER_PREFIX = "filter_"
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")
Params = Mapping[str, str | Sequence[str]]


class PivotError(InputError):
    """A pivot query that cannot run as asked; the message says which parameter and why."""


def _fail(parameter: str, message: str, **params: object) -> PivotError:
    return coded(PivotError(f"{parameter}: {message}"), f"pivot_{parameter}", **params)


@dataclass(frozen=True)
class PivotQuery:
    """Measures by row (and column) levels, filtered, over a date range.

    Parameters
    ----------
    measures : tuple of str
        Keys of :data:`~kehu.insight.olap.model.MEASURES` (at least one).
    rows : tuple of str
        Keys of :data:`~kehu.insight.olap.model.LEVELS` the rows are grouped by
        (none: one row, the total).
    columns : tuple of str
        Levels the columns are grouped by (not also on the rows).
    filters : mapping of str to tuple of str
        Per level, the members kept (a cell counts facts of any of them).
    date_from, date_to : date, optional
        The first and last day counted (both included).
    compare_previous_year : bool
        Add ``<measure>_previous_year`` and ``<measure>_yoy`` (the change, as a
        fraction of last year's value): the same cells a year earlier. Needs a date
        level on the rows or columns, or a date range.
    top_n : int, optional
        Keep the ``top_n`` rows with the largest ``rank_by`` (over all columns).
    rank_by : str, optional
        The measure that ranks the rows (default: the first measure).
    share_of_total : bool
        Add ``<measure>_share``: each value as a fraction of the grand total.
    other : bool
        With ``top_n``, sum the rows outside the top into one row ``"Other"``.

    Examples
    --------
    >>> query = PivotQuery(("net_sales",), ("year",), filters={"region": ["North"]})
    >>> query.filters
    mappingproxy({'region': ('North',)})
    >>> PivotQuery(("sales",), ("year",))
    Traceback (most recent call last):
    ...
    kehu.insight.olap.query.PivotError: measures: 'sales' is not a measure; choose from ...
    """

    measures: tuple[str, ...]
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    compare_previous_year: bool = False
    top_n: int | None = None
    rank_by: str | None = None
    share_of_total: bool = False
    other: bool = False

    def __post_init__(self) -> None:
        """Check every parameter and freeze the containers."""
        set_ = object.__setattr__
        set_(self, "measures", _keys("measures", self.measures, MEASURES, "measure"))
        set_(self, "rows", _keys("rows", self.rows, LEVELS, "level"))
        set_(self, "columns", _keys("columns", self.columns, LEVELS, "level"))
        set_(self, "filters", MappingProxyType(check_filters(self.filters)))
        if not self.measures:
            raise _fail("measures", f"choose at least one of {sorted(MEASURES)}")
        both = sorted(set(self.rows) & set(self.columns))
        if both:
            raise _fail("columns", f"{both} already on the rows; a level goes on one side")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise _fail(
                "date_to", f"{self.date_to} is before date_from {self.date_from}; swap them"
            )
        self._check_top_n()
        if self.compare_previous_year and not (
            self.date_levels() or self.date_from or self.date_to
        ):
            raise _fail(
                "compare_previous_year",
                "needs a date level (year, quarter, month, day) on the rows or columns, "
                "or a date range (date_from, date_to), to know which year to compare",
            )

    def _check_top_n(self) -> None:
        if self.top_n is not None:
            if not isinstance(self.top_n, int) or not 1 <= self.top_n <= MAX_TOP_N:
                raise _fail(
                    "top_n", f"must be a whole number from 1 to {MAX_TOP_N}, got {self.top_n!r}"
                )
            if not self.rows:
                raise _fail("top_n", "ranks rows: put a level on the rows first")
        if self.rank_by is not None:
            if self.rank_by not in MEASURES:
                raise _fail(
                    "rank_by",
                    f"{self.rank_by!r} is not a measure; choose from {sorted(MEASURES)}",
                )
            if self.top_n is None:
                raise _fail("rank_by", "ranks the top N rows: set top_n too")
        if self.other and self.top_n is None:
            raise _fail("other", "sums the rows outside the top N: set top_n too")

    @property
    def ranking_measure(self) -> str:
        """The measure the top N is chosen by."""
        return self.rank_by or self.measures[0]

    def date_levels(self) -> list[str]:
        """Return the date levels on the rows and columns."""
        return [k for k in (*self.rows, *self.columns) if LEVELS[k].dimension == "date"]

    @classmethod
    def from_params(cls, params: Params) -> PivotQuery:
        """Read a query from query-string-like ``params``.

        ``measures``, ``rows``, ``columns``: comma-separated keys (or lists of them);
        ``filter_<level>``: one member per value (a list for several); ``date_from``,
        ``date_to``: ``YYYY-MM-DD``; ``compare_previous_year``, ``share_of_total``,
        ``other``: 1/0, true/false, yes/no, on/off; ``top_n``: a whole number;
        ``rank_by``: a measure. Other names are ignored (a page's own parameters).

        Examples
        --------
        >>> query = PivotQuery.from_params(
        ...     {"measures": "net_sales,orders", "rows": "year", "filter_region": ["North"],
        ...      "top_n": "5", "date_from": "2024-01-01"})
        >>> query.measures, query.rows, dict(query.filters), query.top_n, query.date_from
        (('net_sales', 'orders'), ('year',), {'region': ('North',)}, 5, datetime.date(2024, 1, 1))
        >>> PivotQuery.from_params({"measures": "net_sales", "top_n": "ten", "rows": "year"})
        Traceback (most recent call last):
        ...
        kehu.insight.olap.query.PivotError: top_n: must be a whole number from 1 to 1000, got 'ten'
        """
        filters: dict[str, tuple[str, ...]] = {}
        for name, value in params.items():
            if name.startswith(FILTER_PREFIX):
                members = _values(value)
                if members:
                    filters[name.removeprefix(FILTER_PREFIX)] = tuple(members)
        top_n = _one(params, "top_n")
        rank_by = _one(params, "rank_by")
        return cls(
            measures=tuple(_split(params.get("measures", ()))),
            rows=tuple(_split(params.get("rows", ()))),
            columns=tuple(_split(params.get("columns", ()))),
            filters=filters,
            date_from=_date(params, "date_from"),
            date_to=_date(params, "date_to"),
            compare_previous_year=_flag(params, "compare_previous_year"),
            top_n=_whole(top_n) if top_n else None,
            rank_by=rank_by or None,
            share_of_total=_flag(params, "share_of_total"),
            other=_flag(params, "other"),
        )

    def to_params(self) -> dict[str, list[str]]:
        """Return the query as :meth:`from_params` reads it (for links).

        Examples
        --------
        >>> PivotQuery(("net_sales",), ("year",), filters={"region": ("N",)}).to_params()
        {'measures': ['net_sales'], 'rows': ['year'], 'filter_region': ['N']}
        """
        out: dict[str, list[str]] = {"measures": [",".join(self.measures)]}
        if self.rows:
            out["rows"] = [",".join(self.rows)]
        if self.columns:
            out["columns"] = [",".join(self.columns)]
        for level, members in self.filters.items():
            out[FILTER_PREFIX + level] = list(members)
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None:
                out[name] = [value.isoformat()]
        for name in ("compare_previous_year", "share_of_total", "other"):
            if getattr(self, name):
                out[name] = ["1"]
        if self.top_n is not None:
            out["top_n"] = [str(self.top_n)]
        if self.rank_by is not None:
            out["rank_by"] = [self.rank_by]
        return out

    def drilled_down(self, level: str, member: str | None = None) -> PivotQuery:
        """Return the query with ``level`` replaced by its finer level, kept to ``member``.

        Drilling into year 2024 shows its quarters: the rows (or columns) get
        ``quarter`` in place of ``year`` and the filters ``year = 2024``.

        Examples
        --------
        >>> q = PivotQuery(("net_sales",), ("year",)).drilled_down("year", "2024")
        >>> q.rows, dict(q.filters)
        (('quarter',), {'year': ('2024',)})
        """
        finer = drill_down(level)
        if finer is None:
            raise _fail("level", f"{level!r} has no finer level to drill down to")
        filters = dict(self.filters)
        if member is not None:
            filters[level] = (member,)
        return replace(
            self,
            rows=_swap(self.rows, level, finer),
            columns=_swap(self.columns, level, finer),
            filters=filters,
        )

    def drilled_up(self, level: str) -> PivotQuery:
        """Return the query with ``level`` replaced by its coarser level.

        The filters on the coarser level and on ``level`` are dropped: drilling up
        from the months of 2024 shows every year again.

        Examples
        --------
        >>> q = PivotQuery(("net_sales",), ("quarter",), filters={"year": ("2024",)})
        >>> q = q.drilled_up("quarter")
        >>> q.rows, dict(q.filters)
        (('year',), {})
        """
        coarser = drill_up(level)
        if coarser is None:
            raise _fail("level", f"{level!r} has no coarser level to drill up to")
        filters = {k: v for k, v in self.filters.items() if k not in (level, coarser)}
        return replace(
            self,
            rows=_swap(self.rows, level, coarser),
            columns=_swap(self.columns, level, coarser),
            filters=filters,
        )


def _swap(levels: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if k == old else k for k in levels if not (k == new and old in levels))


def _keys(parameter: str, value: object, known: Mapping[str, object], what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise _fail(parameter, f"must be a list of {what} keys, got {value!r}")
    keys = tuple(value)
    for key in keys:
        if key not in known:
            raise _fail(
                parameter,
                f"{key!r} is not a {what}; choose from {sorted(known)}",
                value=key,
            )
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise _fail(parameter, f"{repeated} given more than once")
    return keys


def check_filters(value: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """Return ``value`` as members per level, each level and member checked."""
    out: dict[str, tuple[str, ...]] = {}
    for level, members in dict(value).items():
        parameter = FILTER_PREFIX + str(level)
        if level not in LEVELS:
            raise _fail(
                parameter, f"{level!r} is not a level; choose from {sorted(LEVELS)}", value=level
            )
        kept = (members,) if isinstance(members, str) else tuple(members)
        if not kept:
            raise _fail(parameter, "name at least one member to keep")
        for member in kept:
            if not isinstance(member, str) or "\x00" in member:
                raise _fail(parameter, f"members are text without NUL characters, got {member!r}")
        out[level] = kept
    return out


def _values(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _split(value: str | Sequence[str]) -> list[str]:
    return [part.strip() for v in _values(value) for part in v.split(",") if part.strip()]


def _one(params: Params, name: str) -> str:
    values = _values(params.get(name, ()))
    if len(values) > 1:
        raise _fail(name, f"given {len(values)} times; give it once")
    return values[0].strip() if values else ""


def _flag(params: Params, name: str) -> bool:
    value = _one(params, name).lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise _fail(name, f"must be one of {[*TRUE_WORDS, *FALSE_WORDS[1:]]}, got {value!r}")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _fail(
            "top_n", f"must be a whole number from 1 to {MAX_TOP_N}, got {text!r}"
        ) from None


def _date(params: Params, name: str) -> date | None:
    text = _one(params, name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(name, f"must be a date written YYYY-MM-DD, got {text!r}") from None
