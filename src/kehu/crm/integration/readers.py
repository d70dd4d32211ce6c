"""Any input file as one DuckDB table of text columns with a row number.

CSV/TSV (any delimiter DuckDB can sniff, gzipped or not), Excel (.xlsx, .xls, .ods
through python-calamine), Parquet and JSON lines. A file that is not UTF-8 (GBK,
GB18030, Big5, Latin-1, ...) is detected by charset-normalizer on its first 256 KiB and
transcoded to UTF-8 in 1 MiB chunks, so memory does not grow with the file. DuckDB
keeps the table on disk beyond its memory limit.
"""

from __future__ import annotations

import codecs
import gzip
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
from django.conf import settings

RAW = "import_raw"
ROW = "__row"
SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 1024 * 1024
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


class ReadError(ValueError):
    """The file cannot be read as given; the message says what to fix."""


@dataclass
class Source:
    """A file loaded into ``connection`` as the table :data:`RAW`."""

    connection: duckdb.DuckDBPyConnection
    columns: list[str]
    rows: int
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    workdir: tempfile.TemporaryDirectory | None = None

    def close(self) -> None:
        self.connection.close()
        if self.workdir is not None:
            self.workdir.cleanup()


def connect(workdir: Path, memory_limit: str = "512MB") -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for setting, value in (
        ("memory_limit", memory_limit),
        ("temp_directory", str(workdir)),
        ("preserve_insertion_order", True),  # row numbers = file order
        ("enable_progress_bar", False),
        # a time without an offset is the business's local time (KEHU_TIME_ZONE)
        ("TimeZone", settings.TIME_ZONE),
    ):
        connection.execute(f"SET {setting} = ?", [value]).fetchall()
    return connection


def read_file(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Source:
    """Load ``path`` as the table :data:`RAW`: every column as text, plus :data:`ROW`
    (1 for the first data row)."""
    if not path.is_file():
        raise ReadError(f"file {str(path)!r} does not exist")
    workdir = tempfile.TemporaryDirectory(prefix="kehu-import-")
    connection = connect(Path(workdir.name))
    source = Source(connection, [], 0, workdir=workdir)
    try:
        suffixes = "".join(path.suffixes).lower().removesuffix(".gz")
        if suffixes.endswith(EXCEL_SUFFIXES):
            _load_excel(source, path, sheet)
        elif suffixes.endswith((".parquet", ".pq")):
            _load_select(source, f"SELECT * FROM read_parquet({_literal(path)})")
        elif suffixes.endswith((".jsonl", ".ndjson", ".json")):
            _load_select(
                source,
                f"SELECT * FROM read_json({_literal(path)}, format = 'newline_delimited')",
            )
        elif suffixes.endswith(TEXT_SUFFIXES):
            _load_text(source, path, encoding, delimiter, suffixes.endswith(".tsv"))
        else:
            raise ReadError(
                f"cannot read {path.name!r}: use CSV/TSV (optionally .gz), Excel (.xlsx), "
                "Parquet or JSON lines (.jsonl)"
            )
    except duckdb.Error as e:
        source.close()
        raise ReadError(f"cannot read {path.name!r}: {str(e).splitlines()[0]}") from e
    except Exception:
        source.close()
        raise
    if not source.columns:
        source.close()
        raise ReadError(f"{path.name!r} has no columns")
    return source


def _literal(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _load_select(source: Source, select: str) -> None:
    """``select`` as the text table with row numbers."""
    names = [d[0] for d in source.connection.execute(f"DESCRIBE {select}").fetchall()]
    quoted = ['"' + n.replace('"', '""') + '"' for n in names]
    text = ", ".join(f"CAST({q} AS VARCHAR) AS {q}" for q in quoted)
    source.connection.execute(
        f"CREATE TEMP TABLE {RAW} AS SELECT ROW_NUMBER() OVER () AS {ROW}, {text} FROM ({select})"
    )
    source.columns = names
    source.rows = source.connection.execute(f"SELECT COUNT(*) FROM {RAW}").fetchall()[0][0]


def _open_bytes(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb")


def detect_encoding(path: Path) -> str:
    """UTF-8 when the start of the file is valid UTF-8, else charset-normalizer's guess
    (GB18030 for any GBK family guess: it is their superset)."""
    with _open_bytes(path) as f:
        sample = f.read(SAMPLE_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise ReadError(
            "cannot tell the file's text encoding: save it as UTF-8, or name it with "
            "--encoding (e.g. gb18030)"
        )
    name = codecs.lookup(best.encoding).name
    return "gb18030" if name in ("gbk", "gb2312", "hz", "gb18030", "cp936") else name


def _load_text(
    source: Source, path: Path, encoding: str | None, delimiter: str | None, tsv: bool
) -> None:
    encoding = codecs.lookup(encoding).name if encoding else detect_encoding(path)
    source.encoding = encoding
    target = path
    if encoding not in ("utf-8", "ascii"):
        target = _transcode(path, encoding, Path(source.workdir.name))
        source.notes.append(f"read as {encoding} and converted to UTF-8")
    elif encoding == "utf-8" and _has_bom(path):
        source.notes.append("UTF-8 with a byte-order mark")
    options = "header = true, all_varchar = true, strict_mode = false, null_padding = true"
    if delimiter or tsv:
        options += f", delim = {_literal(delimiter or chr(9))}"
    select = f"SELECT * FROM read_csv({_literal(target)}, {options})"
    _load_select(source, select)
    sniffed = source.connection.execute(
        f"SELECT Delimiter FROM sniff_csv({_literal(target)})"
    ).fetchone()
    source.delimiter = delimiter or (chr(9) if tsv else (sniffed[0] if sniffed else None))


def _has_bom(path: Path) -> bool:
    with _open_bytes(path) as f:
        return f.read(3) == codecs.BOM_UTF8


def _transcode(path: Path, encoding: str, folder: Path) -> Path:
    target = folder / "input.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with _open_bytes(path) as raw, target.open("w", encoding="utf-8", newline="") as out:
            while chunk := raw.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk))
                offset += len(chunk)
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as e:
        raise ReadError(
            f"the file is not valid {encoding} near byte {offset + e.start:,}: name the right "
            "encoding with --encoding, or save the file as UTF-8"
        ) from None
    return target


def _load_excel(source: Source, path: Path, sheet: str | None) -> None:
    import pandas as pd

    try:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="calamine")
    except (ValueError, KeyError) as e:
        raise ReadError(f"cannot read {path.name!r}: {e}") from e
    frame.columns = [str(c) for c in frame.columns]
    source.connection.register("excel_frame", frame)
    _load_select(source, "SELECT * FROM excel_frame")
    source.connection.unregister("excel_frame")
