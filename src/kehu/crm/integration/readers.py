"""Any input file as one DuckDB table of text columns with a row number.

CSV/TSV (RFC 4180 quoting, any delimiter, gzipped or not: see
:mod:`~kehu.crm.integration.textfiles`), Excel (.xlsx, .xls, .ods through
python-calamine), Parquet and JSON lines. A file that is not UTF-8 (GBK, GB18030, Big5,
Latin-1, ...) is detected by charset-normalizer on its first 256 KiB and decoded as it
is read, so memory does not grow with the file. The import's staging database
(:mod:`~kehu.crm.integration.staging`) keeps the table on disk beyond its memory limit,
in the import's own temporary folder (bounded, and removed however the import ends: see
:mod:`~kehu.crm.integration.workdirs`).

Before anything is read the file is checked once against the import limits (what it
unpacks to, its rows, the extent of a spreadsheet: :mod:`~kehu.crm.integration.packed`).
Rows the reader cannot place (more cells than columns) go to :data:`REJECTS` with their
reason; every other row is in :data:`RAW`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from kehu.crm.integration.limits import MB, LimitError, Limits, ReadError
from kehu.crm.integration.packed import check_file
from kehu.crm.integration.staging import QueryError, Staging
from kehu.crm.integration.textfiles import detect_encoding, load_text, unique_headers
from kehu.crm.integration.workdirs import make_workdir, remove_workdir

__all__ = ["RAW", "REJECTS", "ROW", "LimitError", "ReadError", "Source", "detect_encoding"]

RAW = "import_raw"
REJECTS = "import_rejects"
ROW = "__row"
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
READABLE = TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES


@dataclass
class Source:
    """A file loaded into ``staging`` as the tables :data:`RAW` and :data:`REJECTS`;
    ``rows`` counts both (every data row of the file)."""

    staging: Staging
    columns: list[str]
    rows: int
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    workdir: Path | None = None
    rejected: int = 0

    def close(self) -> None:
        self.staging.close()
        if self.workdir is not None:
            remove_workdir(self.workdir)


def connect(workdir: Path, memory_limit: str = "512MB", limits: Limits | None = None) -> Staging:
    """A staging database spilling to ``workdir``, in the business's time zone."""
    limits = limits or Limits.from_settings()
    return Staging(
        workdir,
        memory_limit=memory_limit,
        # what it spills: the file's rows and their checked copies, a few times over
        max_temp_mb=max(4 * limits.max_bytes // MB, 1024),
        time_zone=settings.TIME_ZONE,
    )


def suffixes_of(path: Path | str) -> str:
    """``.csv``, ``.csv.gz``, ... (lower case) as the reader goes by them."""
    return "".join(Path(path).suffixes).lower()


def unreadable(name: str) -> ReadError:
    return ReadError(
        f"cannot read {name!r}: use CSV/TSV (optionally .gz), Excel (.xlsx, .xls, .ods), "
        "Parquet or JSON lines (.jsonl)"
    )


def check_source(path: Path, limits: Limits | None = None) -> None:
    """The checks made once before a file is read (see :mod:`.packed`)."""
    if not path.is_file():
        raise ReadError(f"file {str(path)!r} does not exist")
    if not suffixes_of(path).removesuffix(".gz").endswith(READABLE):
        raise unreadable(path.name)
    check_file(path, limits or Limits.from_settings())


def read_file(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    checked: bool = False,
    limits: Limits | None = None,
) -> Source:
    """Load ``path`` as the table :data:`RAW`: every column as text, plus :data:`ROW`
    (1 for the first data row). ``checked``: :func:`check_source` passed already (the
    wizard checks an upload once, when it arrives)."""
    limits = limits or Limits.from_settings()
    if not checked:
        check_source(path, limits)
    elif not path.is_file():
        raise ReadError(f"file {str(path)!r} does not exist")
    workdir = make_workdir()
    try:
        staging = connect(workdir, limits=limits)
    except BaseException:
        remove_workdir(workdir)
        raise
    source = Source(staging, [], 0, workdir=workdir)
    try:
        _load(source, path, encoding, delimiter, sheet, limits)
    except QueryError as e:  # the message says what DuckDB found; the query is chained
        source.close()
        raise ReadError(f"cannot read {path.name!r}: {e.reason.splitlines()[0]}") from e
    except BaseException:  # a limit, a bad file, or the process being stopped
        source.close()
        raise
    if not source.columns:
        source.close()
        raise ReadError(f"{path.name!r} has no columns")
    return source


def _load(
    source: Source,
    path: Path,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    limits: Limits,
) -> None:
    suffixes = suffixes_of(path).removesuffix(".gz")
    if suffixes.endswith(EXCEL_SUFFIXES):
        _load_excel(source, path, sheet, limits)
    elif suffixes.endswith(PARQUET_SUFFIXES):
        _load_select(source, f"SELECT * FROM read_parquet({_literal(path)})", path, limits)
    elif suffixes.endswith(JSON_SUFFIXES):
        select = f"SELECT * FROM read_json({_literal(path)}, format = 'newline_delimited')"
        _load_select(source, select, path, limits)
    elif suffixes.endswith(TEXT_SUFFIXES):
        tsv = suffixes.endswith(".tsv")
        read = load_text(
            source.staging,
            path,
            raw=RAW,
            rejects=REJECTS,
            row=ROW,
            limits=limits,
            encoding=encoding,
            delimiter=delimiter or ("\t" if tsv else None),
        )
        source.columns, source.rows, source.rejected = read.columns, read.rows, read.rejected
        source.encoding, source.delimiter = read.encoding, read.delimiter
        source.notes += read.notes
    else:
        raise unreadable(path.name)


_REJECTS_TABLE = f"CREATE TEMP TABLE {REJECTS} ({ROW} BIGINT, reason VARCHAR, cells VARCHAR)"


def _literal(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_select(source: Source, select: str, path: Path, limits: Limits) -> None:
    """``select`` as the text table with row numbers (never more rows than the limit
    allows: one more is read to tell)."""
    db = source.staging
    names = [d[0] for d in db.rows(f"DESCRIBE {select}", f"the columns of {path.name}")]
    columns, notes = unique_headers(names)
    text = ", ".join(
        f"CAST({_quote(n)} AS VARCHAR) AS {_quote(c)}" for n, c in zip(names, columns, strict=True)
    )
    db.execute(
        f"CREATE TEMP TABLE {RAW} AS SELECT ROW_NUMBER() OVER () AS {ROW}, {text} "
        f"FROM ({select} LIMIT {limits.max_rows + 1})",
        RAW,
    )
    db.execute(_REJECTS_TABLE, REJECTS)
    source.columns = columns
    source.notes += notes
    source.rows = db.one(f"SELECT COUNT(*) FROM {RAW}", RAW)[0]
    if source.rows > limits.max_rows:
        raise limits.too_many_rows(path.name)


def _load_excel(source: Source, path: Path, sheet: str | None, limits: Limits) -> None:
    import pandas as pd
    from python_calamine import CalamineError

    try:
        frame = pd.read_excel(
            path, sheet_name=sheet or 0, header=None, dtype=str, engine="calamine"
        )
    except (ValueError, KeyError, IndexError) as e:
        raise ReadError(f"cannot read {path.name!r}: {e}") from e
    except (CalamineError, OSError, UnicodeDecodeError) as e:
        raise ReadError(
            f"cannot read {path.name!r} as a spreadsheet ({e}): it is not an Excel or "
            "OpenDocument file, or it is damaged; save it again, or export it as CSV"
        ) from e
    if frame.empty:
        raise ReadError(f"{path.name!r} has no columns")
    header = ["" if pd.isna(v) else str(v) for v in frame.iloc[0]]
    frame = frame.iloc[1:]
    if len(frame) > limits.max_rows:
        raise limits.too_many_rows(path.name)
    frame.columns = [f"c{i}" for i in range(len(header))]
    columns, notes = unique_headers(header)
    text = ", ".join(f"CAST(c{i} AS VARCHAR) AS {_quote(c)}" for i, c in enumerate(columns))
    db = source.staging
    with db.registered("excel_frame", frame):
        db.execute(
            f"CREATE TEMP TABLE {RAW} AS SELECT ROW_NUMBER() OVER () AS {ROW}, {text} "
            "FROM excel_frame",
            RAW,
        )
    db.execute(_REJECTS_TABLE, REJECTS)
    source.columns, source.notes = columns, source.notes + notes
    source.rows = db.one(f"SELECT COUNT(*) FROM {RAW}", RAW)[0]
