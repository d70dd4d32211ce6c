"""Customer lists: one input row per customer.

A row is matched by its external id (the id in the system it comes from) or, without
one, by its email address. It is quarantined, with the first reason that applies, when
it has no name, neither an id nor an email (it could not be matched on the next
import), an email that is not an address, or a kind that is neither company nor person.
A row whose customer exists (in the database or on an earlier row) is merged: its
non-empty values replace the stored ones. Re-importing a file therefore changes nothing.

A row with an external id that is not in the CRM yet, whose email is already a
customer's, is matched by that email only when it cannot name someone else:

- the email belongs to exactly one customer without an external id (typed in by hand,
  or imported by email): the row is merged into that customer, which takes the row's
  external id (so that the next import finds it by id);
- the email belongs to customers with other external ids (in the source system they
  are different records: a shared address such as info@, or a duplicate there), or to
  several without one: the row becomes a new customer and is reported as sharing its
  email with them (``customers_sharing_email``, and the rows on the import's page), to
  be merged under Possible duplicates when they are the same. So is a new customer
  whose email another new row of the same batch has, under another external id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from django.db import connection

from kehu.crm.customers.actions import format_code
from kehu.crm.customers.models import Customer, CustomerSearchTerm
from kehu.crm.customers.search import terms_for
from kehu.crm.integration import normalise as n
from kehu.crm.integration import reasons
from kehu.crm.integration.readers import RAW, ROW
from kehu.crm.integration.references import customer_ids_by_email, customers_by_email
from kehu.crm.integration.staging import Staging
from kehu.crm.integration.writes import (
    ImportBy,
    changed,
    chunks,
    existing_ids,
    insert_rows,
    next_code_number,
    record_history,
    table,
)

ROWS = "import_rows"
DATE_FIELDS: tuple[str, ...] = ()
NUMBER_FIELDS: tuple[str, ...] = ()
PREVIEW_FIELDS = ("external_id", "name", "kind", "email", "phone", "city", "country")
TEXT_FIELDS = (
    "name",
    "email",
    "phone",
    "country",
    "region",
    "city",
    "address",
    "postal_code",
    "industry",
)
KINDS = {
    "company": "company",
    "person": "person",
    "公司": "company",
    "企业": "company",
    "个人": "person",
    "b2b": "company",
    "b2c": "person",
    "individual": "person",
}
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def prepare_sql(
    mapping: dict[str, str],
    date_format: str | None,
    decimal_comma: bool,
    *,
    latest: str | None = None,  # customer rows carry no dates
) -> str:
    col = mapping.get
    kinds = ", ".join(f"'{k}': '{v}'" for k, v in KINDS.items())
    values = ", ".join(f"{n.text(col(f))} AS {f}" for f in TEXT_FIELDS if f != "email")
    return f"""
    CREATE OR REPLACE TEMP TABLE {ROWS} AS
    WITH cells AS (
        SELECT {ROW} AS row_number, {n.identifier(col("external_id"))} AS external_id,
            LOWER({n.text(col("email"))}) AS email, {values},
            LOWER({n.text(col("kind"))}) AS raw_kind
        FROM {RAW}
    ), checked AS (
        SELECT *, COALESCE(MAP {{{kinds}}}[raw_kind], CASE WHEN raw_kind IS NULL
            THEN 'company' END) AS kind,
            CASE
                WHEN name IS NULL THEN {reasons.NO_NAME.sql()}
                WHEN external_id IS NULL AND email IS NULL
                    THEN {reasons.NOTHING_TO_MATCH.sql()}
                WHEN email IS NOT NULL AND NOT regexp_matches(email, '{EMAIL}')
                    THEN {reasons.EMAIL_NOT_AN_EMAIL.sql(value="email")}
                WHEN raw_kind IS NOT NULL AND MAP {{{kinds}}}[raw_kind] IS NULL
                    THEN {reasons.NOT_A_KIND.sql(value="raw_kind")}
            END AS reason,
            COALESCE('id:' || external_id, 'email:' || email) AS match_key
        FROM cells
    )
    SELECT *, CASE WHEN reason IS NULL THEN MIN(CASE WHEN reason IS NULL THEN row_number END)
        OVER (PARTITION BY match_key) END AS first_copy
    FROM checked
    """


#: Read across a customer's rows in the file: the last non-empty value of each wins,
#: so the record is written once, as the whole file says, and a re-import finds it so.
FOLDED = (*TEXT_FIELDS, "kind", "raw_kind")


def batch_sql(batch_rows: int) -> str:
    folded = ", ".join(
        f"LAST_VALUE({f} IGNORE NULLS) OVER (PARTITION BY match_key ORDER BY row_number "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS {f}"
        for f in FOLDED
    )
    return (
        "CREATE OR REPLACE TEMP TABLE import_batches AS "
        f"SELECT * EXCLUDE ({', '.join(FOLDED)}), {folded}, "
        f"(ROW_NUMBER() OVER (ORDER BY row_number) - 1) // {batch_rows} AS batch "
        f"FROM {ROWS} WHERE reason IS NULL ORDER BY row_number"
    )


def file_details(db: Staging) -> dict[str, int]:
    row = db.one(
        f"SELECT COUNT(*) FILTER (WHERE reason IS NULL AND row_number <> first_copy) FROM {ROWS}",
        "customers repeated in the file",
    )
    return {"repeated_in_file": row[0]}


def apply_batch(
    rows: pa.Table, now: datetime | None = None, by: ImportBy | None = None
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    by = by or ImportBy()
    everything = rows.to_pylist()
    records = [r for r in everything if r["row_number"] == r["first_copy"]]  # the rest: folded
    by_id = existing_ids(
        Customer, "external_id", [r["external_id"] for r in records if r["external_id"]]
    )
    by_email = customer_ids_by_email(
        [r["email"] for r in records if r["email"] and not r["external_id"]]
    )
    holders = customers_by_email(
        [r["email"] for r in records if r["email"] and r["external_id"] not in (None, *by_id)]
    )
    new, updates, shared = [], [], []
    for record in records:
        record["link_external_id"] = None
        if record["external_id"]:
            found = by_id.get(record["external_id"])
            if found is None and record["email"]:
                found = _by_email_with_new_id(record, holders.get(record["email"], []), shared)
        else:
            found = by_email.get(record["email"])
        if found is None:
            new.append(record)
        else:
            updates.append((found, record))
    shared += _shared_within(new, {entry["row"] for entry in shared})
    ids = _create(new, now)
    changed_ids = _update(updates, now)
    _reindex(sorted(set(ids.values()) | set(changed_ids)))
    record_history(Customer, sorted(ids.values()), "+", by)
    record_history(Customer, changed_ids, "~", by)
    merged = len(everything) - len(new)  # into a stored customer, or an earlier row
    return {
        "imported": len(new),
        "merged": merged,
        "customers_created": len(new),
        "customers_linked_by_email": sum(1 for _pk, r in updates if r["link_external_id"]),
        "customers_sharing_email": len(shared),
        "shared_email_rows": shared,
    }


def _by_email_with_new_id(
    record: dict[str, Any], holders: list[tuple[int, str, str]], shared: list[dict[str, Any]]
) -> int | None:
    """The customer a row with a new external id is merged into by its email (see the
    module's rule), or ``None`` (a new customer; reported in ``shared`` when the email
    is someone else's)."""
    if not holders:
        return None
    without_id = [pk for pk, external_id, _code in holders if not external_id]
    if len(without_id) == 1:
        record["link_external_id"] = record["external_id"]
        return without_id[0]
    shared.append(
        {
            "row": record["row_number"],
            "external_id": record["external_id"],
            "email": record["email"],
            "customers": [code for _pk, _external_id, code in holders][:5],
        }
    )
    return None


def _shared_within(new: list[dict[str, Any]], reported: set[int]) -> list[dict[str, Any]]:
    """New customers whose email an earlier new row (another external id) has; those
    ``reported`` already (sharing a stored customer's email) once only."""
    first: dict[str, dict[str, Any]] = {}
    shared = []
    for record in new:
        email = record["email"]
        if not email:
            continue
        if email in first and record["row_number"] not in reported:
            shared.append(
                {
                    "row": record["row_number"],
                    "external_id": record["external_id"],
                    "email": email,
                    "rows": [first[email]["row_number"]],
                }
            )
        else:
            first[email] = record
    return shared


def _create(records: list[dict], now: datetime) -> dict[str, int]:
    if not records:
        return {}
    start = next_code_number()
    fields = ["code", "external_id", "kind", *TEXT_FIELDS, "created_at", "updated_at"]
    rows = [
        (
            format_code(start + i),
            r["external_id"] or "",
            r["kind"],
            *[(r[f] or "") for f in TEXT_FIELDS],
            now,
            now,
        )
        for i, r in enumerate(records)
    ]
    insert_rows(Customer, fields, rows)
    codes = {row[0]: r["match_key"] for row, r in zip(rows, records, strict=True)}
    found = existing_ids(Customer, "code", list(codes))
    return {codes[code]: pk for code, pk in found.items()}


def _update(resolved: list[tuple[int, dict]], now: datetime) -> list[int]:
    """Non-empty values replace the stored ones; returns the customers that changed."""
    proposals = changed(
        Customer,
        [
            (
                pk,
                {
                    **{f: r[f] or None for f in TEXT_FIELDS},
                    "kind": r["kind"] if r["raw_kind"] else None,
                    "external_id": r.get("link_external_id"),
                },
            )
            for pk, r in resolved
        ],
    )
    if not proposals:
        return []
    quote = connection.ops.quote_name
    fields = (*TEXT_FIELDS, "kind", "external_id")
    sets = ", ".join(f"{quote(f)} = COALESCE(%s, {quote(f)})" for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table(Customer)} SET {sets}, {quote('updated_at')} = %s WHERE id = %s",
            [(*[values[f] for f in fields], now, pk) for pk, values in proposals],
        )
    return sorted({pk for pk, _values in proposals})


def _reindex(ids: list[int]) -> None:
    """Search terms of the created and changed customers, from what is now stored."""
    terms = table(CustomerSearchTerm)
    with connection.cursor() as cursor:
        for chunk in chunks(ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {terms} WHERE customer_id IN ({marks})", chunk)
            cursor.execute(
                f"SELECT id, name, code, email, phone FROM {table(Customer)} WHERE id IN ({marks})",
                chunk,
            )
            insert_rows(
                CustomerSearchTerm,
                ["customer", "term"],
                [(pk, t) for pk, *fields in cursor.fetchall() for t in terms_for(*fields)],
            )
