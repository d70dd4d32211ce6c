"""Record entities (contacts, products, interactions, tickets, opportunities): one input
row per record, each cell read and checked by the kind its field declares in
:mod:`~kehu.crm.integration.fields`.

- A row is quarantined, with the first reason that applies, when a required field is
  empty, a value does not read as its kind (a date, a number, one of the choices, an
  email address), is out of range or too long, or names a customer, order or user that
  is not in the CRM (import those first, or fix the reference).
- A record is identified by its id in the file ("external id") or, without one, by its
  natural key (a contact: its customer and name; a ticket: customer, opening
  time and subject; a product: its code). A row whose record exists, in the database
  or on an earlier row, is merged: its non-empty values replace the stored ones, so
  re-importing a file changes nothing.
- Product categories named by the rows are created when new.
- Created and changed records are written to the change history of the models that
  keep one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, models
from django.utils import translation

from kehu.crm.integration import normalise as n
from kehu.crm.integration import reasons
from kehu.crm.integration.fields import FIELDS, Field
from kehu.crm.integration.readers import RAW, ROW
from kehu.crm.integration.references import RESOLVERS
from kehu.crm.integration.staging import Staging
from kehu.crm.integration.writes import (
    ImportBy,
    changed,
    existing_ids,
    ids_by_lower,
    insert_rows,
    record_history,
    table,
)

REFERENCES = tuple(RESOLVERS)
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
#: Extra values for the records a batch creates, by field: ``{field: [value per record]}``.
Extras = Callable[[list[dict[str, Any]], datetime], dict[str, list[Any]]]


#: why a reference that is not in the CRM stops the row, by the kind of reference
MISSING_REFERENCE = {
    "customer": reasons.NO_CUSTOMER,
    "order": reasons.NO_ORDER,
    "user": reasons.NO_USER,
    "invoice": reasons.NO_INVOICE,
}


def _words(field: Field) -> dict[str, str]:
    """Input words (lower case) for each stored value of a choice: the value, its
    English and Chinese labels and the field's aliases."""
    words: dict[str, str] = {}
    if field.choices is not None:
        for value, label in field.choices.choices:
            words[value.lower()] = value
            words[value.replace("_", " ")] = value
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    words[str(label).lower()] = value
    for word, value in field.aliases:
        words[word.lower()] = value
    return words


