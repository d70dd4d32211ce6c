"""REST endpoints of orders (with lines), opportunities and activities."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.catalog.models import Product
from kehu.crm.customers.api import named_customer
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import customer_scope
from kehu.crm.far_future import refuse_far_future
from kehu.crm.rest import (
    ERRORS,
    DbId,
    Pagination,
    fields_renamed,
    filter_given,
    filter_period,
    get_or_invalid,
    invalid,
    require_perm,
    user_by_username,
)
from kehu.crm.sales import actions
from kehu.crm.sales.forms import ACTIVITY_FAR_FUTURE, OPPORTUNITY_FAR_FUTURE, ORDER_FAR_FUTURE
from kehu.crm.sales.models import Activity, Opportunity, Order
from kehu.crm.sales.schemas import (
    ActivityCompleteIn,
    ActivityFilters,
    ActivityIn,
    ActivityOut,
    OpportunityFilters,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    OrderDetailOut,
    OrderFilters,
    OrderIn,
    OrderLineIn,
    OrderOut,
    OrderStatusIn,
)

router = Router(tags=["sales"])

FIELD_NAMES = {
    "customer": "customer_id",
    "contact": "contact_id",
    "original_order": "original_order_id",
    "opportunity": "opportunity_id",
}
User = AbstractBaseUser | AnonymousUser


def _one(queryset: QuerySet[Any], pk: int, what: str) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(f"No {what} with id {pk}.")
    return obj


def _assignable_owner(request: HttpRequest, fields: dict[str, Any]) -> None:
    """``owner`` (a username) to a user; only users who see every customer assign."""
    if "owner" not in fields:
        return
    if not sees_all_customers(request.user):
        raise PermissionDenied("Only users who see every customer may assign an owner.")
    fields["owner"] = user_by_username(fields["owner"], "owner")


def _contact_of(customer: Customer, fields: dict[str, Any]) -> None:
    if "contact_id" in fields:
        fields["contact"] = get_or_invalid(
            customer.contacts.all(),
            fields.pop("contact_id"),
            "contact_id",
            "contact of this customer",
        )


# --- orders -------------------------------------------------------------------------


def visible_orders(user: User) -> QuerySet[Order]:
    return Order.objects.filter(customer_scope(user)).select_related("customer", "owner")


def _order_detail(user: User, pk: int) -> Order:
    orders = visible_orders(user).prefetch_related("lines__product")
    return _one(orders, pk, "order")


def _filter_orders(orders: QuerySet[Order], filters: OrderFilters) -> QuerySet[Order]:
    orders = filter_given(orders, filters, "customer_id", "status", "kind", "channel")
    return filter_period(orders, "ordered_at", filters.since, filters.until)


@router.get("/orders", response=list[OrderOut], summary="List orders, newest first")
@paginate(Pagination)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> QuerySet[Order]:
    require_perm(request, "sales.view_order")
    orders = _filter_orders(visible_orders(request.user), filters)
    return orders.order_by("-ordered_at", "-id")


def _order_lines(lines: list[OrderLineIn]) -> list[dict[str, Any]]:
    """The lines as ``create_order`` takes them, products looked up in one query."""
    products = Product.objects.in_bulk({ln.product_id for ln in lines if ln.product_id})
    missing = {
        f"lines.{i}.product_id": ValidationError(
            f"no product with id {ln.product_id}", code="does_not_exist"
        )
        for i, ln in enumerate(lines)
        if ln.product_id and ln.product_id not in products
    }
    if missing:
        raise ValidationError(missing)
    built = []
    for line in lines:
        fields = line.model_dump(exclude={"product_id"}, exclude_none=True)
        if not fields.get("description"):
            fields.pop("description", None)
        built.append({"product": products.get(line.product_id), **fields})
    return built


@router.post("/orders", response={201: OrderDetailOut, **ERRORS}, summary="Create an order")
def create_order(request: HttpRequest, payload: OrderIn) -> Status:
    """A sale or a return with its lines, all or nothing: one bad line creates no order."""
    require_perm(request, "sales.add_order")
    customer = named_customer(request, payload.customer_id)
    original = get_or_invalid(
        visible_orders(request.user), payload.original_order_id, "original_order_id", "order"
    )
    fields = payload.model_dump(exclude={"customer_id", "original_order_id", "lines"})
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields.pop("confirm_dates"):
        refuse_far_future(fields, ORDER_FAR_FUTURE)
    lines = _order_lines(payload.lines)
    with fields_renamed(FIELD_NAMES):
        order = actions.create_order(
            customer, lines, by=request.user, original_order=original, **fields
        )
    return Status(201, _order_detail(request.user, order.pk))


@router.get("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
def get_order(request: HttpRequest, order_id: DbId) -> Order:
    require_perm(request, "sales.view_order")
    return _order_detail(request.user, order_id)


@router.post("/orders/{order_id}/status", response={200: OrderDetailOut, **ERRORS})
def set_order_status(request: HttpRequest, order_id: DbId, payload: OrderStatusIn) -> Order:
    """Move the order along confirmed → shipped → completed, or cancel it (the same
    flow as the order page; ``next_statuses`` says where it may go)."""
    require_perm(request, "sales.change_order")
    order = _order_detail(request.user, order_id)
    return actions.set_order_status(order, payload.status)


# --- opportunities ------------------------------------------------------------------


def visible_opportunities(user: User) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(customer_scope(user)).select_related("owner")


@router.get("/opportunities", response=list[OpportunityOut], summary="List opportunities")
@paginate(Pagination)
def list_opportunities(
    request: HttpRequest, filters: Query[OpportunityFilters]
) -> QuerySet[Opportunity]:
    require_perm(request, "sales.view_opportunity")
    opportunities = visible_opportunities(request.user)
    opportunities = filter_given(opportunities, filters, "customer_id", "stage")
    if filters.open is not None:
        in_open = Q(stage__in=Opportunity.OPEN_STAGES)
        opportunities = opportunities.filter(in_open if filters.open else ~in_open)
    if filters.owner == "me":
        opportunities = opportunities.filter(owner_id=request.user.pk)
    elif filters.owner is not None:
        opportunities = opportunities.filter(owner__username=filters.owner)
    return opportunities.order_by("expected_close_date", "id")


@router.post(
    "/opportunities", response={201: OpportunityOut, **ERRORS}, summary="Create an opportunity"
)
def create_opportunity(request: HttpRequest, payload: OpportunityIn) -> Status:
    require_perm(request, "sales.add_opportunity")
    customer = named_customer(request, payload.customer_id)
    fields = payload.model_dump(exclude={"customer_id"}, exclude_none=True)
    if "owner" not in payload.model_fields_set:
        fields.pop("owner", None)
    if not fields.pop("confirm_dates"):
        refuse_far_future(fields, OPPORTUNITY_FAR_FUTURE)
    _assignable_owner(request, fields)
    _contact_of(customer, fields)
    with fields_renamed(FIELD_NAMES):
        opportunity = actions.create_opportunity(customer, by=request.user, **fields)
    return Status(201, _one(visible_opportunities(request.user), opportunity.pk, "opportunity"))


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def get_opportunity(request: HttpRequest, opportunity_id: DbId) -> Opportunity:
    require_perm(request, "sales.view_opportunity")
    return _one(visible_opportunities(request.user), opportunity_id, "opportunity")


@router.patch("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def update_opportunity(
    request: HttpRequest, opportunity_id: DbId, payload: OpportunityPatch
) -> Opportunity:
    """Change fields; a new ``stage`` moves it through the pipeline (probability and
    closing time follow the stage unless given)."""
    require_perm(request, "sales.change_opportunity")
    visible = visible_opportunities(request.user).select_related("customer")
    opportunity = _one(visible, opportunity_id, "opportunity")
    fields = payload.model_dump(exclude_unset=True)
    if not fields.pop("confirm_dates", False):
        refuse_far_future(fields, OPPORTUNITY_FAR_FUTURE)
    _assignable_owner(request, fields)
    _contact_of(opportunity.customer, fields)
    with fields_renamed(FIELD_NAMES):
        actions.update_opportunity(opportunity, **fields)
    return _one(visible_opportunities(request.user), opportunity_id, "opportunity")


# --- activities ---------------------------------------------------------------------


def visible_activities(user: User) -> QuerySet[Activity]:
    """Activities about customers the user may see, and their own about no customer."""
    activities = Activity.objects.select_related("owner")
    if sees_all_customers(user):
        return activities
    return activities.filter(customer_scope(user) | Q(customer__isnull=True, owner_id=user.pk))


@router.get("/activities", response=list[ActivityOut], summary="List activities, soonest first")
@paginate(Pagination)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> QuerySet[Activity]:
    require_perm(request, "sales.view_activity")
    activities = visible_activities(request.user)
    exact = filters.model_dump(include={"customer_id", "opportunity_id", "kind"})
    activities = activities.filter(**{k: v for k, v in exact.items() if v is not None})
    if filters.done is not None:
        activities = activities.filter(completed_at__isnull=not filters.done)
    if filters.mine:
        activities = activities.filter(owner_id=request.user.pk)
    return activities.order_by("due_at", "id")


@router.post("/activities", response={201: ActivityOut, **ERRORS}, summary="Add an activity")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status:
    """A task or appointment of the current user, about a customer or an opportunity."""
    require_perm(request, "sales.add_activity")
    user = request.user
    fields = payload.model_dump(exclude={"customer_id", "opportunity_id"})
    if not fields.pop("confirm_dates"):
        refuse_far_future(fields, ACTIVITY_FAR_FUTURE)
    fields["customer"] = named_customer(request, payload.customer_id)
    fields["opportunity"] = get_or_invalid(
        Opportunity.objects.filter(customer_scope(user)),
        payload.opportunity_id,
        "opportunity_id",
        "opportunity",
    )
    customer, opportunity = fields["customer"], fields["opportunity"]
    if customer and opportunity and opportunity.customer_id != customer.pk:
        raise invalid(
            "opportunity_id", "this opportunity belongs to another customer", "wrong_customer"
        )
    with fields_renamed(FIELD_NAMES):
        activity = actions.create_activity(owner=user, **fields)
    return Status(201, _one(visible_activities(user), activity.pk, "activity"))


@router.post("/activities/{activity_id}/complete", response={200: ActivityOut, **ERRORS})
def complete_activity(
    request: HttpRequest, activity_id: DbId, payload: ActivityCompleteIn | None = None
) -> Activity:
    """Mark an activity done (or, with ``{"done": false}``, not done)."""
    require_perm(request, "sales.change_activity")
    activity = _one(visible_activities(request.user), activity_id, "activity")
    done = payload.done if payload is not None else True
    return actions.complete_activity(activity, done=done)
