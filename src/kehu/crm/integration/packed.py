"""Checks a file passes before it is read, each cheap and done once (by the upload step
of the wizard, or by ``kehu import`` before reading): what the file unpacks to, counted
by unpacking it (gzip members, the zip members of .xlsx/.ods; the sizes an archive
declares can lie), the extent of each Excel sheet (python-calamine allocates the whole
rectangle from the first cell to the last, so one far cell would take terabytes), and a
Parquet file's row count and size from its footer."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from kehu.crm.integration.limits import MAX_SHEET_CELLS, LimitError, Limits, ReadError

CHUNK = 1024 * 1024
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")
SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
#: a cell's or a row's reference: ``<c r="AB12"`` / ``<row r="12"``
CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,9})"')
ROW_TAG = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]{1,9})"')
CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
ROW_OPEN = re.compile(rb"<(?:\w+:)?row[\s>/]")


def check_file(path: Path, limits: Limits) -> None:
    """Raise :class:`ReadError` (or :class:`LimitError`) when ``path`` cannot be read
    within ``limits``."""
    name = path.name
    if path.stat().st_size > limits.max_bytes:
        raise limits.too_large(name, "is")
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith(".gz"):
        gzip_size(path, limits)
    elif suffixes.endswith(ZIP_SUFFIXES):
        check_zip(path, limits)
    elif suffixes.endswith((".parquet", ".pq")):
        check_parquet(path, limits)


def gzip_size(path: Path, limits: Limits) -> int:
    """The bytes ``path`` unpacks to (every gzip member), counted up to the limit."""
    total = 0
    try:
        with path.open("rb") as raw:
            inflate, open_member = zlib.decompressobj(31), False
            while data := raw.read(CHUNK):
                while data:
                    chunk = inflate.decompress(data, CHUNK)
                    open_member = True
                    total += len(chunk)
                    if total > limits.max_bytes:
                        raise limits.too_large(path.name)
                    data = inflate.unconsumed_tail
                    if inflate.eof:  # the next member starts in what is left
                        data, inflate = inflate.unused_data + data, zlib.decompressobj(31)
                        open_member = False
        if open_member:
            raise ReadError(f"{path.name!r} is cut short (the gzip data end too early)")
    except (OSError, zlib.error) as e:
        raise ReadError(f"{path.name!r} is not a readable gzip file ({e})") from None
    return total


def check_zip(path: Path, limits: Limits) -> None:
    """Every member unpacked (and counted) once; worksheets also measured."""
    what = "an OpenDocument spreadsheet" if path.suffix.lower() == ".ods" else "an Excel workbook"
    if not zipfile.is_zipfile(path):
        raise ReadError(
            f"{path.name!r} is not {what} (such a file is a zip archive, this one is not): "
            "save it again from the spreadsheet program, or export it as CSV"
        )
    budget = limits.max_bytes
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
            for info in archive.infolist():
                measure: _SheetExtent | _OdsExtent | None = None
                if SHEET.match(info.filename):
                    measure = _SheetExtent()
                elif info.filename == "content.xml":
                    measure = _OdsExtent()
                for chunk in _unpack(raw, info, budget):
                    budget -= len(chunk)
                    if budget < 0:
                        raise limits.too_large(path.name)
                    if measure is not None:
                        measure.feed(chunk)
                if measure is not None:
                    measure.check(path.name, info.filename, limits)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError) as e:
        raise ReadError(f"{path.name!r} is a damaged zip archive ({e}): save it again") from None


def _unpack(raw: object, info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The member's bytes as its compressed data give them (not as its header says),
    never more than ``budget + 1`` of them."""
    raw.seek(info.header_offset)  # type: ignore[attr-defined]
    header = raw.read(30)  # type: ignore[attr-defined]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)  # type: ignore[attr-defined]
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        while left > 0:
            chunk = raw.read(min(CHUNK, left))  # type: ignore[attr-defined]
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise zipfile.BadZipFile(f"{info.filename} uses compression method {info.compress_type}")
    inflate = zlib.decompressobj(-15)
    produced = 0
    while True:
        data = inflate.unconsumed_tail
        if not data and left > 0:
            data = raw.read(min(CHUNK, left))  # type: ignore[attr-defined]
            left -= len(data)
        chunk = inflate.decompress(data, CHUNK)
        produced += len(chunk)
        if chunk:
            yield chunk
        if inflate.eof or produced > budget or not (chunk or data):
            return


