"""Writes of leads: capture (with the duplicate check on the way in), the status flow
new → working → qualified | disqualified → converted, assignment, activities logged, and
the conversion into a customer, a contact and an opportunity in one transaction.

Views, the API, the import, the attendance app, commands and tests call these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.crm.customers.actions import add_contact, create_customer
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.leads.models import Lead, LeadEvent
from kehu.crm.leads.queries import matching_customer
from kehu.crm.marketing.models import Campaign
from kehu.crm.sales.actions import create_opportunity
from kehu.crm.validation import validate

#: the fields ``capture_lead`` takes besides its named arguments
EXTRA_FIELDS = ("title", "city", "region", "notes", "created_at")

# where a converted lead's customer came from
_CUSTOMER_CHANNEL = {
    Lead.Source.WEB_FORM: Customer.Channel.WEB,
    Lead.Source.EVENT: Customer.Channel.EXHIBITION,
    Lead.Source.REFERRAL: Customer.Channel.REFERRAL,
}

_PHONE_JUNK = re.compile(r"[\s()./-]")


@dataclass(frozen=True)
class CaptureResult:
    """What :func:`capture_lead` did: ``lead`` (new or the existing one it updated),
    ``created`` (False when an open lead with the same email/phone, or the same
    ``source_key``, was returned and updated), ``matching_customer`` (an existing customer
    the lead probably is, by email or phone, or None)."""

    lead: Lead
    created: bool
    matching_customer: Customer | None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_phone(phone: str) -> str:
    """A phone number as written by a person, as ``+`` and digits (``+86 138-0013 8000``
    → ``+8613800138000``); ``00`` before a country code becomes ``+``."""
    compact = _PHONE_JUNK.sub("", (phone or "").strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact


def _check_phone(phone: str) -> None:
    digits = phone.removeprefix("+")
    if phone and (not digits.isdigit() or not 5 <= len(digits) <= 20):
        raise ValidationError(
            {
                "phone": ValidationError(
                    _("Enter a phone number of 5 to 20 digits, got %(value)s."),
                    code="invalid",
                    params={"value": phone},
                )
            }
        )


def _check_capture(name: str, email: str, phone: str, source: str) -> None:
    errors: dict[str, ValidationError] = {}
    if not name.strip():
        errors["name"] = ValidationError(_("Enter the lead's name."), code="required")
    if not email and not phone:
        errors["email"] = ValidationError(
            _("Enter an email address or a phone number, so that the lead can be reached."),
            code="required",
        )
    if source not in Lead.Source.values:
        errors["source"] = ValidationError(
            _("Source must be one of %(allowed)s, got %(value)s."),
            code="invalid_choice",
            params={"allowed": ", ".join(Lead.Source.values), "value": source},
        )
    if errors:
        raise ValidationError(errors)
    _check_phone(phone)


def _existing_lead(email: str, phone: str, source_key: str | None) -> Lead | None:
    if source_key:
        found = Lead.objects.filter(source_key=source_key).first()
        if found is not None:
            return found
    open_leads = Lead.objects.filter(status__in=Lead.OPEN_STATUSES).order_by("created_at", "id")
    if email and (found := open_leads.filter(email=email).first()) is not None:
        return found
    if phone and (found := open_leads.filter(phone=phone).first()) is not None:
        return found
    return None


def _record(
    lead: Lead,
    kind: str,
    *,
    actor: AbstractBaseUser | None = None,
    from_status: str = "",
    note: str = "",
    at: datetime | None = None,
) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        from_status=from_status,
        to_status=lead.status if kind == LeadEvent.Kind.STATUS else "",
        note=note,
        actor=actor,
        occurred_at=at or timezone.now(),
    )


@transaction.atomic
def capture_lead(
    *,
    name: str,
    email: str = "",
    phone: str = "",
    company: str = "",
    source: str,
    campaign: Campaign | None = None,
    source_detail: str = "",
    owner: AbstractBaseUser | None = None,
    actor: AbstractBaseUser | None = None,
    source_key: str | None = None,
    **fields: Any,
) -> CaptureResult:
    """Capture a lead, or update the one it already is.

    ``email`` and ``phone`` are normalised; at least one is needed. An existing lead with
    the same ``source_key`` (an import row, an event registration), or an OPEN lead with
    the same email or phone, is updated with the values given (blank values keep what it
    has) and returned with ``created=False``; a disqualified or converted lead is not
    reopened: a new lead is captured. ``matching_customer`` is an existing customer (or a
    customer one of whose contacts) with the same email or phone; it is also set as the
    lead's ``customer``. ``fields`` may be ``title``, ``city``, ``region``, ``notes`` and
    ``created_at`` (an imported lead's capture time).
    """
    unknown = sorted(set(fields) - set(EXTRA_FIELDS))
    if unknown:
        raise TypeError(f"capture_lead got unknown fields {unknown}; allowed: {EXTRA_FIELDS}")
    email, phone = normalise_email(email), normalise_phone(phone)
    name, company = (name or "").strip(), (company or "").strip()
    _check_capture(name, email, phone, source)
    match = matching_customer(email, phone)
    values: dict[str, Any] = {
        "name": name,
        "email": email,
        "phone": phone,
        "company": company,
        "source_detail": source_detail,
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()},
    }
    lead = _existing_lead(email, phone, source_key)
    if lead is not None:
        for field, value in values.items():
            if value not in ("", None) and field != "created_at":
                setattr(lead, field, value)
        lead.campaign = lead.campaign or campaign
        lead.owner = lead.owner or owner
        lead.customer = lead.customer or match
        if source_key and not lead.source_key:
            lead.source_key = source_key
        validate(lead)
        lead.save()
        _record(lead, LeadEvent.Kind.RECAPTURED, actor=actor, note=source_detail)
        return CaptureResult(lead=lead, created=False, matching_customer=match)
    lead = Lead(
        **values,
        source=source,
        campaign=campaign,
        owner=owner,
        customer=match,
        source_key=source_key or None,
    )
    validate(lead)
    lead.save()
    _record(lead, LeadEvent.Kind.CAPTURED, actor=actor, note=source_detail, at=lead.created_at)
    return CaptureResult(lead=lead, created=True, matching_customer=match)


# --- the status flow ------------------------------------------------------------------

#: the statuses each status may move to by hand (conversion has its own action)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Lead.Status.NEW: (Lead.Status.WORKING, Lead.Status.QUALIFIED, Lead.Status.DISQUALIFIED),
    Lead.Status.WORKING: (Lead.Status.QUALIFIED, Lead.Status.DISQUALIFIED),
    Lead.Status.QUALIFIED: (Lead.Status.WORKING, Lead.Status.DISQUALIFIED),
    Lead.Status.DISQUALIFIED: (Lead.Status.WORKING,),
    Lead.Status.CONVERTED: (),
}


def _move(lead: Lead, status: str, actor: AbstractBaseUser | None, note: str = "") -> Lead:
    if status not in TRANSITIONS[lead.status]:
        raise ValidationError(
            _("A %(current)s lead cannot be marked %(status)s.")
            % {
                "current": Lead.Status(lead.status).label,
                "status": Lead.Status(status).label,
            },
            code="invalid_transition",
        )
    previous = lead.status
    lead.status = status
    validate(lead)
    lead.save()
    _record(lead, LeadEvent.Kind.STATUS, actor=actor, from_status=previous, note=note)
    return lead


@transaction.atomic
def start_working(lead: Lead, *, actor: AbstractBaseUser | None = None) -> Lead:
    """Mark a new lead as being worked on."""
    return _move(lead, Lead.Status.WORKING, actor)


@transaction.atomic
def qualify(lead: Lead, *, actor: AbstractBaseUser | None = None, note: str = "") -> Lead:
    """Mark a lead qualified: a real prospect, ready to convert."""
    return _move(lead, Lead.Status.QUALIFIED, actor, note)


@transaction.atomic
def disqualify(
    lead: Lead, *, reason: str, note: str = "", actor: AbstractBaseUser | None = None
) -> Lead:
    """Set a lead aside with a ``reason`` (a :class:`Lead.DisqualifyReason`) and a note;
    "other" needs the note."""
    if reason not in Lead.DisqualifyReason.values:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Reason must be one of %(allowed)s, got %(value)s."),
                    code="invalid_choice",
                    params={"allowed": ", ".join(Lead.DisqualifyReason.values), "value": reason},
                )
            }
        )
    if reason == Lead.DisqualifyReason.OTHER and not note.strip():
        raise ValidationError({"note": ValidationError(_("Say why in the note."), code="required")})
    lead.disqualify_reason = reason
    lead.disqualify_note = note.strip()
    return _move(lead, Lead.Status.DISQUALIFIED, actor, note.strip())


@transaction.atomic
def reopen(lead: Lead, *, actor: AbstractBaseUser | None = None) -> Lead:
    """Take a disqualified lead back to working; its reason is cleared."""
    if lead.status != Lead.Status.DISQUALIFIED:
        raise ValidationError(
            _("Only a disqualified lead can be reopened."), code="not_disqualified"
        )
    lead.disqualify_reason = ""
    lead.disqualify_note = ""
    return _move(lead, Lead.Status.WORKING, actor)


@transaction.atomic
def assign(
    lead: Lead, *, owner: AbstractBaseUser | None, actor: AbstractBaseUser | None = None
) -> Lead:
    """Give the lead to ``owner`` (None: nobody)."""
    lead.owner = owner
    lead.save(update_fields=["owner", "updated_at"])
    _record(lead, LeadEvent.Kind.ASSIGNED, actor=actor, note=str(owner or ""))
    return lead


@transaction.atomic
def bulk_assign(
    leads: Iterable[Lead], *, owner: AbstractBaseUser | None, actor: AbstractBaseUser | None
) -> int:
    """Assign each lead to ``owner``; returns how many."""
    n = 0
    for lead in leads:
        assign(lead, owner=owner, actor=actor)
        n += 1
    return n


@transaction.atomic
def bulk_disqualify(
    leads: Iterable[Lead], *, reason: str, note: str = "", actor: AbstractBaseUser | None
) -> tuple[int, int]:
    """Disqualify each open lead; returns (disqualified, skipped as not open)."""
    done = skipped = 0
    for lead in leads:
        if (
            lead.status not in TRANSITIONS
            or Lead.Status.DISQUALIFIED not in TRANSITIONS[lead.status]
        ):
            skipped += 1
            continue
        disqualify(lead, reason=reason, note=note, actor=actor)
        done += 1
    return done, skipped


@transaction.atomic
def log_activity(
    lead: Lead, *, kind: str, note: str, actor: AbstractBaseUser | None = None
) -> LeadEvent:
    """Log a call, email, meeting or note on the lead's timeline; a new lead is being
    worked from then on."""
    if kind not in LeadEvent.ACTIVITY_KINDS:
        raise ValidationError(
            {
                "kind": ValidationError(
                    _("Kind must be one of %(allowed)s, got %(value)s."),
                    code="invalid_choice",
                    params={"allowed": ", ".join(LeadEvent.ACTIVITY_KINDS), "value": kind},
                )
            }
        )
    if not note.strip():
        raise ValidationError({"note": ValidationError(_("Enter a note."), code="required")})
    event = _record(lead, kind, actor=actor, note=note.strip())
    if lead.status == Lead.Status.NEW:
        _move(lead, Lead.Status.WORKING, actor)
    return event


# --- conversion -----------------------------------------------------------------------


def _refuse_conversion(lead: Lead) -> None:
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError(
            _("This lead was already converted (into %(customer)s).")
            % {"customer": lead.customer or "-"},
            code="already_converted",
        )
    if lead.status == Lead.Status.DISQUALIFIED:
        raise ValidationError(
            _("A disqualified lead cannot be converted: reopen it first."),
            code="disqualified",
        )


def _new_customer(lead: Lead, actor: AbstractBaseUser) -> Customer:
    return create_customer(
        name=lead.company or lead.name,
        kind=Customer.Kind.COMPANY if lead.company else Customer.Kind.PERSON,
        by=actor,
        owner=lead.owner or actor,
        email=lead.email,
        phone=lead.phone,
        city=lead.city,
        region=lead.region,
        source_channel=_CUSTOMER_CHANNEL.get(lead.source, Customer.Channel.OTHER),
    )


def _contact_for(lead: Lead, customer: Customer) -> Contact:
    existing = customer.contacts.all()
    if lead.email and (same := existing.filter(email__iexact=lead.email).first()):
        return same
    return add_contact(
        customer,
        name=lead.name,
        title=lead.title,
        email=lead.email,
        phone=lead.phone,
        is_primary=not existing.exists(),
    )


@transaction.atomic
def convert_lead(
    lead: Lead,
    *,
    actor: AbstractBaseUser,
    customer: Customer | None = None,
    create_opportunity: bool = True,
    opportunity_name: str | None = None,
    amount: Decimal | None = None,
) -> Lead:
    """Convert ``lead`` into a customer (``customer``, an existing one, or a new one made
    from the lead), a contact at it (the existing contact with the lead's email, or a new
    one) and, when ``create_opportunity``, an opportunity of ``amount`` in the pipeline.

    All of it or nothing: one transaction. A disqualified or converted lead is refused.
    """
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    _refuse_conversion(lead)
    if amount is not None and amount < 0:
        raise ValidationError(
            {"amount": ValidationError(_("The amount cannot be negative."), code="min_value")}
        )
    if customer is not None and customer.merged_into_id is not None:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("That customer was merged into another."), code="merged"
                )
            }
        )
    customer = customer or _new_customer(lead, actor)
    contact = _contact_for(lead, customer)
    if create_opportunity:
        lead.opportunity = _opportunity(lead, customer, contact, actor, opportunity_name, amount)
    previous = lead.status
    lead.customer, lead.contact = customer, contact
    lead.status = Lead.Status.CONVERTED
    lead.converted_at = timezone.now()
    validate(lead)
    lead.save()
    _record(lead, LeadEvent.Kind.STATUS, actor=actor, from_status=previous)
    return lead


def _opportunity(
    lead: Lead,
    customer: Customer,
    contact: Contact,
    actor: AbstractBaseUser,
    name: str | None,
    amount: Decimal | None,
) -> Any:
    return create_opportunity(
        customer,
        name=(name or "").strip() or (lead.company or lead.name),
        by=actor,
        owner=lead.owner or actor,
        contact=contact,
        amount=amount if amount is not None else Decimal("0"),
        source_channel=_CUSTOMER_CHANNEL.get(lead.source, Customer.Channel.OTHER),
    )


# --- scores ---------------------------------------------------------------------------


@transaction.atomic
def write_scores(scores: dict[int, tuple[float, list[str]]]) -> int:
    """Write each open lead's ``(probability, reasons)``, in batches (a whole-table
    write of the scoring, like the analysis's write-back). Returns how many."""
    now = timezone.now()
    leads = [
        Lead(pk=pk, score=round(float(p), 6), score_reasons=list(reasons), scored_at=now)
        for pk, (p, reasons) in scores.items()
    ]
    Lead.objects.bulk_update(leads, ["score", "score_reasons", "scored_at"], batch_size=500)
    return len(leads)
