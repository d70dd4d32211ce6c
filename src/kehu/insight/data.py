"""Input contract of the value engine: a transaction log, whatever its shape.

One row per purchase line or order with a customer id, a timestamp and an amount (or a
quantity and a unit price), optionally an order id. Columns are detected from their
names (English and Chinese) unless given. Sources: a CSV/TSV (also gzipped) or Parquet
path, a pandas DataFrame, a polars DataFrame, an Arrow table, or a SQL query against a
SQLite or PostgreSQL database (:class:`~kehu.insight.database.DatabaseQuery`, e.g. the
CRM's own).

Returns policy (documented, applied in SQL):

- A row is a return when its amount is negative or its order id starts with ``C``
  (a cancellation invoice); a return always counts with a negative amount.
- Returns are netted against the customer's spend (``total_spend``) and reported as
  ``returned_spend``; they never count as purchases.
- A purchase day is a day with at least one positive sale line. Rows with amount 0 are
  not purchases (free items, notes).
- A customer with returns but no purchase is not modelled: reported in the row
  accounting as ``customers_only_returns``, never dropped silently.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from kehu.insight.database import DatabaseQuery, copy_postgresql, fetch_sqlite
from kehu.insight.engine import Engine
from kehu.insight.errors import InputError as InputError  # callers import it from here too
from kehu.insight.text_encoding import DELIMITERS, SAMPLE_BYTES, text_encoding, text_sample

RAW = "kehu_raw"
TRANSACTIONS = "kehu_transactions"


_CANDIDATES: dict[str, tuple[str, ...]] = {
    "customer": (
        "customer_id",
        "customerid",
        "customer",
        "cust_id",
        "custid",
        "client_id",
        "clientid",
        "member_id",
        "memberid",
        "user_id",
        "userid",
        "customer_code",
        "客户编号",
        "客户id",
        "客户代码",
        "客户",
        "会员id",
        "会员编号",
        "用户id",
    ),
    "date": (
        "occurred_at",
        "invoicedate",
        "invoice_date",
        "order_date",
        "orderdate",
        "ordered_at",
        "purchase_date",
        "transaction_date",
        "date",
        "datetime",
        "timestamp",
        "time",
        "交易日期",
        "订单日期",
        "下单时间",
        "日期",
        "时间",
        "购买日期",
    ),
    "amount": (
        "amount",
        "total_amount",
        "totalamount",
        "line_total",
        "total",
        "revenue",
        "sales",
        "spend",
        "value",
        "monetary",
        "price_total",
        "金额",
        "销售额",
        "消费金额",
        "实付金额",
        "订单金额",
    ),
    "quantity": ("quantity", "qty", "units", "数量"),
    "unit_price": ("unitprice", "unit_price", "price", "单价"),
    "order": (
        "invoiceno",
        "invoice_no",
        "invoice",
        "order",
        "order_id",
        "orderid",
        "order_no",
        "order_number",
        "transaction_id",
        "订单号",
        "订单编号",
        "发票号",
    ),
}


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z_\u3400-\u9fff]", "", name.strip().lower().replace(" ", "_"))


@dataclass(frozen=True)
class ColumnMap:
    """Which input column plays which role.

    Which input column plays which role. ``amount`` or both ``quantity`` and
    ``unit_price`` must be set.
    """

    customer: str
    date: str
    amount: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    order: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Return the column roles as a plain mapping."""
        return asdict(self)


