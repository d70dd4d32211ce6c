"""The actions on a pair of duplicate customer records: merge them into one, undo a
merge, or mark them as different customers.

A merge moves everything that points at the losing record (contacts, orders,
opportunities, activities, tickets, interactions, ...) to the winning one, fills the
winner's empty fields from the loser, adds the loser's tags, and marks the loser
``merged_into`` the winner, which hides it from every list. Both records' change
history records the merge. What moved and what was filled is kept on the
:class:`CustomerMerge`, so that undoing puts every row back where it was.

Value scores (intelligence) are not moved: they belong to analysis runs and the next
run scores the merged customer.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from kehu.crm.customers.actions import index_search_terms
from kehu.crm.customers.models import Customer
from kehu.crm.integration.models import CustomerMerge, DuplicatePair

#: Fields filled on the winner when empty there and set on the loser.
FILLABLE = (
    "external_id",
    "industry",
    "country",
    "region",
    "city",
    "address",
    "postal_code",
    "phone",
    "email",
    "owner",
)
SKIPPED_APPS = {"intelligence"}


class MergeError(ValueError):
    """The merge or its undo cannot be done; the message says why."""


def _relations() -> list[tuple[type[models.Model], str, bool]]:
    """``(model, field name, one to one)`` of every foreign key to Customer that a merge
    moves. A one-to-one record (a loyalty membership, payment terms) moves only to a
    winner without one of its own: the winner's own stays, and so does the loser's."""
    out = []
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        field = relation.field
        if (
            not isinstance(field, models.ForeignKey)
            or model._meta.app_label in SKIPPED_APPS
            or model.__name__.startswith("Historical")
            or model is Customer
            or model._meta.label == "customers.CustomerSearchTerm"  # rebuilt after a merge
            or model._meta.app_label == "integration"
        ):
            continue
        out.append((model, field.name, isinstance(field, models.OneToOneField)))
    return out


def _label(model: type[models.Model], field: str) -> str:
    return f"{model._meta.label}.{field}"


def pick_winner(a: Customer, b: Customer) -> tuple[Customer, Customer]:
    """The record to keep: the one with more orders, then the older one."""
    orders_a, orders_b = a.orders.count(), b.orders.count()
    if orders_a != orders_b:
        return (a, b) if orders_a > orders_b else (b, a)
    return (a, b) if (a.created_at, a.pk) <= (b.created_at, b.pk) else (b, a)


def _decide(pair: DuplicatePair, status: str, by: Any) -> None:
    pair.status = status
    pair.decided_by = by if getattr(by, "pk", None) else None
    pair.decided_at = timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def mark_distinct(pair: DuplicatePair, *, by: Any = None) -> DuplicatePair:
    """Decide that the pair's two records are different customers: the pair leaves the
    review queue and the next duplicate search does not propose it again."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != DuplicatePair.Status.PENDING:
        raise MergeError(f"this pair was decided already ({pair.status})")
    _decide(pair, DuplicatePair.Status.DISTINCT, by)
    return pair


@transaction.atomic
def merge_customers(
    winner: Customer,
    loser: Customer,
    *,
    by: Any = None,
    pair: DuplicatePair | None = None,
    automatic: bool = False,
) -> CustomerMerge:
    winner = Customer.objects.select_for_update().get(pk=winner.pk)
    loser = Customer.objects.select_for_update().get(pk=loser.pk)
    if winner.pk == loser.pk:
        raise MergeError("a customer cannot be merged into itself")
    if winner.merged_into_id or loser.merged_into_id:
        raise MergeError(
            f"{loser.code if loser.merged_into_id else winner.code} was merged already; "
            "undo that merge first"
        )
    moved: dict[str, list[int]] = {}
    for model, field, one_to_one in _relations():
        if one_to_one and model._default_manager.filter(**{field: winner}).exists():
            continue
        rows = model._default_manager.filter(**{field: loser})
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            rows.update(**{field: winner})
            moved[_label(model, field)] = ids
    filled: dict[str, Any] = {}
    for name in FILLABLE:
        field = Customer._meta.get_field(name)
        mine, theirs = getattr(winner, field.attname), getattr(loser, field.attname)
        if mine in ("", None) and theirs not in ("", None):
            filled[field.attname] = mine
            setattr(winner, field.attname, theirs)
    if loser.external_id and "external_id" in filled:
        loser.external_id = ""  # one record per external id (the unique constraint)
    new_tags = set(loser.tags.values_list("pk", flat=True)) - set(
        winner.tags.values_list("pk", flat=True)
    )
    loser.merged_into = winner
    loser._change_reason = f"merged into {winner.code}"  # simple-history
    if getattr(by, "pk", None):
        loser._history_user = winner._history_user = by
    loser.save()
    winner._change_reason = f"merged {loser.code} into this record"
    winner.save()
    winner.tags.add(*new_tags)
    index_search_terms([winner])
    if pair is not None:
        _decide(pair, DuplicatePair.Status.MERGED, by)
    return CustomerMerge.objects.create(
        winner=winner,
        loser=loser,
        pair=pair,
        automatic=automatic,
        moved=moved,
        filled=filled,
        tags_added=sorted(new_tags),
        merged_by=by if getattr(by, "pk", None) else None,
    )


@transaction.atomic
def undo_merge(merge: CustomerMerge, *, by: Any = None) -> None:
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise MergeError("this merge was undone already")
    winner = Customer.objects.select_for_update().get(pk=merge.winner_id)
    loser = Customer.objects.select_for_update().get(pk=merge.loser_id)
    for label, ids in merge.moved.items():
        app_model, field = label.rsplit(".", 1)
        model = apps.get_model(app_model)
        model._default_manager.filter(pk__in=ids).update(**{field: loser})
    external = winner.external_id if "external_id" in merge.filled else None
    for attname, old in merge.filled.items():
        setattr(winner, attname, old)
    if external:
        winner.external_id = ""
        winner.save(update_fields=["external_id"])
        loser.external_id = external
    if getattr(by, "pk", None):
        loser._history_user = winner._history_user = by
    winner._change_reason = f"undid the merge of {loser.code}"
    winner.save()
    winner.tags.remove(*merge.tags_added)
    loser.merged_into = None
    loser._change_reason = f"merge into {winner.code} undone"
    loser.save()
    index_search_terms([winner, loser])
    if merge.pair_id:
        DuplicatePair.objects.filter(pk=merge.pair_id).update(
            status=DuplicatePair.Status.PENDING, decided_by=None, decided_at=None
        )
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
