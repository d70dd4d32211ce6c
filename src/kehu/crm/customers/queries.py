"""Reads of customers shared by the screens, the API and exports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from kehu.crm.accounts.roles import sees_all_customers
from kehu.crm.customers.models import Contact, Customer, CustomerSearchTerm, contact_expressions
from kehu.crm.customers.search import contact_key, query_prefixes
from kehu.crm.lists import where_given

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
# Sorts on the current value scores (intelligence.CustomerScore): customers without
# the score are left out, so that the sort is a scan of the score's index.
SCORE_SORTS = {
    "clv": "predicted_clv",
    "p_alive": "p_alive",
    "value": "value_score",
    "churn": "churn_risk",
    "flags": "n_flags",
}


def _order(queryset: QuerySet[Customer], sort: str) -> QuerySet[Customer]:
    key = sort.removeprefix("-")
    if key in SCORE_SORTS:
        field = f"score__{SCORE_SORTS[key]}"
        sign = "-" if sort.startswith("-") else ""
        queryset = queryset.filter(**{f"{field}__isnull": False})
        return queryset.order_by(f"{sign}{field}", f"{sign}score__customer_id")
    return queryset.order_by(*SORTABLE_FIELDS.get(sort, SORTABLE_FIELDS["name"]))


def _share(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value <= 1 else None


def _amount(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value < float("inf") else None


def visible_customers(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Customer]:
    """Customers this user may see: all of them, or a sales user's own; never a record
    merged into another by deduplication."""
    if not user.is_authenticated:
        return Customer.objects.none()
    live = Customer.objects.filter(merged_into__isnull=True)  # merged records are history
    if sees_all_customers(user):
        return live
    return live.filter(owner=user)


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
    the query, or one of whose contacts has an email or phone starting with it: at most
    ``limit`` of them (each way), so that a word thousands of customers share ("Ltd", a
    common surname) costs no more than a rare one. The longest word drives
    the index; each other word is an EXISTS probe on (customer, term). ``scope`` (on
    ``customer__`` fields) limits the candidates before the limit is applied."""
    ways = _matching_ways(query, scope)
    if not ways:
        return queryset
    condition = Q()
    for way in ways:
        condition |= Q(pk__in=_first_customers(way, limit))
    return queryset.filter(condition)


def search_is_capped(query: str, limit: int = SEARCH_LIMIT, scope: Q | None = None) -> bool:
    """Whether :func:`search` left matches out: some way of matching reached its limit."""
    rows = limit * ROWS_PER_CUSTOMER
    return any(
        way[rows - 1 : rows].exists() or _first_customers(way, limit)[limit - 1 : limit].exists()
        for way in _matching_ways(query, scope)
    )


#: how many rows of one way of matching a customer may have: words of a name alike
#: ("Smith Smithson"), the whole name, the code and the email may all start the same
ROWS_PER_CUSTOMER = 4


def _first_customers(way: QuerySet[Any], limit: int) -> QuerySet[Any]:
    """At most ``limit`` customers of a way of matching, found among its first rows: a
    DISTINCT over all the rows of a word thousands of customers share ("Ltd", a common
    surname) would read every one of them before the limit."""
    first_rows = way.values("customer_id")[: limit * ROWS_PER_CUSTOMER]
    return Customer.objects.filter(pk__in=first_rows).order_by().values("pk")[:limit]


def _matching_ways(query: str, scope: Q | None) -> list[QuerySet[Any]]:
    """The ways a customer matches ``query``, each a query of rows with a customer id:
    search terms (the words of their names, codes, emails and phones), and contacts
    (their emails and phones)."""
    prefixes = query_prefixes(query)
    if not prefixes:
        return []
    first, *others = prefixes
    matches = _terms_starting(first)
    if scope is not None:
        matches = matches.filter(scope)
    for prefix in others:
        matches = matches.filter(
            Exists(_terms_starting(prefix).filter(customer_id=OuterRef("customer_id")))
        )
    ways = [matches]
    if (by_contact := _contact_matches(query, scope)) is not None:
        ways.append(by_contact)
    return ways


def _contact_matches(query: str, scope: Q | None) -> QuerySet[Contact] | None:
    """Customers with a contact whose email starts with the query, or whose phone digits
    start with the query's digits: a range on the contacts' expression indexes."""
    key = contact_key(query)
    if key is None:
        return None
    field, prefix = key
    contacts = Contact.objects.annotate(_key=contact_expressions()[field]).filter(
        _key__gte=prefix, _key__lt=prefix + _TOP
    )
    if scope is not None:
        contacts = contacts.filter(scope)
    return contacts.order_by()


def filtered_customers(
    user: AbstractBaseUser | AnonymousUser,
    *,
    q: str = "",
    status: str = "",
    kind: str = "",
    country: str = "",
    owner: str = "",
    tag: str = "",
    region: str = "",
    tier: str = "",
    abc: str = "",
    segment: str = "",
    lifecycle: str = "",
    loyalty: str = "",
    min_p_alive: str = "",
    min_clv: str = "",
    cluster: str = "",
    min_churn: str = "",
    min_flags: str = "",
    flag: str = "",
    sort: str = "name",
) -> QuerySet[Customer]:
    """The customer list as the list page, the API and the CSV export share it; with
    each customer's current value scores (``customer.score``) in the same query."""
    queryset = visible_customers(user).select_related("owner", "score")
    if q.strip():
        queryset = search(queryset, q, scope=customer_scope(user))
    queryset = where_given(
        queryset,
        status=status,
        kind=kind,
        country=country,
        region=region,
        score__tier=tier,
        score__abc_class=abc,
        score__rfm_segment=segment,
        score__lifecycle_stage=lifecycle,
        score__loyalty_stage=loyalty,
    )
    if owner == "me":
        queryset = queryset.filter(owner=user)
    elif owner.isascii() and owner.isdigit():
        queryset = queryset.filter(owner_id=int(owner))
    if tag:
        queryset = queryset.filter(tags__name=tag)
    if (share := _share(min_p_alive)) is not None:
        queryset = queryset.filter(score__p_alive__gte=share)
    if (clv := _amount(min_clv)) is not None:
        queryset = queryset.filter(score__predicted_clv__gte=clv)
    return _order(_mining_filters(queryset, cluster, min_churn, min_flags, flag), sort)


def _mining_filters(
    queryset: QuerySet[Customer], cluster: str, min_churn: str, min_flags: str, flag: str
) -> QuerySet[Customer]:
    """The data-mining columns of the current scores: the analysis segment (its key),
    churn risk at least a share, at least n deviation flags, a flag of one kind (read
    from the stored flags; the n_flags index narrows the candidates first)."""
    if cluster.isascii() and cluster.isdigit():
        queryset = queryset.filter(score__segment=int(cluster))
    if (share := _share(min_churn)) is not None:
        queryset = queryset.filter(score__churn_risk__gte=share)
    if min_flags.isascii() and min_flags.isdigit():
        queryset = queryset.filter(score__n_flags__gte=int(min_flags))
    if flag:
        queryset = queryset.filter(score__n_flags__gte=1, insight__flags__icontains=f'"{flag}"')
    return queryset