@dataclass(frozen=True)
class RecordEntity:
    entity: str
    model: type[models.Model]
    #: SQL over the read cells that identifies a record when the file has no id for it
    natural_key: tuple[str, ...]
    PREVIEW_FIELDS: tuple[str, ...]
    #: the model field holding the key (``source_key``, or a unique field such as ``sku``)
    key_field: str = "source_key"
    #: the key matches whatever its case (a product code): records are found by the
    #: lower-case key, and a stored record keeps its spelling
    key_ignores_case: bool = False
    extras: Extras | None = None
    #: adjusts the values of records about to be changed: ``(id, values)`` pairs
    on_update: Callable[[list[tuple[int, dict[str, Any]]], datetime], None] | None = None
    #: more ``(condition, reason)`` SQL pairs over the read cells (several cells at once,
    #: or the CRM's tables staged by ``resolve_references``); takes ``latest``
    row_checks: Callable[[str | None], list[tuple[str, str]]] | None = None
    #: called with the ids of the records a batch created or changed (in its transaction)
    after_batch: Callable[[list[int]], None] | None = None

    ROWS: ClassVar[str] = "import_rows"

    @property
    def fields(self) -> tuple[Field, ...]:
        return FIELDS[self.entity]

    @property
    def DATE_FIELDS(self) -> tuple[str, ...]:  # noqa: N802 (the entity modules' name)
        return tuple(f.name for f in self.fields if f.kind in ("timestamp", "date"))

    @property
    def NUMBER_FIELDS(self) -> tuple[str, ...]:  # noqa: N802
        return tuple(f.name for f in self.fields if f.kind in ("number", "integer"))

    # -- checking, in the staging database ---------------------------------------------

    def resolve_references(self, db: Staging, mapping: dict[str, str]) -> None:
        """``ref_<field>`` tables: the file's references that name a record in the CRM."""
        for field in self.fields:
            if field.kind not in REFERENCES:
                continue
            column = mapping.get(field.name)
            keys = []
            if column is not None:
                rows = db.rows(
                    f"SELECT DISTINCT {n.identifier(column)} FROM {RAW}", f"ref_{field.name}"
                )
                keys = [k for (k,) in rows if k is not None]
            found = RESOLVERS[field.kind](keys)
            arrow = pa.table(
                {
                    "ref_key": pa.array(list(found), pa.string()),
                    "ref_id": pa.array(list(found.values()), pa.int64()),
                }
            )
            with db.registered("ref_input", arrow):
                db.materialize(f"ref_{field.name}", "SELECT * FROM ref_input")

    def prepare_sql(
        self,
        mapping: dict[str, str],
        date_format: str | None,
        decimal_comma: bool,
        *,
        latest: str | None = None,
    ) -> str:
        """``latest``: SQL timestamp beyond which a time something happened (a
        ``timestamp`` field: an interaction, a ticket opened or closed) is quarantined
        as unconfirmed; dates ahead by nature (``date`` fields: an expected close) are
        not bounded."""
        with translation.override("en"):
            cells, raws, joins, resolved, checks = [], [], [], [], []
            for field in self.fields:
                column = mapping.get(field.name)
                value, check = self._cell(field, column, date_format, decimal_comma, latest)
                name = n.quote(field.name)
                cells.append(f"{value} AS {name}")
                raws.append(f"{n.text(column)} AS {n.quote('raw_' + field.name)}")
                if field.kind in REFERENCES:
                    alias = f"r_{field.name}"
                    joins.append(
                        f"LEFT JOIN ref_{field.name} {alias} ON {alias}.ref_key = c.{name}"
                    )
                    resolved.append(f"{alias}.ref_id AS {n.quote(field.name + '_id')}")
                checks += check
            if self.row_checks is not None:
                checks += self.row_checks(latest)
        reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in checks) + " END"
        natural = " || chr(31) || ".join(
            f"COALESCE(CAST({e} AS VARCHAR), '')" for e in self.natural_key
        )
        if self.key_field == "source_key":
            key = f"COALESCE('id:' || external_id, 'key:' || MD5({natural}))"
        else:
            key = f"LOWER({natural})" if self.key_ignores_case else natural
        return f"""
        CREATE OR REPLACE TEMP TABLE {self.ROWS} AS
        WITH c AS (
            SELECT {ROW} AS row_number, {", ".join(cells)}, {", ".join(raws)} FROM {RAW}
        ), resolved AS (
            SELECT c.*{"".join(", " + r for r in resolved)} FROM c {" ".join(joins)}
        ), checked AS (
            SELECT *, {reason} AS reason, {key} AS record_key FROM resolved
        )
        SELECT *, CASE WHEN reason IS NULL THEN MIN(CASE WHEN reason IS NULL THEN row_number
            END) OVER (PARTITION BY record_key) END AS first_copy
        FROM checked
        """

    def _cell(
        self,
        field: Field,
        column: str | None,
        date_format: str | None,
        decimal_comma: bool,
        latest: str | None = None,
    ) -> tuple[str, list[tuple[str, str]]]:
        """The SQL that reads the cell, and ``(condition, reason)`` pairs that reject it."""
        name = n.quote(field.name)
        raw = n.quote("raw_" + field.name)
        label = reasons.literal(str(field.label))
        checks: list[tuple[str, str]] = []
        if field.required:
            checks.append((f"{raw} IS NULL", reasons.MISSING.sql(field=label)))
        kind = field.kind
        if kind in ("text", "email", "category") or kind in REFERENCES:
            is_id = kind in REFERENCES or field.name == "external_id"
            value = n.identifier(column) if is_id else n.text(column)
            if kind == "email":
                value = f"LOWER({value})"
                checks.append(
                    (
                        f"{name} IS NOT NULL AND NOT regexp_matches({name}, '{EMAIL}')",
                        reasons.NOT_AN_EMAIL.sql(field=label, value=raw),
                    )
                )
            if field.max_length:
                checks.append(
                    (
                        f"LENGTH({name}) > {field.max_length}",
                        reasons.TOO_LONG.sql(
                            field=label, most=reasons.literal(str(field.max_length))
                        ),
                    )
                )
            if kind in REFERENCES:
                checks.append(
                    (
                        f"{name} IS NOT NULL AND {n.quote(field.name + '_id')} IS NULL",
                        MISSING_REFERENCE[kind].sql(field=label, value=name),
                    )
                )
        elif kind in ("choice", "bool"):
            words = _words(field)
            pairs = ", ".join(
                f"{reasons.literal(k)}: {reasons.literal(v)}" for k, v in words.items()
            )
            value = f"MAP {{{pairs}}}[LOWER({n.text(column)})]"
            allowed = (
                reasons.YES_OR_NO
                if kind == "bool"
                else ", ".join(v for v, _label in field.choices.choices)  # type: ignore[union-attr]
            )
            checks.append(
                (
                    f"{name} IS NULL AND {raw} IS NOT NULL",
                    reasons.NOT_ONE_OF.sql(
                        field=label, value=raw, allowed=reasons.literal(allowed)
                    ),
                )
            )
        elif kind in ("number", "integer"):
            value = n.number(column, decimal_comma)
            checks.append(
                (
                    f"({name} IS NULL OR NOT isfinite({name})) AND {raw} IS NOT NULL",
                    reasons.NOT_A_NUMBER.sql(field=label, value=raw),
                )
            )
            model_field = self.model._meta.get_field(field.name)
            if isinstance(model_field, models.DecimalField):  # what the column can hold
                places = model_field.decimal_places
                limit = 10 ** (model_field.max_digits - places)
                most = f"{limit - 1:,}.99"
                checks.append(
                    (
                        f"ABS(ROUND({name}, {places})) >= {limit}",
                        reasons.TOO_LARGE.sql(field=label, value=raw, most=reasons.literal(most)),
                    )
                )
            if kind == "integer":
                checks.append(
                    (f"{name} <> ROUND({name})", reasons.NOT_WHOLE.sql(field=label, value=raw))
                )
            if field.low is not None:
                checks.append(
                    (
                        f"{name} < {field.low}",
                        reasons.BELOW.sql(
                            field=label, value=raw, low=reasons.literal(f"{field.low:g}")
                        ),
                    )
                )
            if field.high is not None:
                checks.append(
                    (
                        f"{name} > {field.high}",
                        reasons.ABOVE.sql(
                            field=label, value=raw, high=reasons.literal(f"{field.high:g}")
                        ),
                    )
                )
        elif kind in ("timestamp", "date"):
            value = n.timestamp(column, date_format)
            if kind == "date":
                value = f"CAST({value} AS DATE)"
            checks.append(
                (
                    f"{name} IS NULL AND {raw} IS NOT NULL",
                    reasons.NOT_A_DATE.sql(field=label, value=raw),
                )
            )
            if kind == "timestamp" and latest:
                days = reasons.literal(str(n.future_days()))
                future = reasons.IN_THE_FUTURE.sql(field=label, value=raw, days=days)
                checks.append((f"{name} > {latest}", future))
        else:
            raise ValueError(f"unknown field kind {kind!r} of {self.entity}.{field.name}")
        return value, checks

    def batch_sql(self, batch_rows: int) -> str:
        """Valid rows in batches; each carries its record's values read across all of
        the record's rows in the file (the last non-empty value of each field wins), so
        that the record is written once, as the whole file says."""
        names = [f.name for f in self._stored()]
        names += [f.name + "_id" for f in self._stored() if f.kind in REFERENCES]
        window = (
            "OVER (PARTITION BY record_key ORDER BY row_number "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        )
        folded = ", ".join(
            f"LAST_VALUE({n.quote(name)} IGNORE NULLS) {window} AS {n.quote(name)}"
            for name in names
        )
        excluded = ", ".join(n.quote(name) for name in names)
        return (
            "CREATE OR REPLACE TEMP TABLE import_batches AS "
            f"SELECT * EXCLUDE ({excluded}), {folded}, "
            f"(ROW_NUMBER() OVER (ORDER BY row_number) - 1) // {int(batch_rows)} AS batch "
            f"FROM {self.ROWS} WHERE reason IS NULL ORDER BY row_number"
        )

    def file_details(self, db: Staging) -> dict[str, int]:
        (repeated,) = db.one(
            f"SELECT COUNT(*) FILTER (WHERE reason IS NULL AND row_number <> first_copy) "
            f"FROM {self.ROWS}",
            "rows repeated in the file",
        )
        return {"repeated_in_file": repeated}

    # -- writing, in the CRM's database --------------------------------------------

    def apply_batch(
        self, rows: pa.Table, now: datetime | None = None, by: ImportBy | None = None
    ) -> dict[str, int]:
        """Write one batch (call inside a transaction): each record once, from its first
        row in the file (which carries the values of all its rows); the other rows are
        merged. Returns ``imported`` and ``merged`` row counts."""
        now = now or datetime.now(UTC)
        by = by or ImportBy()
        rows_in = rows.num_rows
        firsts = rows.filter(pc.equal(rows["row_number"], rows["first_copy"])).to_pylist()
        found = self._existing(firsts)
        categories, categories_created = self._categories(firsts)
        values = [{f.name: self._value(f, r, categories) for f in self._stored()} for r in firsts]
        if self.key_ignores_case:  # "abc" updates "ABC" and leaves its spelling
            for r, v in zip(firsts, values, strict=True):
                if r["record_key"] in found:
                    v[self.key_field] = None
        new = [(r, v) for r, v in zip(firsts, values, strict=True) if r["record_key"] not in found]
        merging = [
            (found[r["record_key"]], v)
            for r, v in zip(firsts, values, strict=True)
            if r["record_key"] in found
        ]
        created = self._create(new, now)
        changed_ids = self._update(merging, now)
        record_history(self.model, sorted(created.values()), "+", by)
        record_history(self.model, changed_ids, "~", by)
        if self.after_batch is not None:
            self.after_batch(sorted({*created.values(), *changed_ids}))
        counts = {"imported": len(new), "merged": rows_in - len(new)}
        if categories_created:
            counts["categories_created"] = categories_created
        return counts

    def _stored(self) -> list[Field]:
        """Fields with a column of their own (the external id lives in the key)."""
        return [f for f in self.fields if f.name != "external_id"]

    def _value(self, field: Field, record: dict[str, Any], categories: dict[str, int]) -> Any:
        value = record[field.name]
        if value is None:
            return None
        kind = field.kind
        if kind in REFERENCES:
            return record[field.name + "_id"]
        if kind == "category":
            return categories[value]
        if kind == "bool":
            return value == "1"
        if kind == "integer":
            return int(value)
        if kind == "number":
            places = self.model._meta.get_field(field.name).decimal_places
            return Decimal(f"{value:.{places}f}")
        if kind == "timestamp":
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if kind == "date":
            return value if isinstance(value, date) else value.date()
        return value

    def _create(self, new: list[tuple[dict[str, Any], dict[str, Any]]], now: datetime) -> dict:
        """Insert the new records (model defaults where the file is silent)."""
        if not new:
            return {}
        fields = [f.name for f in self._stored()]
        extra = self.extras([v for _r, v in new], now) if self.extras else {}
        for _record, values in new:
            for name in fields:
                if values[name] is None:
                    values[name] = _default(self.model._meta.get_field(name))
        key_column = [] if self.key_field in fields else [self.key_field]
        columns = [*fields, *key_column, *[e for e in extra if e not in fields]]
        rows = []
        for i, (record, values) in enumerate(new):
            if not self.key_ignores_case:  # else the field holds the file's spelling
                values[self.key_field] = record["record_key"]
            for name, column in extra.items():
                values[name] = column[i]
            rows.append(tuple(values[c] for c in columns))
        insert_rows(self.model, columns, rows)
        return self._existing([r for r, _v in new])

    def _existing(self, records: list[dict[str, Any]]) -> dict[str, int]:
        """``{record key: id}`` of the records already stored."""
        if self.key_ignores_case:
            return ids_by_lower(self.model, self.key_field, [r[self.key_field] for r in records])
        return existing_ids(self.model, self.key_field, [r["record_key"] for r in records])

    def _update(self, merging: list[tuple[int, dict[str, Any]]], now: datetime) -> list[int]:
        """Non-empty values replace the stored ones; returns the records that changed."""
        if self.on_update and merging:
            self.on_update(merging, now)
        proposals = changed(self.model, merging)
        if not proposals:
            return []
        quote = connection.ops.quote_name
        names = list(proposals[0][1])
        columns = [quote(self.model._meta.get_field(name).column) for name in names]
        sets = ", ".join(f"{c} = COALESCE(%s, {c})" for c in columns)
        stamp: tuple[Any, ...] = ()
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            sets += f", {quote('updated_at')} = %s"
            stamp = (now,)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table(self.model)} SET {sets} WHERE id = %s",
                [(*[values[name] for name in names], *stamp, pk) for pk, values in proposals],
            )
        return sorted({pk for pk, _values in proposals})

    def _categories(self, records: list[dict[str, Any]]) -> tuple[dict[str, int], int]:
        """Product categories by name, created when new."""
        names = [
            r[f.name] for f in self.fields if f.kind == "category" for r in records if r[f.name]
        ]
        if not names:
            return {}, 0
        model = self.model._meta.get_field(
            next(f.name for f in self.fields if f.kind == "category")
        ).related_model
        unique = list(dict.fromkeys(names))
        found = existing_ids(model, "name", unique)
        missing = [name for name in unique if name not in found]
        insert_rows(model, ["name"], [(name,) for name in missing])
        found.update(existing_ids(model, "name", missing))
        return found, len(missing)


def _default(field: models.Field) -> Any:
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    return None