def detect_columns(
    columns: list[str],
    customer: str | None = None,
    date: str | None = None,
    amount: str | None = None,
) -> ColumnMap:
    """Map input columns to roles by name; explicit names win.

    Map input columns to roles by name; explicit names win. Raises :class:`InputError`
    naming the role that could not be found and the columns that were there.
    """
    by_key = {_key(c): c for c in columns}
    found: dict[str, str | None] = {}
    for role, given in (("customer", customer), ("date", date), ("amount", amount)):
        if given is not None and given not in columns:
            raise InputError(
                f"column {given!r} (given for the {role}) is not in the input; found {columns}"
            )
        found[role] = given
    for role, candidates in _CANDIDATES.items():
        if found.get(role):
            continue
        found[role] = next((by_key[c] for c in candidates if c in by_key), None)
    if not found["customer"]:
        raise InputError(
            f"no customer id column found among {columns}: name it with --customer-col"
        )
    if not found["date"]:
        raise InputError(f"no date column found among {columns}: name it with --date-col")
    if amount is None and found["quantity"] and found["unit_price"]:
        found["amount"] = None  # quantity × unit price is the line amount
    elif not found["amount"]:
        raise InputError(
            f"no amount column (nor quantity and unit price) found among {columns}: "
            "name it with --amount-col"
        )
    else:
        found["quantity"] = found["unit_price"] = None
    return ColumnMap(**found)  # type: ignore[arg-type]


def register_source(
    engine: Engine, source: Any, delimiter: str | None = None, encoding: str | None = None
) -> list[str]:
    """Register the raw input as the view ``kehu_raw``; returns its column names.

    A text file is read in ``encoding``, or in the one its start shows
    (:func:`kehu.insight.text_encoding.text_encoding`: UTF-8, else a guess such as GB18030).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InputError(f"input file {str(path)!r} does not exist")
        suffixes = "".join(path.suffixes).lower()
        if suffixes.endswith((".parquet", ".pq")):
            engine.register_parquet(RAW, path)
        elif any(s in suffixes for s in (".csv", ".tsv", ".txt")):
            tab = delimiter or ("\t" if ".tsv" in suffixes else None)
            reading = text_encoding(path, encoding)
            engine.register_csv(RAW, path, tab, reading)
            _check_columns_split(path, engine.columns(RAW), reading)
        else:
            raise InputError(
                f"cannot read {path.name!r}: use a .csv, .tsv (optionally .gz) or .parquet file"
            )
    elif isinstance(source, DatabaseQuery):
        _register_query(engine, source)
    elif isinstance(source, (pd.DataFrame, pa.Table)):
        engine.register_table(RAW, source)
    elif type(source).__module__.startswith("polars"):
        engine.register_table(RAW, source.to_arrow())
    else:
        raise InputError(
            f"unsupported input of type {type(source).__name__}: give a file path, a pandas "
            "or polars DataFrame, an Arrow table or a DatabaseQuery"
        )
    return engine.columns(RAW)


def _check_columns_split(path: Path, columns: list[str], encoding: str) -> None:
    """Refuse an empty text file, or one whose lines the reader could not split at all.

    DuckDB then sees ``column0`` (an empty file) or one column named after the whole
    header line, and every role would be "not found", which says nothing of why.
    """
    text = text_sample(path, encoding)
    if not text.strip():
        raise InputError(f"{path.name} is empty: its first line should name the columns")
    one_column = len(columns) == 1 and any(sep in columns[0] for sep in DELIMITERS)
    if one_column or _last_line_taken_for_header(text, columns):
        raise InputError(
            f"{path.name}: its lines do not all split into the columns of its header "
            f"({text.splitlines()[0][:60]!r}): a line with more cells than the header (an unquoted "
            '1,234.50?) or a quote that does not close; quote such values as "1,234.50"'
        )


def _last_line_taken_for_header(text: str, columns: list[str]) -> bool:
    """Whether the reader took a small file's last line for its header.

    DuckDB does so when one line has more cells than the header: it then reads no rows.
    ``text`` is the file's sample (:func:`~kehu.insight.text_encoding.text_sample`); a
    character is at most four bytes, so a short enough sample is the whole file.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if 4 * len(text) >= SAMPLE_BYTES or len(lines) < 2:
        return False  # a sample, not the whole file; or a header alone
    last = lines[-1]
    return any(next(csv.reader([last], delimiter=d), []) == columns for d in DELIMITERS)


