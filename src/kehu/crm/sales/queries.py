"""Reads of orders, opportunities and activities shared by the screens and exports.

Every read is restricted to the customers the user may see (``customer_scope``) and
names its ``select_related`` so that a list costs the same number of queries for 10
rows as for 10,000."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.catalog.models import Product
from kehu.crm.customers.queries import customer_scope, search, visible_customers
from kehu.crm.customers.search import normalise
from kehu.crm.lists import where_given
from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine

User = AbstractBaseUser | AnonymousUser

ORDER_SORTS = {
    "date": ("ordered_at", "id"),
    "-date": ("-ordered_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "total": ("total_amount", "id"),
    "-total": ("-total_amount", "-id"),
    "customer": ("customer__name", "-ordered_at", "-id"),
    "-customer": ("-customer__name", "-ordered_at", "-id"),
}
OPPORTUNITY_SORTS = {
    "close": ("expected_close_date", "id"),
    "-close": ("-expected_close_date", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "stage": ("stage", "expected_close_date", "id"),
    "-stage": ("-stage", "expected_close_date", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
ACTIVITY_SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
}
# Allowed next statuses of a sale (the workflow lives on the model).
ORDER_STATUS_FLOW: dict[str, tuple[str, ...]] = Order.STATUS_FLOW
BOARD_CARDS_PER_COLUMN = 50
_WEIGHTED = ExpressionWrapper(
    F("amount") * F("probability") / Decimal(100),
    output_field=DecimalField(max_digits=20, decimal_places=2),
)


def _sorted(queryset: QuerySet[Any], sorts: dict[str, tuple[str, ...]], sort: str, default: str):
    return queryset.order_by(*sorts.get(sort, sorts[default]))


def _customer_ids_matching(user: User, query: str) -> QuerySet[Any]:
    return search(visible_customers(user), query).values("pk")


def _day(value: str) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def _between(queryset: QuerySet[Any], lookup: str, start: str, end: str) -> QuerySet[Any]:
    """Rows whose ``lookup`` (a date) is from ``start`` to ``end`` included, each bound
    left out when it is blank or not a date."""
    if (day := _day(start)) is not None:
        queryset = queryset.filter(**{f"{lookup}__gte": day})
    if (day := _day(end)) is not None:
        queryset = queryset.filter(**{f"{lookup}__lte": day})
    return queryset


# Orders


def visible_orders(user: User) -> QuerySet[Order]:
    return Order.objects.filter(customer_scope(user))


def filtered_orders(
    user: User,
    *,
    q: str = "",
    status: str = "",
    kind: str = "",
    channel: str = "",
    customer: str = "",
    mine: str = "",
    date_from: str = "",
    date_to: str = "",
    sort: str = "-date",
) -> QuerySet[Order]:
    """The order list as the list page and the CSV export share it."""
    queryset = visible_orders(user).select_related("customer", "owner", "original_order")
    if q.strip():
        words = q.strip()
        matching = _customer_ids_matching(user, words)
        queryset = queryset.filter(Q(number__startswith=words.upper()) | Q(customer__in=matching))
    queryset = where_given(queryset, status=status, kind=kind, channel=channel)
    if customer.isdigit():
        queryset = queryset.filter(customer_id=int(customer))
    if mine:
        queryset = queryset.filter(owner_id=user.pk)
    queryset = _between(queryset, "ordered_at__date", date_from, date_to)
    return _sorted(queryset, ORDER_SORTS, sort, "-date")


def order_totals(orders: QuerySet[Order]) -> dict[str, Any]:
    """Count and net amount of a filtered order list (cancelled orders count nothing)."""
    return orders.order_by().aggregate(
        n=Count("id"),
        net=Coalesce(
            Sum("total_amount", filter=~Q(status=Order.Status.CANCELLED)),
            Decimal("0"),
        ),
    )


def status_flow(order: Order) -> tuple[str, ...]:
    """The statuses ``order`` may move to: a return is never shipped."""
    return order.status_flow.get(order.status, ())


LineKey = tuple[str, str]


def line_key(product_id: int | None, description: str) -> LineKey:
    """What makes a returned line the same as a bought one: the product, or for a line
    without a product its description."""
    if product_id is not None:
        return ("product", str(product_id))
    return ("description", normalise(description))


@dataclass
class ReturnableLine:
    """One product (or description) of an order and how much of it can still be returned."""

    product: Product | None
    description: str
    bought: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    returned: Decimal = Decimal("0")

    @property
    def left(self) -> Decimal:
        return max(self.bought - self.returned, Decimal("0"))

    @property
    def net_unit_price(self) -> Decimal:
        return self.unit_price * (Decimal("100") - self.discount_pct) / Decimal("100")


def returnable_lines(
    original: Order, *, exclude: Order | None = None
) -> dict[LineKey, ReturnableLine]:
    """The lines of ``original`` by :func:`line_key` with what was bought and what its
    returns (except cancelled ones, and ``exclude``) took back. Two queries."""
    lines: dict[LineKey, ReturnableLine] = {}
    for line in original.lines.select_related("product").order_by("id"):
        key = line_key(line.product_id, line.description)
        if key in lines:
            lines[key].bought += line.quantity
            continue
        lines[key] = ReturnableLine(
            line.product, line.description, line.quantity, line.unit_price, line.discount_pct
        )
    returned = OrderLine.objects.filter(
        order__original_order=original, order__kind=Order.Kind.RETURN
    ).exclude(order__status=Order.Status.CANCELLED)
    if exclude is not None:
        returned = returned.exclude(order=exclude)
    for product_id, description, quantity in returned.values_list(
        "product_id", "description", "quantity"
    ):
        if (line := lines.get(line_key(product_id, description))) is not None:
            line.returned += quantity
    return lines


# Opportunities


def visible_opportunities(user: User) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(customer_scope(user))


def filtered_opportunities(
    user: User,
    *,
    q: str = "",
    stage: str = "",
    state: str = "",
    mine: str = "",
    customer: str = "",
    close_from: str = "",
    close_to: str = "",
    sort: str = "close",
) -> QuerySet[Opportunity]:
    """The opportunity list (and the board's columns) with its filters."""
    queryset = visible_opportunities(user).select_related("customer", "owner")
    if q.strip():
        words = q.strip()
        queryset = queryset.filter(
            Q(name__icontains=words) | Q(customer__in=_customer_ids_matching(user, words))
        )
    queryset = where_given(queryset, stage=stage)
    if state == "open":
        queryset = queryset.filter(stage__in=Opportunity.OPEN_STAGES)
    elif state == "closed":
        queryset = queryset.exclude(stage__in=Opportunity.OPEN_STAGES)
    if mine:
        queryset = queryset.filter(owner_id=user.pk)
    if customer.isdigit():
        queryset = queryset.filter(customer_id=int(customer))
    queryset = _between(queryset, "expected_close_date", close_from, close_to)
    return _sorted(queryset, OPPORTUNITY_SORTS, sort, "close")


def pipeline_totals(opportunities: QuerySet[Opportunity]) -> dict[str, Any]:
    """Count, total amount and probability-weighted amount of the open opportunities."""
    return opportunities.order_by().aggregate(
        n=Count("id", filter=Q(stage__in=Opportunity.OPEN_STAGES)),
        total=Coalesce(Sum("amount", filter=Q(stage__in=Opportunity.OPEN_STAGES)), Decimal("0")),
        weighted=Coalesce(
            Sum(_WEIGHTED, filter=Q(stage__in=Opportunity.OPEN_STAGES)), Decimal("0")
        ),
    )


@dataclass
class BoardColumn:
    stage: str
    label: str
    n: int = 0
    amount: Decimal = Decimal("0")
    weighted: Decimal = Decimal("0")
    cards: list[Opportunity] = field(default_factory=list)

    @property
    def n_more(self) -> int:
        return max(self.n - len(self.cards), 0)


def board_columns(
    opportunities: QuerySet[Opportunity], cap: int = BOARD_CARDS_PER_COLUMN
) -> list[BoardColumn]:
    """One column per stage: counts and sums in one grouped query, then at most ``cap``
    cards per column (soonest expected close first; most recent first when closed)."""
    columns = {
        stage: BoardColumn(stage=stage, label=str(label))
        for stage, label in Opportunity.Stage.choices
    }
    grouped = (
        opportunities.order_by()
        .values("stage")
        .annotate(n=Count("id"), total=Sum("amount"), weighted=Sum(_WEIGHTED))
    )
    for row in grouped:
        if column := columns.get(row["stage"]):
            column.n = row["n"]
            column.amount = row["total"] or Decimal("0")
            column.weighted = row["weighted"] or Decimal("0")
    for column in columns.values():
        if column.n == 0:
            continue
        order = ("expected_close_date", "id")
        if column.stage not in Opportunity.OPEN_STAGES:
            order = ("-expected_close_date", "-id")
        column.cards = list(opportunities.filter(stage=column.stage).order_by(*order)[:cap])
    return list(columns.values())


# Activities


def visible_activities(user: User) -> QuerySet[Activity]:
    """Activities about customers the user may see, and the user's own activities that
    are about no customer."""
    if sees_all_customers(user):
        return Activity.objects.all()
    if not user.is_authenticated:
        return Activity.objects.none()
    return Activity.objects.filter(customer_scope(user) | Q(customer__isnull=True, owner=user))


def filtered_activities(
    user: User,
    *,
    who: str = "mine",
    state: str = "open",
    overdue: str = "",
    kind: str = "",
    customer: str = "",
    opportunity: str = "",
    sort: str = "due",
) -> QuerySet[Activity]:
    """The activity list: by default the user's own open activities, soonest due first."""
    queryset = visible_activities(user).select_related("customer", "opportunity", "owner")
    if who != "all":
        queryset = queryset.filter(owner_id=user.pk)
    if state == "open" or overdue:
        queryset = queryset.filter(completed_at__isnull=True)
    elif state == "done":
        queryset = queryset.filter(completed_at__isnull=False)
    if overdue:
        queryset = queryset.filter(due_at__lt=timezone.now())
    queryset = where_given(queryset, kind=kind)
    if customer.isdigit():
        queryset = queryset.filter(customer_id=int(customer))
    if opportunity.isdigit():
        queryset = queryset.filter(opportunity_id=int(opportunity))
    return _sorted(queryset, ACTIVITY_SORTS, sort, "due")


def customer_activities(customer_id: int, limit: int = 10) -> dict[str, Any]:
    """The 360 page's activities: every open one (soonest due first, up to ``limit``),
    then the latest done ones; and how many are open."""
    activities = Activity.objects.filter(customer_id=customer_id).select_related(
        "owner", "opportunity"
    )
    open_ones = activities.filter(completed_at__isnull=True).order_by("due_at", "id")
    done = activities.filter(completed_at__isnull=False).order_by("-completed_at", "-id")
    shown = list(open_ones[:limit])
    return {
        "activities": shown + list(done[: max(limit - len(shown), 3)]),
        "n_open_activities": open_ones.count(),
    }
