"""CSV/TSV text read the way RFC 4180 writes it, by Python's csv module (one pass,
streamed in chunks into the import's staging database):

- a quoted value may hold the delimiter, line breaks and doubled quotes (``"Shop
  ""A"", Berlin"`` is ``Shop "A", Berlin``); ``""`` is an empty value; a quote inside
  an unquoted value is kept as it is (``5" screen``); CRLF or LF line ends; a UTF-8
  byte-order mark is dropped;
- the delimiter is the one of ``,`` ``;`` tab ``|`` that splits the first lines into
  the most consistent number of columns (or the one given);
- a row with more non-empty cells than the header has columns is set aside with its
  reason (it would otherwise shift its values into the wrong fields); a shorter row
  reads its missing cells as empty; blank lines are no rows;
- duplicate or empty headers are renamed (``Email (2)``, ``column 3``) with a note;
- a quote that opens and never closes (it would swallow the rest of the file) refuses
  the file, naming its line.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyarrow as pa

from kehu.crm.integration import reasons
from kehu.crm.integration.limits import Limits, ReadError
from kehu.crm.integration.staging import Staging
from kehu.insight.text_encoding import (
    CANNOT_TELL,
    SAMPLE_BYTES,
    open_bytes,
    sniff_delimiter,
)
from kehu.insight.text_encoding import detect_encoding as guess_encoding

CHUNK_ROWS = 50_000
CHUNK_BYTES = 1024 * 1024
#: one value may be this long (Python's csv refuses longer ones by default: 128 KiB)
MAX_FIELD = 16 * 1024 * 1024
csv.field_size_limit(MAX_FIELD)


@dataclass
class TextRead:
    columns: list[str]
    rows: int
    rejected: int
    encoding: str
    delimiter: str
    notes: list[str] = field(default_factory=list)
    #: where the last record starts and how many lines it takes, when more than one
    last_record: tuple[int, int] | None = None


class _Counted(io.RawIOBase):
    """The bytes of ``inner`` (unpacked when gzipped), refused past ``limit``."""

    def __init__(self, inner: IO[bytes], limit: int, limits: Limits, name: str) -> None:
        self.inner, self.limit, self.limits, self.name = inner, limit, limits, name
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise self.limits.too_large(self.name)
        buffer[: len(data)] = data
        return len(data)


def detect_encoding(path: Path) -> str:
    """UTF-8 when the start of the file is valid UTF-8, else charset-normalizer's guess
    (GB18030 for any GBK family guess, and wherever it reads as cleanly as the guess):
    the analyst commands read with the same guess (:mod:`kehu.insight.text_encoding`)."""
    try:
        found = guess_encoding(path)
    except (OSError, EOFError) as e:
        raise ReadError(f"cannot read {path.name!r}: {e}") from None
    if found is None:
        raise ReadError(CANNOT_TELL)
    return found


def unique_headers(cells: list[str]) -> tuple[list[str], list[str]]:
    """Header names made unique (``Email``, ``Email (2)``; an empty one ``column N``),
    with a note for each renamed one."""
    names: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells, start=1):
        name = (cell or "").strip()
        if not name:
            name = f"column {i}"
            notes.append(f"column {i} has no header: read as {name!r}")
        elif name.lower() in seen:
            k = 2
            while f"{name} ({k})".lower() in seen:
                k += 1
            notes.append(
                f"the header {name!r} appears more than once: column {i} is read as "
                f"{name + f' ({k})'!r}; map the one you mean"
            )
            name = f"{name} ({k})"
        seen.add(name.lower())
        names.append(name)
    return names, notes


def load_text(
    db: Staging,
    path: Path,
    *,
    raw: str,
    rejects: str,
    row: str,
    limits: Limits,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> TextRead:
    """Read ``path`` into the tables ``raw`` (row number, then one text column per
    header) and ``rejects`` (row number, reason, the row's cells as JSON)."""
    encoding = codecs.lookup(encoding).name if encoding else detect_encoding(path)
    notes = []
    if encoding not in ("utf-8", "ascii"):
        notes.append(f"read as {encoding} and converted to UTF-8")
    elif encoding == "utf-8" and _starts_with_bom(path):
        notes.append("UTF-8 with a byte-order mark")
    if delimiter is None:
        delimiter = sniff_delimiter(_sample(path, encoding))
    counted: list[_Counted] = []
    try:
        with _text(path, encoding, limits, counted) as text:
            read = _rows(db, text, delimiter, raw, rejects, row, limits, path.name)
        if read.last_record is not None:  # on several lines: does its quote close?
            with _text(path, encoding, limits, []) as text:
                _check_closed(text, *read.last_record, delimiter, path.name)
    except UnicodeDecodeError:
        raise ReadError(
            f"the file is not valid {encoding} near byte {counted[0].count:,}: name the right "
            "encoding with --encoding, or save the file as UTF-8"
        ) from None
    except csv.Error as e:
        raise ReadError(f"{path.name!r}: {e}") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ReadError(f"{path.name!r} is not a readable gzip file ({e})") from None
    read.encoding, read.delimiter, read.notes = encoding, delimiter, notes + read.notes
    return read


@contextmanager
def _text(path: Path, encoding: str, limits: Limits, counted: list[_Counted]) -> Iterator[IO[str]]:
    """The file as text (unpacked, decoded, a UTF-8 byte-order mark dropped), refused
    past the size limit."""
    try:
        inner = open_bytes(path)
    except OSError as e:
        raise ReadError(f"cannot read {path.name!r}: {e}") from None
    counter = _Counted(inner, limits.max_bytes, limits, path.name)
    counted.append(counter)
    reading = "utf-8-sig" if encoding == "utf-8" else encoding
    buffered = io.BufferedReader(counter, buffer_size=CHUNK_BYTES)
    with inner, io.TextIOWrapper(buffered, encoding=reading, newline="") as text:
        yield text


def _sample(path: Path, encoding: str) -> str:
    """The start of the file as text, to find the delimiter in."""
    with open_bytes(path) as f:
        data = f.read(SAMPLE_BYTES)
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(data).lstrip("\ufeff")


def _starts_with_bom(path: Path) -> bool:
    with open_bytes(path) as f:
        return f.read(3) == codecs.BOM_UTF8


def _rows(
    db: Staging,
    text: IO[str],
    delimiter: str,
    raw: str,
    rejects: str,
    row: str,
    limits: Limits,
    name: str,
) -> TextRead:
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    header = next(reader, None)
    if not header:
        raise ReadError(f"{name!r} is empty: its first line should name the columns")
    columns, notes = unique_headers(header)
    width = len(columns)
    quoted = ", ".join(_quote(c) + " VARCHAR" for c in columns)
    db.execute(f"CREATE TEMP TABLE {raw} ({_quote(row)} BIGINT, {quoted})", raw)
    db.execute(
        f"CREATE TEMP TABLE {rejects} ({_quote(row)} BIGINT, reason VARCHAR, cells VARCHAR)",
        rejects,
    )
    numbers: list[int] = []
    records: list[list[str]] = []
    refused: list[tuple[int, str, str]] = []
    n = 0
    max_rows = limits.max_rows
    before = reader.line_num  # lines read before the record
    start = span = 0
    for record in reader:
        start, span, before = before + 1, reader.line_num - before, reader.line_num
        if not record:  # a blank line
            continue
        n += 1
        if n > max_rows:
            raise limits.too_many_rows(name)
        if len(record) != width:
            if len(record) > width and any(c.strip() for c in record[width:]):
                refused.append(
                    (n, _too_wide(record, width), json.dumps(record, ensure_ascii=False))
                )
                continue
            record = (record + [""] * (width - len(record)))[:width]
        numbers.append(n)
        records.append(record)
        if len(records) >= CHUNK_ROWS:
            _flush(db, raw, row, width, numbers, records)
            numbers, records = [], []
    _flush(db, raw, row, width, numbers, records)
    if refused:
        table = pa.table(
            {
                row: pa.array([r[0] for r in refused], pa.int64()),
                "reason": pa.array([r[1] for r in refused], pa.string()),
                "cells": pa.array([r[2] for r in refused], pa.string()),
            }
        )
        with db.registered("rejects_input", table):
            db.execute(f"INSERT INTO {rejects} SELECT * FROM rejects_input", rejects)
    last = (start, span) if span > 1 else None
    return TextRead(columns, n, len(refused), "", delimiter, notes, last)


def _too_wide(record: list[str], width: int) -> str:
    extra = sum(1 for c in record[width:] if c.strip())
    reason = reasons.TOO_WIDE if extra > 1 else reasons.TOO_WIDE_BY_ONE
    return reason.text(cells=len(record), columns=width, extra=extra)


def _check_closed(text: IO[str], first_line: int, lines: int, delimiter: str, name: str) -> None:
    """The last record (``lines`` lines from ``first_line``), read again strictly: a
    quote that opens and never closes took in the rest of the file."""
    record = [line for number, line in enumerate(text, start=1) if number >= first_line]
    try:
        list(csv.reader(record, delimiter=delimiter, strict=True))
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise ReadError(
                f"{name!r} line {first_line:,}: a quoted value starts there and never "
                'ends (a closing " is missing), so the rest of the file would be read as one '
                "value: fix the quote"
            ) from None


def _flush(
    db: Staging,
    raw: str,
    row: str,
    width: int,
    numbers: list[int],
    records: list[list[str]],
) -> None:
    """Append rows to ``raw``; an empty cell is NULL, as in the other formats."""
    if not numbers:
        return
    arrays = {row: pa.array(numbers, pa.int64())}
    for i, values in enumerate(zip(*records, strict=True)):
        arrays[f"c{i}"] = pa.array(list(values), pa.string())  # a tuple is 30x slower
    cells = ", ".join(f"NULLIF(c{i}, '')" for i in range(width))
    with db.registered("raw_input", pa.table(arrays)):
        db.execute(f"INSERT INTO {raw} SELECT {_quote(row)}, {cells} FROM raw_input", raw)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
