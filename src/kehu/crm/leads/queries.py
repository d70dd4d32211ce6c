"""Reads of leads shared by the pages, the API and the actions: the customers a lead
probably is, the filtered list, and each lead's timeline."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from kehu.crm.customers.models import Contact, Customer, CustomerSearchTerm, contact_expressions
from kehu.crm.customers.search import normalise
from kehu.crm.leads.models import Lead, LeadEvent
from kehu.crm.lists import where_given
from kehu.crm.marketing.models import Campaign

MATCH_LIMIT = 10


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def matching_customers(
    email: str, phone: str, company: str = "", limit: int = MATCH_LIMIT
) -> list[Customer]:
    """Live customers with the same email or phone (their own, or one of their contacts'),
    then those whose name is the company's: what a lead probably is. Index lookups only
    (the customers' search terms, the contacts' expression indexes)."""
    terms: list[str] = []
    if email:
        terms.append(normalise(email))
    digits = _digits(phone)
    if len(digits) >= 5:
        terms.append(digits)
    ids: list[int] = []
    if terms:
        ids += CustomerSearchTerm.objects.filter(term__in=terms).values_list(
            "customer_id", flat=True
        )[:limit]
        exprs = contact_expressions()
        by_contact = Q(pk__in=[])
        contacts = Contact.objects.annotate(_email=exprs["email"], _phone=exprs["phone"])
        if email:
            by_contact |= Q(_email=normalise(email))
        if len(digits) >= 5:
            by_contact |= Q(_phone=digits)
        ids += contacts.filter(by_contact).values_list("customer_id", flat=True)[:limit]
    if company.strip():
        ids += CustomerSearchTerm.objects.filter(term=normalise(company)).values_list(
            "customer_id", flat=True
        )[:limit]
    if not ids:
        return []
    found = Customer.objects.filter(pk__in=ids, merged_into__isnull=True).in_bulk()
    ordered = list(dict.fromkeys(i for i in ids if i in found))
    return [found[i] for i in ordered[:limit]]


def matching_customer(email: str, phone: str) -> Customer | None:
    """The first live customer with the same email or phone, or None."""
    if not email and len(_digits(phone)) < 5:
        return None
    found = matching_customers(email, phone, limit=1)
    return found[0] if found else None


# --- the list ---------------------------------------------------------------------------

#: score bands of the list's filter: (key, lowest score, below this score)
SCORE_BANDS = {"high": (0.6, 1.01), "medium": (0.3, 0.6), "low": (0.0, 0.3)}
LEAD_SORTS = {
    "-score": (F("score").desc(nulls_last=True), "-id"),
    "score": (F("score").asc(nulls_last=True), "id"),
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "company": ("company", "id"),
    "-company": ("-company", "-id"),
}
DEFAULT_SORT = "-created"


def filtered_leads(
    *,
    q: str = "",
    status: str = "",
    source: str = "",
    campaign: str = "",
    owner: str = "",
    band: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Lead]:
    """The leads of the list and its export, filtered and sorted alike. ``band`` is a
    key of :data:`SCORE_BANDS` or ``none`` (not scored); ``owner`` an id or ``none``."""
    leads = Lead.objects.select_related("owner", "campaign", "customer")
    if q:
        text = q.strip()
        leads = leads.filter(
            Q(name__icontains=text)
            | Q(company__icontains=text)
            | Q(email__startswith=text.lower())
            | Q(phone__contains=text.replace(" ", ""))
        )
    leads = where_given(leads, status=status, source=source, campaign_id=campaign)
    if owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif owner:
        leads = leads.filter(owner_id=owner)
    if band == "none":
        leads = leads.filter(score__isnull=True)
    elif band:
        low, high = SCORE_BANDS[band]
        leads = leads.filter(score__gte=low, score__lt=high)
    return leads.order_by(*LEAD_SORTS.get(sort, LEAD_SORTS[DEFAULT_SORT]))


def timeline(lead: Lead) -> QuerySet[LeadEvent]:
    """The lead's status changes and activities, newest first."""
    return lead.events.select_related("actor").order_by("-occurred_at", "-id")


def lead_campaigns() -> QuerySet[Campaign]:
    """The campaigns that have leads (the list's filter)."""
    return Campaign.objects.filter(Exists(Lead.objects.filter(campaign=OuterRef("pk")))).order_by(
        "-starts_on", "-id"
    )


def lead_owners() -> QuerySet[Any]:
    """The users who own leads (the list's filter)."""
    return (
        get_user_model()
        .objects.filter(Exists(Lead.objects.filter(owner=OuterRef("pk"))))
        .order_by("username")
    )


def recent_campaigns(limit: int = 50) -> QuerySet[Campaign]:
    """The latest campaigns, for their web form addresses."""
    return Campaign.objects.exclude(status=Campaign.Status.CANCELLED).order_by("-starts_on", "-id")[
        :limit
    ]
