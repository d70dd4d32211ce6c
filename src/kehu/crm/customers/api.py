"""REST endpoints of customers and their contacts. (A customer's timeline, which reads
other domains, is in :mod:`kehu.crm.screens.api`.)"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.customers import actions
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.customers.queries import customer_scope, filtered_customers, visible_customers
from kehu.crm.customers.schemas import (
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
)
from kehu.crm.rest import (
    DB_INT_MAX,
    ERRORS,
    DbId,
    Pagination,
    get_or_invalid,
    require_perm,
    user_by_username,
)

router = Router(tags=["customers"])


def visible_customer(request: HttpRequest, pk: int, *, full: bool = True) -> Customer:
    """The customer ``pk`` if this user may see it, else 404 (never 403: a sales user
    must not learn which ids exist). ``full`` loads the owner and tags for ``CustomerOut``."""
    customers = visible_customers(request.user)
    if full:
        customers = customers.select_related("owner").prefetch_related("tags")
    customer = customers.filter(pk=pk).first()
    if customer is None:
        raise Http404(f"No customer with id {pk}.")
    return customer


def named_customer(request: HttpRequest, customer_id: int | None) -> Customer:
    """The customer a request body names by ``customer_id`` (an order's, a ticket's, an
    interaction's), if this user may see it; else a 422 that names ``customer_id``."""
    return get_or_invalid(visible_customers(request.user), customer_id, "customer_id", "customer")


def _owner_filter(owner: str) -> str:
    """``filtered_customers`` takes 'me' or a user id; a username is looked up."""
    if owner in ("", "me") or (owner.isascii() and owner.isdigit() and int(owner) <= DB_INT_MAX):
        return owner
    user = get_user_model().objects.filter(username=owner).first()
    return str(user.pk) if user is not None else "0"


def _owner_fields(request: HttpRequest, fields: dict[str, Any]) -> None:
    """Turn ``owner`` (a username) into a user; only users who see every customer may
    assign owners, as on the customer form."""
    if "owner" not in fields:
        return
    if not sees_all_customers(request.user):
        raise PermissionDenied("Only users who see every customer may assign an owner.")
    fields["owner"] = user_by_username(fields["owner"], "owner")


@router.get("/customers", response=list[CustomerOut], summary="List customers")
@paginate(Pagination)
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> QuerySet[Customer]:
    require_perm(request, "customers.view_customer")
    params = filters.model_dump(exclude_none=True)
    params["owner"] = _owner_filter(params["owner"])
    return filtered_customers(request.user, **params).prefetch_related("tags")


@router.post("/customers", response={201: CustomerOut, **ERRORS}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    require_perm(request, "customers.add_customer")
    fields = payload.model_dump(exclude={"tags"})
    if "owner" not in payload.model_fields_set:
        del fields["owner"]
    _owner_fields(request, fields)
    customer = actions.create_customer(by=request.user, tags=payload.tags, **fields)
    return Status(201, visible_customer(request, customer.pk))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request: HttpRequest, customer_id: DbId) -> Customer:
    require_perm(request, "customers.view_customer")
    return visible_customer(request, customer_id)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request: HttpRequest, customer_id: DbId, payload: CustomerPatch) -> Customer:
    require_perm(request, "customers.change_customer")
    customer = visible_customer(request, customer_id)
    fields = payload.model_dump(exclude_unset=True)
    tags = fields.pop("tags", None)
    _owner_fields(request, fields)
    with transaction.atomic():
        actions.update_customer(customer, tags=tags, **fields)
    return visible_customer(request, customer_id)


@router.get("/customers/{customer_id}/contacts", response=list[ContactOut])
@paginate(Pagination)
def list_contacts(request: HttpRequest, customer_id: DbId) -> QuerySet[Contact]:
    require_perm(request, "customers.view_contact")
    return visible_customer(request, customer_id, full=False).contacts.order_by(
        "-is_primary", "name", "id"
    )


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **ERRORS})
def create_contact(request: HttpRequest, customer_id: DbId, payload: ContactIn) -> Status:
    require_perm(request, "customers.add_contact")
    customer = visible_customer(request, customer_id, full=False)
    return Status(201, actions.add_contact(customer, **payload.model_dump()))


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def update_contact(request: HttpRequest, contact_id: DbId, payload: ContactPatch) -> Contact:
    require_perm(request, "customers.change_contact")
    contact = (
        Contact.objects.filter(customer_scope(request.user))
        .select_related("customer")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404(f"No contact with id {contact_id}.")
    return actions.update_contact(contact, **payload.model_dump(exclude_unset=True))
