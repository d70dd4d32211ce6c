"""Request and response bodies of the customers API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from kehu.crm.customers.models import Contact, Customer
from kehu.crm.customers.queries import SORTABLE_FIELDS
from kehu.crm.rest import InSchema, Username, choice, patch_schema, text, username_of

CustomerKind = choice(Customer.Kind)
CustomerStatus = choice(Customer.Status)
CustomerChannel = choice(Customer.Channel)
CustomerSort = Literal[tuple(SORTABLE_FIELDS)]
Name = text(200, min_length=1)
Short = text(100)
Address = text(300)
PostalCode = text(20)
Phone = text(40)
Email = text(254)
Website = text(200)
TagName = text(50, min_length=1)
Notes = text()
SearchText = text(200)


class CustomerIn(InSchema):
    name: Name
    kind: CustomerKind = Customer.Kind.COMPANY.value
    status: CustomerStatus = Customer.Status.PROSPECT.value
    industry: Short = ""
    country: Short = ""
    region: Short = ""
    city: Short = ""
    address: Address = ""
    postal_code: PostalCode = ""
    phone: Phone = ""
    email: Email = ""
    website: Website = ""
    source_channel: CustomerChannel = Customer.Channel.OTHER.value
    owner: Username | None = Field(
        None, description="Username of the owner; only users who see every customer may set it."
    )
    consent_email: bool = False
    consent_sms: bool = False
    consent_phone: bool = False
    tags: list[TagName] = Field(default_factory=list, max_length=50)
    notes: Notes = ""


CustomerPatch = patch_schema(CustomerIn, "CustomerPatch")


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    status: str
    industry: str
    country: str
    region: str
    city: str
    address: str
    postal_code: str
    phone: str
    email: str
    website: str
    source_channel: str
    owner: str | None
    consent_email: bool
    consent_sms: bool
    consent_phone: bool
    tags: list[str]
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Customer) -> str | None:
        return username_of(obj.owner)

    @staticmethod
    def resolve_tags(obj: Customer) -> list[str]:
        return [t.name for t in obj.tags.all()]


class CustomerFilters(Schema):
    q: SearchText = Field("", description="Words that start a word of name, code, email or phone")
    status: CustomerStatus | None = None
    kind: CustomerKind | None = None
    country: Short = ""
    owner: SearchText = Field("", description="'me', a user id or a username")
    tag: SearchText = ""
    sort: CustomerSort = "name"


class ContactIn(InSchema):
    name: Name
    title: Short = ""
    department: Short = ""
    email: Email = ""
    phone: Phone = ""
    is_primary: bool = False


ContactPatch = patch_schema(ContactIn, "ContactPatch")


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    department: str
    email: str
    phone: str
    is_primary: bool
    created_at: datetime

    @staticmethod
    def resolve_customer_id(obj: Contact) -> int:
        return obj.customer_id
