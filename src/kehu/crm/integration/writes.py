"""The database side of an import: look up records by natural key and insert rows in
bulk (``executemany``, no ORM objects), inside the batch's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models

from kehu.crm.bulk import quoted_column
from kehu.crm.bulk import quoted_table as table  # the name the import modules use
from kehu.crm.customers.actions import CODE_PREFIX, format_code
from kehu.crm.customers.models import Customer, CustomerSearchTerm
from kehu.crm.customers.search import terms_for


@dataclass(frozen=True)
class ImportBy:
    """Who wrote a batch and why, for the change history of what it wrote."""

    reason: str = "import"
    user_id: int | None = None


#: Values per IN list (SQLite allows 32,766 parameters).
CHUNK = 5000


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def select_in(
    values: Sequence[Any], query: Callable[[str], str], mark: str = "%s"
) -> list[tuple[Any, ...]]:
    """The rows of ``query(marks)`` run on ``values`` a chunk at a time, ``marks`` being
    the placeholders of the chunk's ``IN (...)`` list (``mark`` each); the rows of each
    chunk in the order the query gives them, chunk after chunk."""
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in chunks(values):
            cursor.execute(query(", ".join([mark] * len(chunk))), chunk)
            rows.extend(cursor.fetchall())
    return rows


def existing_ids(model: type[models.Model], field: str, values: Sequence[Any]) -> dict[Any, int]:
    """``{value: id}`` for the records whose ``field`` is one of ``values``."""
    column = quoted_column(model, field)
    query = f"SELECT {column}, id FROM {table(model)} WHERE {column} IN "
    return dict(select_in(values, lambda marks: f"{query}({marks})"))


def ids_by_lower(model: type[models.Model], field: str, values: Sequence[str]) -> dict[str, int]:
    """``{lower-case value: id}`` for the records whose ``field`` equals one of
    ``values`` whatever the case (the database's ``LOWER`` on both sides)."""
    column = quoted_column(model, field)
    found: dict[str, int] = {}
    rows = select_in(
        values,
        lambda marks: (
            f"SELECT {column}, id FROM {table(model)} WHERE LOWER({column}) IN ({marks}) "
            "ORDER BY id"
        ),
        mark="LOWER(%s)",
    )
    for value, pk in rows:
        found.setdefault(value.lower(), pk)
    return found


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (values of ``fields``); every other column gets the model's
    default (the ORM is bypassed, so the database would otherwise see NULLs)."""
    if not rows:
        return
    extra = _defaults(model, fields)
    names = [*fields, *extra]
    tail = tuple(extra.values())
    columns = ", ".join(quoted_column(model, f) for f in names)
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table(model)} ({columns}) VALUES ({marks})",
            [row + tail for row in rows] if tail else rows,
        )


def _defaults(model: type[models.Model], given: Sequence[str]) -> dict[str, Any]:
    now = datetime.now(UTC)
    out: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in given or field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            out[field.name] = now
        elif field.has_default():
            out[field.name] = field.get_prep_value(field.get_default())
        elif isinstance(field, models.CharField | models.TextField):
            out[field.name] = ""
    return out


def next_code_number() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(code) FROM {table(Customer)} WHERE code LIKE %s", [CODE_PREFIX + "%"]
        )
        (latest,) = cursor.fetchone()
    digits = (latest or "")[len(CODE_PREFIX) :]
    return int(digits) + 1 if digits.isdigit() else 1


def create_customers(
    external_ids: Sequence[str], countries: Sequence[str], now: datetime
) -> dict[str, int]:
    """Customers known only by the id another system gives them (named after it until
    someone renames them), with their search terms. Returns ``{external id: id}``."""
    start = next_code_number()
    rows = []
    for i, (ext, country) in enumerate(zip(external_ids, countries, strict=True)):
        rows.append(
            (
                format_code(start + i),
                ext[:100],
                Customer.Kind.COMPANY,
                f"Customer {ext}"[:200],
                Customer.Status.ACTIVE,
                (country or "")[:100],
                now,
                now,
            )
        )
    insert_rows(
        Customer,
        ["code", "external_id", "kind", "name", "status", "country", "created_at", "updated_at"],
        rows,
    )
    ids = existing_ids(Customer, "external_id", list(external_ids))
    terms = [
        (ids[ext], term)
        for (code, ext, _kind, name, *_rest) in rows
        for term in terms_for(name, code)
    ]
    insert_rows(CustomerSearchTerm, ["customer", "term"], terms)
    return ids


def record_history(
    model: type[models.Model], ids: Sequence[int], history_type: str, by: ImportBy
) -> None:
    """Rows in the model's change history (simple-history) for records written in bulk:
    ``history_type`` is ``+`` (created) or ``~`` (changed); their values are read back
    from the table, so they are what is now stored."""
    manager = getattr(model, "history", None)
    if manager is None or not ids:
        return
    historical = manager.model
    own = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(f.column) for f in historical._meta.concrete_fields if f.name not in own
    )
    extra = ", ".join(
        quote(historical._meta.get_field(f).column)
        for f in ("history_date", "history_type", "history_change_reason", "history_user")
    )
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        for chunk in chunks(list(ids)):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table(historical)} ({columns}, {extra}) "
                f"SELECT {columns}, %s, %s, %s, %s FROM {table(model)} WHERE id IN ({marks})",
                [now, history_type, by.reason[:100], by.user_id, *chunk],
            )


def changed(
    model: type[models.Model], proposals: list[tuple[int, dict[str, Any]]]
) -> list[tuple[int, dict[str, Any]]]:
    """The proposals (record id, new values by field; ``None`` keeps the stored value)
    that would change what is stored: a row that repeats its record writes nothing, not
    even a line in the change history."""
    if not proposals:
        return []
    fields = sorted({name for _pk, values in proposals for name in values})
    attnames = [model._meta.get_field(name).attname for name in fields]
    stored: dict[int, dict[str, Any]] = {}
    ids = sorted({pk for pk, _values in proposals})
    for chunk in chunks(ids):
        for pk, *values in model._base_manager.filter(pk__in=chunk).values_list("pk", *attnames):
            stored[pk] = dict(zip(fields, values, strict=True))
    return [
        (pk, values)
        for pk, values in proposals
        if any(v is not None and v != stored[pk][name] for name, v in values.items())
    ]
