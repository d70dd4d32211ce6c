"""Request and response bodies of the sales API: orders with lines, opportunities and
activities."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from kehu.crm.customers.models import Customer
from kehu.crm.rest import (
    CONFIRM_DATES,
    Day,
    DbId,
    InSchema,
    Username,
    When,
    choice,
    decimal,
    patch_schema,
    text,
    username_of,
)
from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine, SalesChannel
from kehu.crm.sales.queries import ORDER_STATUS_FLOW

OrderKind = choice(Order.Kind)
OrderStatus = choice(Order.Status)
Channel = choice(SalesChannel)
Stage = choice(Opportunity.Stage)
SourceChannel = choice(Customer.Channel)
ActivityKind = choice(Activity.Kind)
Quantity = decimal(12, 3, ge="0.001")
Price = decimal(12, 2, ge="0")
Discount = decimal(5, 2, ge="0", le="100")
Amount = decimal(14, 2, ge="0")
Name = text(200, min_length=1)
Line200 = text(200)
OrderNumber = text(30, min_length=1)
Notes = text()

# --- orders -------------------------------------------------------------------------


class OrderLineIn(InSchema):
    product_id: DbId | None = None
    quantity: Quantity
    unit_price: Price | None = Field(None, description="Defaults to the product's list price")
    discount_pct: Discount = Decimal("0")
    description: Line200 = Field("", description="Defaults to the product's name")


class OrderIn(InSchema):
    customer_id: DbId
    kind: OrderKind = Order.Kind.SALE.value
    original_order_id: DbId | None = Field(None, description="The order a return refers to")
    status: OrderStatus = Order.Status.CONFIRMED.value
    channel: Channel = SalesChannel.WEB.value
    ordered_at: When | None = Field(None, description="Defaults to now")
    number: OrderNumber | None = Field(None, description="Defaults to the next SO number")
    notes: Notes = ""
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    confirm_dates: bool = Field(False, description=CONFIRM_DATES)


class OrderStatusIn(InSchema):
    status: OrderStatus


class OrderOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_code: str
    customer_name: str
    kind: str
    original_order_id: int | None
    status: str
    next_statuses: list[str]
    channel: str
    ordered_at: datetime
    total_amount: Decimal
    owner: str | None
    notes: str
    created_at: datetime

    @staticmethod
    def resolve_next_statuses(obj: Order) -> list[str]:
        return [str(s) for s in ORDER_STATUS_FLOW.get(obj.status, ())]

    @staticmethod
    def resolve_customer_code(obj: Order) -> str:
        return obj.customer.code

    @staticmethod
    def resolve_customer_name(obj: Order) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj: Order) -> str | None:
        return username_of(obj.owner)


class OrderLineOut(Schema):
    id: int
    product_id: int | None
    product_sku: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    line_total: Decimal

    @staticmethod
    def resolve_product_sku(obj: OrderLine) -> str | None:
        return obj.product.sku if obj.product_id else None


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Order) -> list[OrderLine]:
        return list(obj.lines.all())


class OrderFilters(Schema):
    customer_id: DbId | None = None
    status: OrderStatus | None = None
    kind: OrderKind | None = None
    channel: Channel | None = None
    since: When | None = Field(None, description="Ordered at or after")
    until: When | None = Field(None, description="Ordered before")


# --- opportunities ------------------------------------------------------------------


class OpportunityIn(InSchema):
    name: Name
    customer_id: DbId
    contact_id: DbId | None = None
    owner: Username | None = Field(
        None, description="Username; only users who see every customer may set it."
    )
    stage: Stage = Opportunity.Stage.QUALIFICATION.value
    probability: int | None = Field(
        None, ge=0, le=100, description="Defaults to the stage's probability"
    )
    amount: Amount = Decimal("0")
    expected_close_date: Day | None = None
    competitor: Line200 = ""
    lost_reason: Line200 = ""
    source_channel: SourceChannel | Literal[""] = ""
    confirm_dates: bool = Field(False, description=CONFIRM_DATES)


OpportunityPatch = patch_schema(OpportunityIn, "OpportunityPatch", exclude=("customer_id",))


class OpportunityOut(Schema):
    id: int
    name: str
    customer_id: int
    contact_id: int | None
    owner: str | None
    stage: str
    probability: int
    amount: Decimal
    weighted_amount: Decimal
    expected_close_date: date | None
    competitor: str
    lost_reason: str
    source_channel: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_owner(obj: Opportunity) -> str | None:
        return username_of(obj.owner)


class OpportunityFilters(Schema):
    customer_id: DbId | None = None
    stage: Stage | None = None
    open: bool | None = Field(None, description="Only open (true) or closed (false) ones")
    owner: Username | None = Field(None, description="A username, or 'me'")


# --- activities ---------------------------------------------------------------------


class ActivityIn(InSchema):
    subject: Name
    kind: ActivityKind = Activity.Kind.TASK.value
    customer_id: DbId | None = None
    opportunity_id: DbId | None = None
    due_at: When
    notes: Notes = ""
    confirm_dates: bool = Field(False, description=CONFIRM_DATES)


class ActivityCompleteIn(InSchema):
    done: bool = True


class ActivityOut(Schema):
    id: int
    subject: str
    kind: str
    customer_id: int | None
    opportunity_id: int | None
    owner: str
    due_at: datetime
    completed_at: datetime | None
    notes: str
    created_at: datetime

    @staticmethod
    def resolve_owner(obj: Activity) -> str:
        return obj.owner.get_username()


class ActivityFilters(Schema):
    customer_id: DbId | None = None
    opportunity_id: DbId | None = None
    kind: ActivityKind | None = None
    done: bool | None = None
    mine: bool = Field(False, description="Only the current user's activities")
