"""What every list screen shares: paging that never counts twice, and CSV export of
exactly the rows the screen shows (same filters, same order, all pages)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from kehu.crm.estimated_count import estimated_page
from kehu.crm.validation import Param, clean_params

M = TypeVar("M", bound=Model)


def list_filters(params: Mapping[str, str], spec: Mapping[str, Param]) -> dict[str, str]:
    """The filters of a list: those of ``spec`` present in ``params``, each checked by its
    kind (a 400 that names a bad one, see ``kehu.crm.errors``); blank ones are left out."""
    return clean_params(params, spec)


def where_given(queryset: QuerySet[M], **lookups: str) -> QuerySet[M]:
    """``queryset`` narrowed to the rows whose each lookup equals its value, for the
    lookups given (a blank value is a filter the user left empty): a list's "is"
    filters. Single-valued lookups only (a field or a one-to-one's field): several
    conditions on a many-valued relation in one ``filter`` would have to hold together."""
    conditions = {lookup: value for lookup, value in lookups.items() if value}
    return queryset.filter(**conditions) if conditions else queryset


def list_context(
    request: HttpRequest,
    queryset: QuerySet[Any],
    filters: Mapping[str, str],
    default_sort: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """What a list page's template reads: the ``page`` of rows, the ``filters``, the
    ``sort`` (``default_sort`` when the request names none), the query string of the pager
    (``querystring``) and of the sortable column headers (``sort_querystring``, read by
    ``includes/sort_th.html``), and ``extra``."""
    return {
        "page": page_of(request, queryset),
        "filters": filters,
        "sort": filters.get("sort", default_sort),
        "querystring": querystring_without(request, "page"),
        "sort_querystring": querystring_without(request, "page", "sort"),
        **extra,
    }


def rows_only(request: HttpRequest) -> bool:
    """Whether the request asks for a list's rows alone: htmx redrawing them after a
    filter, sort or page change. A history restore (the back button, htmx fetching a
    page it no longer holds) needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_list(
    request: HttpRequest, page_template: str, rows_template: str, context: Mapping[str, Any]
) -> HttpResponse:
    """The list page, or its rows alone (:func:`rows_only`); a cache keeps the two
    apart (``Vary: HX-Request``)."""
    template = rows_template if rows_only(request) else page_template
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def page_of(request: HttpRequest, queryset: QuerySet[Any], per_page: int | None = None) -> Page:
    """The requested page; out-of-range or malformed page numbers give the nearest page.
    A list too long to count at every page on PostgreSQL shows an estimated count
    (:mod:`kehu.crm.estimated_count`)."""
    return estimated_page(queryset, per_page or settings.KEHU_PAGE_SIZE, request.GET.get("page"))


class _Echo:
    def write(self, value: str) -> str:
        return value


# A spreadsheet program reads a cell starting with one of these as a formula (or, for
# tab and carriage return, strips them and then reads a formula): CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` so that it
    shows as the text it is; numbers and other cells unchanged (``-5`` stays a number)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """The one CSV writer of every export (lists, quarantine, segments, reports): each
    text cell goes through ``neutralise``. ``writerow`` returns the line it wrote, so that
    a download can stream it."""

    def __init__(self, out: Any = None) -> None:
        self._writer = csv.writer(out if out is not None else _Echo())

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])


Column = tuple[str, Callable[[Any], Any]]


def csv_rows(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[list[Any]]:
    yield [header for header, _get in columns]
    limit = settings.KEHU_EXPORT_MAX_ROWS
    for obj in queryset[:limit].iterator(chunk_size=2000):
        yield [_cell(get(obj)) for _header, get in columns]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def csv_response(name: str, rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    """Stream a CSV download (UTF-8 with BOM so that spreadsheet programs read Chinese)."""
    writer = SafeCsvWriter()

    def stream() -> Iterator[str]:
        yield "\ufeff"
        for row in rows:
            yield writer.writerow(row)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"  # personal data: never kept by a cache
    return response


def querystring_without(request: HttpRequest, *keys: str) -> str:
    """The current query string minus some keys, for links that change one parameter."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()
