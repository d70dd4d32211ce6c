"""Writes of orders, opportunities and activities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from kehu.crm.catalog.models import Product
from kehu.crm.customers.models import Customer
from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine
from kehu.crm.validation import validate


def next_order_number(prefix: str = "SO") -> str:
    latest = Order.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    tail = latest[len(prefix) :] if latest else ""
    number = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{number:08d}"


def _build_lines(order: Order, lines: Iterable[Mapping[str, Any]]) -> list[OrderLine]:
    built: list[OrderLine] = []
    errors: dict[str, list[str]] = {}
    for index, raw in enumerate(lines):
        fields = dict(raw)
        product = fields.get("product")
        if product is None and fields.get("product_id") is not None:
            product = Product.objects.filter(pk=fields.pop("product_id")).first()
            if product is None:
                errors[f"lines.{index}.product_id"] = [
                    ValidationError("no such product", code="does_not_exist")
                ]
                continue
            fields["product"] = product
        if product is not None:
            fields.setdefault("unit_price", product.unit_price)
            fields.setdefault("description", product.name)
        line = OrderLine(order=order, **fields)
        line.line_total = Decimal("0")
        try:
            validate(line, exclude=["order", "line_total"])
        except ValidationError as e:
            for field, field_errors in e.error_dict.items():
                errors[f"lines.{index}.{field}"] = field_errors
            continue
        if line.product is None and not line.description:
            errors[f"lines.{index}.description"] = [
                ValidationError("a line needs a product or a description", code="required")
            ]
            continue
        line.line_total = line.compute_total()
        built.append(line)
    if errors:
        raise ValidationError(errors)
    if not built:
        raise ValidationError(
            {"lines": ValidationError("an order needs at least one line", code="required")}
        )
    return built


@transaction.atomic
def create_order(
    customer: Customer,
    lines: Iterable[Mapping[str, Any]],
    *,
    by: AbstractBaseUser | None = None,
    ordered_at: datetime | None = None,
    number: str | None = None,
    **fields: Any,
) -> Order:
    """Create an order (or a return, ``kind="return"``) with its lines; the total is
    computed from the lines and counts negative for a return."""
    order = Order(
        customer=customer,
        ordered_at=ordered_at or timezone.now(),
        number=number or next_order_number(),
        owner=fields.pop("owner", None) or by,
        **fields,
    )
    if (
        order.kind == Order.Kind.RETURN
        and order.original_order_id is not None
        and order.original_order.customer_id != customer.pk
    ):
        raise ValidationError(
            {
                "original_order": ValidationError(
                    "a return must refer to an order of the same customer", code="invalid"
                )
            }
        )
    built = _build_lines(order, lines)
    order.total_amount = order.sign * sum((line.line_total for line in built), Decimal("0"))
    validate(order, exclude=["number"] if number is None else None)
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as e:
        raise ValidationError(
            {
                "number": ValidationError(
                    f"order number {order.number!r} exists already", code="unique"
                )
            }
        ) from e
    OrderLine.objects.bulk_create(built)
    if customer.status == Customer.Status.PROSPECT and order.kind == Order.Kind.SALE:
        Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ACTIVE)
    return order


@transaction.atomic
def set_order_status(order: Order, status: str) -> Order:
    """Move an order along its workflow (:attr:`Order.STATUS_FLOW`)."""
    if status not in Order.Status.values:
        raise ValidationError(
            {
                "status": ValidationError(
                    f"status must be one of {[str(v) for v in Order.Status.values]}, "
                    f"got {status!r}",
                    code="invalid_choice",
                )
            }
        )
    if status == order.status:
        return order
    allowed = [str(s) for s in Order.STATUS_FLOW.get(order.status, ())]
    if status not in allowed:
        raise ValidationError(
            {
                "status": ValidationError(
                    f"an order that is {str(order.status)!r} can move to {allowed}, not {status!r}",
                    code="invalid_transition",
                )
            }
        )
    order.status = status
    order.save(update_fields=["status"])
    return order


def _apply_stage(opportunity: Opportunity, stage: str, probability: int | None) -> None:
    previous = opportunity.stage
    opportunity.stage = stage
    if probability is None and stage != previous:
        opportunity.probability = Opportunity.STAGE_PROBABILITY[stage]
    if stage in (Opportunity.Stage.WON, Opportunity.Stage.LOST):
        opportunity.closed_at = opportunity.closed_at or timezone.now()
    else:
        opportunity.closed_at = None


@transaction.atomic
def create_opportunity(
    customer: Customer, *, by: AbstractBaseUser | None = None, **fields: Any
) -> Opportunity:
    stage = fields.pop("stage", Opportunity.Stage.QUALIFICATION)
    probability = fields.get("probability")
    opportunity = Opportunity(customer=customer, owner=fields.pop("owner", None) or by, **fields)
    _check_stage(stage)
    _apply_stage(opportunity, stage, probability)
    if probability is None:
        opportunity.probability = Opportunity.STAGE_PROBABILITY[stage]
    validate(opportunity)
    opportunity.save()
    return opportunity


def _check_stage(stage: str) -> None:
    if stage not in Opportunity.Stage.values:
        raise ValidationError(
            {"stage": [f"stage must be one of {list(Opportunity.Stage.values)}, got {stage!r}"]}
        )


@transaction.atomic
def update_opportunity(opportunity: Opportunity, **fields: Any) -> Opportunity:
    stage = fields.pop("stage", None)
    for name, value in fields.items():
        setattr(opportunity, name, value)
    if stage is not None:
        _check_stage(stage)
        _apply_stage(opportunity, stage, fields.get("probability"))
    if opportunity.stage == Opportunity.Stage.LOST and not opportunity.lost_reason:
        opportunity.lost_reason = ""
    validate(opportunity)
    opportunity.save()
    return opportunity


@transaction.atomic
def move_opportunity(opportunity: Opportunity, stage: str) -> Opportunity:
    """Move an opportunity to another pipeline stage (the kanban's drag and drop)."""
    return update_opportunity(opportunity, stage=stage)


@transaction.atomic
def create_activity(*, owner: AbstractBaseUser, **fields: Any) -> Activity:
    activity = Activity(owner=owner, **fields)
    if activity.customer_id is None and activity.opportunity_id is not None:
        activity.customer_id = activity.opportunity.customer_id
    validate(activity)
    activity.save()
    return activity


@transaction.atomic
def complete_activity(activity: Activity, *, done: bool = True) -> Activity:
    activity.completed_at = timezone.now() if done else None
    activity.save(update_fields=["completed_at"])
    return activity
