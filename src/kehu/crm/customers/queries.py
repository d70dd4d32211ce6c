"""Reads of customers shared by the screens, the API and exports."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.customers.models import Customer, CustomerSearchTerm
from kehu.crm.customers.search import query_prefixes

_TOP = "\U0010ffff"
SORTABLE_FIELDS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "code": ("code",),
    "-code": ("-code",),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "country": ("country", "name", "id"),
    "status": ("status", "name", "id"),
}


def visible_customers(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Customer]:
    """Customers this user may see: all of them, or a sales user's own."""
    if not user.is_authenticated:
        return Customer.objects.none()
    if sees_all_customers(user):
        return Customer.objects.all()
    return Customer.objects.filter(owner=user)


def customer_scope(user: AbstractBaseUser | AnonymousUser, field: str = "customer") -> Q:
    """A filter restricting a related table (orders, tickets, ...) to visible customers."""
    if sees_all_customers(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{field}__owner": user})


SEARCH_LIMIT = 1000


def _terms_starting(prefix: str) -> QuerySet[CustomerSearchTerm]:
    # the range drives the index; startswith keeps prefix semantics under any collation
    return CustomerSearchTerm.objects.filter(
        term__gte=prefix, term__lt=prefix + _TOP, term__startswith=prefix
    )


def search(
    queryset: QuerySet[Customer],
    query: str,
    limit: int = SEARCH_LIMIT,
    scope: Q | None = None,
) -> QuerySet[Customer]:
    """Customers whose name, code, email or phone has a word starting with each word of
    the query: at most ``limit`` of them, so that a word thousands of customers share
    ("Ltd", a common surname) costs no more than a rare one. The longest word drives
    the index; each other word is an EXISTS probe on (customer, term). ``scope`` (on
    ``customer__`` fields) limits the candidates before the limit is applied."""
    prefixes = query_prefixes(query)
    if not prefixes:
        return queryset
    first, *others = prefixes
    matches = _terms_starting(first)
    if scope is not None:
        matches = matches.filter(scope)
    for prefix in others:
        matches = matches.filter(
            Exists(_terms_starting(prefix).filter(customer_id=OuterRef("customer_id")))
        )
    ids = matches.values("customer_id").distinct()[:limit]
    return queryset.filter(pk__in=ids)


def filtered_customers(
    user: AbstractBaseUser | AnonymousUser,
    *,
    q: str = "",
    status: str = "",
    kind: str = "",
    country: str = "",
    owner: str = "",
    tag: str = "",
    sort: str = "name",
) -> QuerySet[Customer]:
    """The customer list as the list page, the API and the CSV export share it."""
    queryset = visible_customers(user).select_related("owner")
    if q.strip():
        queryset = search(queryset, q, scope=customer_scope(user))
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if country:
        queryset = queryset.filter(country=country)
    if owner == "me":
        queryset = queryset.filter(owner=user)
    elif owner.isdigit():
        queryset = queryset.filter(owner_id=int(owner))
    if tag:
        queryset = queryset.filter(tags__name=tag)
    return queryset.order_by(*SORTABLE_FIELDS.get(sort, SORTABLE_FIELDS["name"]))
