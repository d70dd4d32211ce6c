"""Writes of orders, opportunities and activities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kehu.crm.catalog.models import Product
from kehu.crm.choices import SalesChannel
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine, SalesTarget
from kehu.crm.sales.queries import ReturnableLine, line_key, returnable_lines, status_flow
from kehu.crm.unset import UNSET, Unset, set_given
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


def _original_error(message: str, code: str) -> ValidationError:
    return ValidationError({"original_order": ValidationError(message, code=code)})


def _returnable(order: Order, customer: Customer) -> dict[Any, ReturnableLine]:
    """What the return's original order still has to return, the original locked so
    that two returns recorded at once cannot both take the last item back."""
    if order.original_order_id is None:
        raise _original_error(_("A return needs the original order."), "required")
    original = Order.objects.select_for_update().get(pk=order.original_order_id)
    order.original_order = original
    if original.customer_id != customer.pk:
        raise _original_error(
            _("A return must refer to an order of the same customer."), "other_customer"
        )
    if not original.can_be_returned:
        raise _original_error(
            _(
                "Order %(number)s is %(status)s: only a confirmed, shipped or "
                "completed sale can be returned."
            )
            % {"number": original.number, "status": original.get_status_display()},
            "not_returnable",
        )
    return returnable_lines(original)


def _product_id(line: Mapping[str, Any]) -> int | None:
    product = line.get("product")
    return product.pk if product is not None else line.get("product_id")


def _with_original_prices(
    line: Mapping[str, Any], returnable: dict[Any, ReturnableLine]
) -> Mapping[str, Any]:
    """A returned line without a price takes the price paid, not today's list price."""
    bought = returnable.get(line_key(_product_id(line), str(line.get("description") or "")))
    if bought is None or line.get("unit_price") is not None:
        return line
    return {**line, "unit_price": bought.unit_price, "discount_pct": bought.discount_pct}