class _SheetExtent:
    """The rectangle a worksheet's cells span (as calamine will allocate it)."""

    def __init__(self) -> None:
        self.tail = b""
        self.rows = (None, 0)  # first, last
        self.columns = (None, 0)
        self.cells = 0
        self.row_tags = 0

    def feed(self, chunk: bytes) -> None:
        text = self.tail + chunk
        cut = text.rfind(b"<")  # a tag split by the chunk boundary is read next time
        body, self.tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
        first_row, last_row = self.rows
        first_col, last_col = self.columns
        for letters, digits in CELL.findall(body):
            row, column = int(digits), _column_number(letters)
            first_row = row if first_row is None else min(first_row, row)
            first_col = column if first_col is None else min(first_col, column)
            last_row, last_col = max(last_row, row), max(last_col, column)
        for digits in ROW_TAG.findall(body):
            last_row = max(last_row, int(digits))
        self.rows, self.columns = (first_row, last_row), (first_col, last_col)
        self.cells += len(CELL_TAG.findall(body))
        self.row_tags += len(ROW_OPEN.findall(body))

    def check(self, name: str, member: str, limits: Limits) -> None:
        height = max(self.rows[1] - (self.rows[0] or 1) + 1, self.row_tags)
        width = self.columns[1] - (self.columns[0] or 1) + 1 if self.columns[0] else 0
        if height > limits.max_rows + 1:  # the header row
            raise limits.too_many_rows(name)
        extent = max(height * width, self.cells)
        if extent > MAX_SHEET_CELLS:
            raise LimitError(
                f"{name!r}: a sheet ({member}) spans {height:,} rows x {width:,} columns, more "
                f"than the {MAX_SHEET_CELLS:,} cells a spreadsheet import may read: delete the "
                "cells far from the data (or its empty formatted rows), or export it as CSV"
            )


ODS_ROW_END = b"</table:table-row>"
ODS_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="([0-9]{1,12})"')
ODS_CELL = re.compile(
    rb"<table:(?:covered-)?table-cell\b([^>]*?)(/>|>.*?</table:(?:covered-)?table-cell>)", re.S
)
ODS_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="([0-9]{1,12})"')
#: an OpenDocument row this long with no end is refused (rows are read one by one)
MAX_ODS_ROW = 16 * 1024 * 1024


class _OdsExtent:
    """The cells an OpenDocument sheet spans once its repeated rows and cells are
    spread out (``number-rows-repeated``, ``number-columns-repeated``), counting only
    rows with a value and each row up to its last value (empty repeats are free)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.cells = 0
        self.rows = 0

    def feed(self, chunk: bytes) -> None:
        self.buffer += chunk
        end = self.buffer.rfind(ODS_ROW_END)
        if end < 0:
            if len(self.buffer) > MAX_ODS_ROW:
                raise ReadError("a spreadsheet row is longer than 16 MB: export it as CSV")
            return
        end += len(ODS_ROW_END)
        complete, self.buffer = self.buffer[:end], self.buffer[end:]
        for row in complete.split(ODS_ROW_END):
            self._row(row)

    def _row(self, row: bytes) -> None:
        start = row.rfind(b"<table:table-row")
        if start < 0:
            return
        row = row[start:]
        head = row[: row.find(b">") + 1]
        repeated = ODS_ROWS_REPEATED.search(head)
        width = filled = 0
        for attributes, body in ODS_CELL.findall(row):
            count = ODS_COLUMNS_REPEATED.search(attributes)
            width += int(count[1]) if count else 1
            if b"office:value-type" in attributes or b"<text:p" in body:
                filled = width
        if filled:
            times = int(repeated[1]) if repeated else 1
            self.rows += times
            self.cells += times * filled

    def check(self, name: str, member: str, limits: Limits) -> None:
        if self.rows > limits.max_rows + 1:  # the header row
            raise limits.too_many_rows(name)
        if self.cells > MAX_SHEET_CELLS:
            raise LimitError(
                f"{name!r}: its sheets span {self.cells:,} cells once repeated rows and cells "
                f"are spread out, more than the {MAX_SHEET_CELLS:,} a spreadsheet import may "
                "read: export it as CSV"
            )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_parquet(path: Path, limits: Limits) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError) as e:
        raise ReadError(f"{path.name!r} is not a readable Parquet file ({e})") from None
    if metadata.num_rows > limits.max_rows:
        raise limits.too_many_rows(path.name)
    unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if unpacked > limits.max_bytes:
        raise limits.too_large(path.name)
