"""What every list screen shares: paging that never counts twice, and CSV export of
exactly the rows the screen shows (same filters, same order, all pages)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone


def page_of(request: HttpRequest, queryset: QuerySet[Any], per_page: int | None = None) -> Page:
    """The requested page; out-of-range or malformed page numbers give the nearest page."""
    paginator = Paginator(queryset, per_page or settings.KEHU_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


class _Echo:
    def write(self, value: str) -> str:
        return value


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
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"
        for row in rows:
            yield writer.writerow(row)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def querystring_without(request: HttpRequest, *keys: str) -> str:
    """The current query string minus some keys, for links that change one parameter."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()
