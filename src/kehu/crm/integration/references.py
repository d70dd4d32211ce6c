"""What a row's reference means in the CRM: a customer by its external id, its kehu
code or its email (one merged into another becomes the one it was merged into), an
order by its number, a user by user name or email. Each returns ``{reference: id}``
for the references it found; the rest are not in the CRM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model

from kehu.crm.billing.models import Invoice
from kehu.crm.customers.models import Customer
from kehu.crm.integration.writes import existing_ids, select_in, table
from kehu.crm.sales.models import Order

#: A chain of merges longer than this is not followed further.
MAX_MERGE_HOPS = 10


def customer_ids_by_email(emails: Sequence[str]) -> dict[str, int]:
    """``{lower-case email: id}`` (the first customer when several share one)."""
    found: dict[str, int] = {}
    for email, pk in _by_email(emails, "id"):
        found.setdefault(email, pk)
    return found


def customers_by_email(emails: Sequence[str]) -> dict[str, list[tuple[int, str, str]]]:
    """``{lower-case email: [(id, external id, code), ...]}`` of the customers (not
    merged into another) with each email, oldest first."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    rows = _by_email(emails, "id, external_id, code", "AND merged_into_id IS NULL")
    for email, pk, external_id, code in rows:
        found.setdefault(email, []).append((pk, external_id or "", code))
    return found


def _by_email(emails: Sequence[str], columns: str, where: str = "") -> list[tuple[Any, ...]]:
    """``(lower-case email, *columns)`` of the customers with one of ``emails`` in any
    case (and ``where``), oldest first in each chunk."""
    return select_in(
        list({e.lower() for e in emails}),
        lambda marks: (
            f"SELECT LOWER(email), {columns} FROM {table(Customer)} "
            f"WHERE LOWER(email) IN ({marks}) {where} ORDER BY id"
        ),
    )


def customers(references: Sequence[str]) -> dict[str, int]:
    found = existing_ids(Customer, "external_id", references)
    rest = [r for r in references if r not in found]
    by_code = existing_ids(Customer, "code", [r.upper() for r in rest])
    for ref in rest:
        if ref.upper() in by_code:
            found[ref] = by_code[ref.upper()]
    rest = [r for r in rest if r not in found and "@" in r]
    by_email = customer_ids_by_email(rest)
    for ref in rest:
        if ref.lower() in by_email:
            found[ref] = by_email[ref.lower()]
    return _follow_merges(found)


def _follow_merges(found: dict[str, int]) -> dict[str, int]:
    for _hop in range(MAX_MERGE_HOPS):
        moved: dict[int, int] = dict(
            select_in(
                sorted(set(found.values())),
                lambda marks: (
                    f"SELECT id, merged_into_id FROM {table(Customer)} "
                    f"WHERE id IN ({marks}) AND merged_into_id IS NOT NULL"
                ),
            )
        )
        if not moved:
            break
        found = {ref: moved.get(pk, pk) for ref, pk in found.items()}
    return found


def orders(references: Sequence[str]) -> dict[str, int]:
    return existing_ids(Order, "number", references)


def users(references: Sequence[str]) -> dict[str, int]:
    """Teams are small: every user is read once."""
    by_name: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for pk, username, email in get_user_model().objects.values_list("pk", "username", "email"):
        by_name[username] = pk
        if email:
            by_email.setdefault(email.lower(), pk)
    found = {}
    for ref in references:
        pk = by_name.get(ref, by_email.get(ref.lower()))
        if pk is not None:
            found[ref] = pk
    return found


def invoices(references: Sequence[str]) -> dict[str, int]:
    return existing_ids(Invoice, "number", references)


RESOLVERS = {"customer": customers, "order": orders, "user": users, "invoice": invoices}
