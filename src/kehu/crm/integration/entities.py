"""Every kind of row an import takes, and the module (or record entity) that reads and
writes it. Orders and customers have rules of their own; the rest are record entities
(see :mod:`~kehu.crm.integration.records`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kehu.crm.catalog.models import Product
from kehu.crm.customers.models import Contact
from kehu.crm.engagement.models import Interaction
from kehu.crm.integration import customer_import, order_import, reasons
from kehu.crm.integration.billing_import import INVOICES, PAYMENTS
from kehu.crm.integration.fields import FIELDS, Field
from kehu.crm.integration.models import Entity
from kehu.crm.integration.records import RecordEntity
from kehu.crm.integration.writes import chunks
from kehu.crm.sales.models import Opportunity
from kehu.crm.service.actions import next_ticket_number
from kehu.crm.service.models import Ticket
from kehu.crm.service.sla import due_columns


def _ticket_numbers(records: list[dict[str, Any]], _now: datetime) -> dict[str, list[Any]]:
    """The next ticket numbers, and the service-level tier and due times opening gives."""
    first = int(next_ticket_number()[1:])
    numbers = {"number": [f"T{first + i:08d}" for i in range(len(records))]}
    return {**numbers, **due_columns(records)}


CLOSED = (Opportunity.Stage.WON, Opportunity.Stage.LOST)


def _opportunity_defaults(records: list[dict[str, Any]], now: datetime) -> dict[str, list[Any]]:
    """Probability from the stage when the file gives none; a won or lost deal is
    closed (when, if the file does not say: now)."""
    stages = [r["stage"] or Opportunity.Stage.QUALIFICATION for r in records]
    return {
        "probability": [
            r["probability"]
            if r["probability"] is not None
            else Opportunity.STAGE_PROBABILITY[stage]
            for r, stage in zip(records, stages, strict=True)
        ],
        "closed_at": [
            (r["closed_at"] or now) if stage in CLOSED else r["closed_at"]
            for r, stage in zip(records, stages, strict=True)
        ],
    }


def _opportunity_moves(changes: list[tuple[int, dict[str, Any]]], now: datetime) -> None:
    """A deal the file moves to another stage: its probability follows the stage
    (unless the file gives one), and it closes when won or lost."""
    stored = {}
    for chunk in chunks([pk for pk, _values in changes]):
        rows = Opportunity.objects.filter(pk__in=chunk).values_list("pk", "stage", "closed_at")
        stored.update((pk, (stage, closed_at)) for pk, stage, closed_at in rows)
    for pk, values in changes:
        stage, closed_at = stored[pk]
        if values["stage"] is None or values["stage"] == stage:
            continue
        if values["probability"] is None:
            values["probability"] = Opportunity.STAGE_PROBABILITY[values["stage"]]
        if values["stage"] in CLOSED and values["closed_at"] is None and closed_at is None:
            values["closed_at"] = now


CONTACTS = RecordEntity(
    "contacts",
    Contact,
    natural_key=("customer_id", "LOWER(name)"),
    PREVIEW_FIELDS=("customer", "name", "title", "email", "phone"),
)
PRODUCTS = RecordEntity(
    "products",
    Product,
    natural_key=("sku",),
    PREVIEW_FIELDS=("sku", "name", "category", "unit_price", "unit_cost"),
    key_field="sku",
    key_ignores_case=True,
)
INTERACTIONS = RecordEntity(
    "interactions",
    Interaction,
    natural_key=("customer_id", "occurred_at", "channel", "subject"),
    PREVIEW_FIELDS=("customer", "occurred_at", "channel", "direction", "subject"),
)
TICKETS = RecordEntity(
    "tickets",
    Ticket,
    natural_key=("customer_id", "opened_at", "subject"),
    PREVIEW_FIELDS=("customer", "opened_at", "type", "priority", "status", "subject"),
    extras=_ticket_numbers,
)
OPPORTUNITIES = RecordEntity(
    "opportunities",
    Opportunity,
    natural_key=("customer_id", "LOWER(name)"),
    PREVIEW_FIELDS=("customer", "name", "stage", "amount", "expected_close_date"),
    extras=_opportunity_defaults,
    on_update=_opportunity_moves,
)

ENTITIES: dict[str, Any] = {
    "orders": order_import,
    "customers": customer_import,
    "contacts": CONTACTS,
    "products": PRODUCTS,
    "interactions": INTERACTIONS,
    "tickets": TICKETS,
    "opportunities": OPPORTUNITIES,
    "invoices": INVOICES,
    "payments": PAYMENTS,
}

#: the labels of the entities apps above this one registered (:func:`register_entity`)
REGISTERED_LABELS: dict[str, Any] = {}


def register_entity(
    name: str,
    module: Any,
    fields: tuple[Field, ...],
    label: Any,
    extra_reasons: tuple[reasons.Reason, ...] = (),
) -> None:
    """Add a kind of row that an app above this layer owns (integration cannot import
    it): ``module`` reads and writes the rows like a :class:`RecordEntity`, ``fields``
    are its fields, ``label`` its name in the import wizard, ``extra_reasons`` the
    quarantine reasons of its own row checks (so that a page shows them translated).
    Called from the app's ``AppConfig.ready()``; registering a name again replaces it."""
    ENTITIES[name] = module
    FIELDS[name] = fields
    REGISTERED_LABELS[name] = label
    reasons.REGISTERED.extend(r for r in extra_reasons if r not in reasons.REGISTERED)


def entity_choices() -> list[tuple[str, Any]]:
    """What the import wizard offers: kehu's entities, then the registered ones."""
    return [*Entity.choices, *REGISTERED_LABELS.items()]
