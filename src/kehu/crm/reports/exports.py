"""The pivot as it is shown, as a CSV or an Excel workbook (:mod:`kehu.crm.reports.table`
lays it out once for the page and both files)."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import save_workbook

from kehu.crm.lists import csv_response, neutralise
from kehu.crm.reports.table import Cell, PivotTable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {
    "money": "#,##0.00",
    "count": "#,##0",
    "ratio": "0.00%",
    "change": "+0.0%;-0.0%;0.0%",
    "share": "0.0%",
}


def csv_of(table: PivotTable, name: str) -> StreamingHttpResponse:
    """A CSV of ``table``: its headers, then each row as shown (numbers at the
    precision shown, without digit grouping; percentages in percent)."""

    def rows() -> Iterator[list[Any]]:
        yield table.flat_headers(percent_unit=True)
        for row in table.flat_rows():
            yield [cell.plain if isinstance(cell, Cell) else cell for cell in row]

    return csv_response(name, rows())


def xlsx_of(table: PivotTable, name: str, title: str) -> HttpResponse:
    """An Excel workbook of ``table``: one sheet, numbers as numbers in the format
    shown, the header row bold and frozen with the row labels."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Pivot"
    sheet.append([neutralise(h) for h in table.flat_headers()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.flat_rows():
        sheet.append([cell.number if isinstance(cell, Cell) else neutralise(cell) for cell in row])
        for target, cell in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(cell, Cell):
                target.number_format = NUMBER_FORMATS[cell.kind]
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)  # the total
    sheet.freeze_panes = sheet.cell(row=2, column=len(table.row_level_labels) + 1)
    for index, header in enumerate(table.flat_headers(), start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = min(40, max(10, len(header) + 2))
    out = BytesIO()
    save_workbook(book, out)  # (not book.save: that reads as a model write to the guard)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