def _register_query(engine: Engine, query: DatabaseQuery) -> None:
    """Register a database query as the raw input of ``engine``.

    PostgreSQL results are copied to a CSV file that lives as long as the engine;
    SQLite results are fetched into Arrow.
    """
    if query.scheme == "sqlite":
        engine.register_table(RAW, fetch_sqlite(query))
        return
    folder = Path(tempfile.mkdtemp(prefix="kehu-query-"))
    weakref.finalize(engine, shutil.rmtree, folder, ignore_errors=True)
    engine.register_csv(RAW, copy_postgresql(query, folder))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text_sql(column: str) -> str:
    """Return the SQL for ``column`` as trimmed text, NULL when blank.

    Examples
    --------
    >>> print(text_sql("name"))
    NULLIF(TRIM(CAST("name" AS VARCHAR)), '')
    """
    return f"NULLIF(TRIM(CAST({_q(column)} AS VARCHAR)), '')"


def number_sql(column: str, kind: str) -> str:
    """Return the SQL for ``column`` as a finite number; anything else becomes NULL.

    ``kind`` is the column's detected kind (``"integer"``, ``"number"``, ``"text"``,
    ...): numbers are cast, anything else is read from its text. Infinities and NaN
    (``inf``, ``-inf``, ``NaN`` read from text, or stored in a float column) are no
    amount: ``x - x = 0`` holds for finite values only, on every engine.
    """
    if kind in ("integer", "number"):
        value = f"CAST({_q(column)} AS DOUBLE)"
    else:
        value = f"TRY_CAST({text_sql(column)} AS DOUBLE)"
    if kind == "integer":
        return value
    return f"CASE WHEN {value} - {value} = 0 THEN {value} END"


def _customer(column: str, kind: str) -> str:
    if kind == "integer":
        return _q(column)  # grouping on integers is cheaper than on their text
    # ids exported from floating-point columns look like "17850.0": the same customer
    return f"REGEXP_REPLACE({text_sql(column)}, '\\.0+$', '')"


def timestamp_sql(column: str, kind: str, date_format: str | None) -> str:
    """Return the SQL for ``column`` as a timestamp; text that is not a date becomes NULL.

    A ``"temporal"`` column is cast; text is parsed with ``date_format`` (strptime
    codes) when given, else by DuckDB's own date reading.
    """
    if kind == "temporal":
        return f"CAST({_q(column)} AS TIMESTAMP)"
    if date_format:
        return f"TRY_STRPTIME({text_sql(column)}, '{date_format.replace(chr(39), chr(39) * 2)}')"
    return f"TRY_CAST({text_sql(column)} AS TIMESTAMP)"


def transactions_sql(
    columns: ColumnMap, date_format: str | None = None, kinds: dict[str, str] | None = None
) -> str:
    """Return the SQL normalising the raw input to the transactions table.

    Return the SQL (DuckDB dialect, portable through SQLGlot) normalising the raw input to
    ``customer_id, occurred_at, amount, order_id, is_return`` with NULLs where a value could not be
    read (the accounting counts those rows). ``kinds`` (column → text, integer, number or temporal)
    lets typed columns skip the text round trip.
    """
    kind = (kinds or {}).get
    customer = _customer(columns.customer, kind(columns.customer, "text"))
    occurred = timestamp_sql(columns.date, kind(columns.date, "text"), date_format)
    if columns.amount:
        raw_amount = number_sql(columns.amount, kind(columns.amount, "text"))
    else:
        quantity, price = columns.quantity or "", columns.unit_price or ""
        quantity_sql = number_sql(quantity, kind(quantity, "text"))
        raw_amount = f"({quantity_sql} * {number_sql(price, kind(price, 'text'))})"
    if not columns.order:  # the sign alone says what is a return
        return (
            f"SELECT {customer} AS customer_id, {occurred} AS occurred_at, "
            f"{raw_amount} AS amount, CAST(NULL AS VARCHAR) AS order_id, "
            f"({raw_amount} < 0) AS is_return FROM {RAW}"
        )
    order = text_sql(columns.order)
    is_return = f"({raw_amount} < 0 OR COALESCE(UPPER({order}) LIKE 'C%', FALSE))"
    return (
        f"SELECT {customer} AS customer_id, {occurred} AS occurred_at, "
        f"CASE WHEN {is_return} THEN -ABS({raw_amount}) ELSE {raw_amount} END AS amount, "
        f"{order} AS order_id, {is_return} AS is_return FROM {RAW}"
    )