def _check_returned_lines(
    original: Order, built: list[OrderLine], returnable: dict[Any, ReturnableLine]
) -> None:
    """Only what was on the original order, at most what was bought less what earlier
    returns took back, refunded at most at the price paid."""
    errors: dict[str, list[ValidationError]] = {}
    taken: dict[Any, Decimal] = {}
    for index, line in enumerate(built):
        key = line_key(line.product_id, line.description)
        what = line.description or str(line.product)
        bought = returnable.get(key)
        if bought is None:
            field = "product_id" if line.product_id is not None else "description"
            errors[f"lines.{index}.{field}"] = [
                ValidationError(
                    _("%(what)s was not on order %(number)s.")
                    % {"what": what, "number": original.number},
                    code="not_on_original",
                )
            ]
            continue
        taken[key] = taken.get(key, Decimal("0")) + line.quantity
        if taken[key] > bought.left:
            errors[f"lines.{index}.quantity"] = [
                ValidationError(
                    _(
                        "At most %(left)s of %(what)s can be returned: %(bought)s bought, "
                        "%(returned)s returned already."
                    )
                    % {
                        "left": number_format(bought.left.normalize(), use_l10n=True),
                        "what": what,
                        "bought": number_format(bought.bought.normalize(), use_l10n=True),
                        "returned": number_format(bought.returned.normalize(), use_l10n=True),
                    },
                    code="more_than_bought",
                )
            ]
        net = line.unit_price * (Decimal("100") - line.discount_pct) / Decimal("100")
        if net > bought.net_unit_price + Decimal("0.005"):
            errors[f"lines.{index}.unit_price"] = [
                ValidationError(
                    _("A return refunds at most the price paid: %(price)s.")
                    % {"price": number_format(bought.net_unit_price, 2, force_grouping=True)},
                    code="above_price_paid",
                )
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_order(
    customer: Customer,
    lines: Iterable[Mapping[str, Any]],
    *,
    by: AbstractBaseUser | None = None,
    ordered_at: datetime | None = None,
    number: str | None = None,
    kind: str = Order.Kind.SALE,
    original_order: Order | None = None,
    status: str = Order.Status.CONFIRMED,
    channel: str = SalesChannel.WEB,
    owner: AbstractBaseUser | None = None,
    notes: str = "",
) -> Order:
    """Create an order (or a return, ``kind="return"``, of ``original_order``) with its
    lines; the total is computed from the lines and counts negative for a return.

    Each line is a mapping of ``product`` (or ``product_id``), ``quantity``,
    ``unit_price`` (the product's price when absent; for a return the price paid),
    ``discount_pct`` and ``description``. ``number`` is the next SO number when None,
    ``ordered_at`` now, ``owner`` the user ``by`` who records it.
    """
    order = Order(
        customer=customer,
        ordered_at=ordered_at or timezone.now(),
        number=number or next_order_number(),
        owner=owner or by,
        kind=kind,
        original_order=original_order,
        status=status,
        channel=channel,
        notes=notes,
    )
    returnable = None
    if order.kind == Order.Kind.RETURN:
        returnable = _returnable(order, customer)
        lines = [_with_original_prices(line, returnable) for line in lines]
    built = _build_lines(order, lines)
    if returnable is not None:
        _check_returned_lines(order.original_order, built, returnable)
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
    allowed = [str(s) for s in status_flow(order)]
    if status not in allowed:
        kind = "a return" if order.kind == Order.Kind.RETURN else "an order"
        raise ValidationError(
            {
                "status": ValidationError(
                    f"{kind} that is {str(order.status)!r} can move to {allowed}, not {status!r}",
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
    customer: Customer,
    *,
    name: str,
    by: AbstractBaseUser | None = None,
    owner: AbstractBaseUser | None = None,
    contact: Contact | None = None,
    stage: str = Opportunity.Stage.QUALIFICATION,
    probability: int | None = None,
    amount: Decimal = Decimal("0"),
    expected_close_date: date | None = None,
    competitor: str = "",
    lost_reason: str = "",
    source_channel: str = "",
) -> Opportunity:
    """Open a deal with ``customer`` in the pipeline.

    ``stage`` is an :class:`Opportunity.Stage`; ``probability`` (percent) is the stage's
    usual one when None; a won or lost deal is closed now. ``owner`` is the user ``by``
    who opens it when None.
    """
    opportunity = Opportunity(
        customer=customer,
        name=name,
        owner=owner or by,
        contact=contact,
        amount=amount,
        expected_close_date=expected_close_date,
        competitor=competitor,
        lost_reason=lost_reason,
        source_channel=source_channel,
    )
    if probability is not None:
        opportunity.probability = probability
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
def update_opportunity(
    opportunity: Opportunity,
    *,
    name: str | Unset = UNSET,
    customer: Customer | Unset = UNSET,
    owner: AbstractBaseUser | None | Unset = UNSET,
    contact: Contact | None | Unset = UNSET,
    stage: str | Unset = UNSET,
    probability: int | None | Unset = UNSET,
    amount: Decimal | Unset = UNSET,
    expected_close_date: date | None | Unset = UNSET,
    competitor: str | Unset = UNSET,
    lost_reason: str | Unset = UNSET,
    source_channel: str | Unset = UNSET,
) -> Opportunity:
    """Change the fields given (see :func:`create_opportunity`); a new stage without a
    probability takes the stage's usual one."""
    changes = set_given(
        opportunity,
        name=name,
        customer=customer,
        owner=owner,
        contact=contact,
        probability=probability,
        amount=amount,
        expected_close_date=expected_close_date,
        competitor=competitor,
        lost_reason=lost_reason,
        source_channel=source_channel,
    )
    if stage is not UNSET and stage is not None:
        _check_stage(stage)
        _apply_stage(opportunity, stage, changes.get("probability"))
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
def create_activity(
    *,
    owner: AbstractBaseUser,
    subject: str,
    due_at: datetime,
    kind: str = Activity.Kind.TASK,
    customer: Customer | None = None,
    opportunity: Opportunity | None = None,
    notes: str = "",
) -> Activity:
    """Give ``owner`` a call, meeting or task due at ``due_at``, about ``customer`` or
    ``opportunity`` (whose customer it takes when no customer is given)."""
    activity = Activity(
        owner=owner,
        subject=subject,
        due_at=due_at,
        kind=kind,
        customer=customer,
        opportunity=opportunity,
        notes=notes,
    )
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


def sales_target_errors(target: SalesTarget) -> dict[str, ValidationError]:
    """What is wrong with ``target``, by field: an amount that is not positive, a period
    that does not end after it starts, a period that overlaps another target of the
    same person. Empty when it may be saved."""
    errors: dict[str, ValidationError] = {}
    if target.amount is not None and target.amount <= 0:
        errors["amount"] = ValidationError(
            _("The target must be a positive amount, got %(amount)s.")
            % {"amount": number_format(target.amount, 2)},
            code="not_positive",
        )
    start, end = target.period_start, target.period_end
    if start and end and end <= start:
        errors["period_end"] = ValidationError(
            _("The period must end after it starts (%(start)s), got %(end)s.")
            % {"start": start.isoformat(), "end": end.isoformat()},
            code="end_before_start",
        )
    elif start and end:
        clash = (
            SalesTarget.objects.filter(
                user_id=target.user_id, period_start__lte=end, period_end__gte=start
            )
            .exclude(pk=target.pk)
            .first()
        )
        if clash is not None:
            errors["period_start"] = ValidationError(
                _(
                    "%(person)s has a target for %(start)s to %(end)s already: periods may not "
                    "overlap."
                )
                % {
                    "person": target.user,
                    "start": clash.period_start.isoformat(),
                    "end": clash.period_end.isoformat(),
                },
                code="overlap",
            )
    return errors


@transaction.atomic
def set_sales_target(
    *,
    user: AbstractBaseUser,
    period_start: date,
    period_end: date,
    amount: Decimal,
    by: AbstractBaseUser | None = None,
    target: SalesTarget | None = None,
) -> SalesTarget:
    """Set the revenue ``user`` should bring in from ``period_start`` to ``period_end``
    (both included), as ``by`` decided; ``target`` changes an existing one. The amount
    must be positive, the period end after its start, and it may not overlap another
    target of the same person."""
    target = target or SalesTarget()
    target.user = user  # type: ignore[assignment]
    target.period_start, target.period_end = period_start, period_end
    target.amount = amount
    if by is not None:
        target.set_by = by  # type: ignore[assignment]
    errors = sales_target_errors(target)
    if errors:
        raise ValidationError(errors)
    validate(target)
    target.save()
    return target


@transaction.atomic
def delete_sales_target(target: SalesTarget) -> None:
    target.delete()
