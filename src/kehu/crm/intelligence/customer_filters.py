"""The customer filter in the vocabulary of the analysis: who a customer is (status,
region, owner, tags) and what the analysis says of them (tier, ABC class, RFM and
cluster segment, lifecycle and loyalty stage, P(alive), CLV, churn risk, deviation
flags). The customer list reads it from the query string, a campaign's target list
and an automation rule store it; ``kehu.crm.customers.queries.filtered_customers``
runs it. It lives here, beside the labels of the scores, because the customers app
below may not know them."""

from __future__ import annotations

from collections.abc import Mapping

from kehu.crm.customers import queries
from kehu.crm.customers.models import Customer
from kehu.crm.intelligence import labels
from kehu.crm.intelligence.mining_labels import FLAG_KINDS
from kehu.crm.validation import Amount, Choice, Id, Param, Share, Text, clean_params

SORTS = [
    *queries.SORTABLE_FIELDS,
    *(f"{sign}{key}" for key in queries.SCORE_SORTS for sign in ("", "-")),
]
# How each filter is read: a value outside its choices is a 400 (a form error where a
# form holds it) that says what is allowed.
CUSTOMER_FILTERS: dict[str, Param] = {
    "q": Text(),
    "status": Choice(Customer.Status.values),
    "kind": Choice(Customer.Kind.values),
    "country": Text(),
    "region": Text(),
    "owner": Id("me"),
    "tag": Text(),
    "tier": Choice(labels.TIERS),
    "abc": Choice(labels.ABC_CLASSES),
    "segment": Choice(labels.SEGMENTS),
    "lifecycle": Choice(labels.LIFECYCLE),
    "loyalty": Choice(labels.LOYALTY),
    "min_p_alive": Share(),
    "min_clv": Amount(),
    "cluster": Id(),
    "min_churn": Share(),
    "min_flags": Choice(["1", "2", "3"]),
    "flag": Choice(FLAG_KINDS),
    "sort": Choice(SORTS),
}


def clean_customer_filters(params: Mapping[str, str]) -> dict[str, str]:
    """The customer filters present in ``params``, checked (``InvalidParameter`` names
    the first bad one); ``sort`` is not a filter and is left out."""
    cleaned = clean_params(params, CUSTOMER_FILTERS)
    cleaned.pop("sort", None)
    return cleaned
