"""Writes of the customer portal: staff grant and revoke a contact's access (and invite
them); a visitor asks for a one-time link by email or a code by text message and signs
in with it; a signed-in contact opens and rates tickets and changes their details and
their company's consent.

Sign-in secrets are kept only as keyed hashes. A link is a signed ``[token id, nonce]``
that expires after ``LINK_MINUTES`` and works once; a code is six digits that expire
after ``CODE_MINUTES`` and allow ``CODE_ATTEMPTS`` wrong tries. Asking for either
answers the same whether the address has access or not (the views say "if this
address has access, ..."); the throttle counts every request alike.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from kehu.crm.choices import InteractionChannel
from kehu.crm.customers import actions as customer_actions
from kehu.crm.customers.models import Contact, contact_expressions
from kehu.crm.marketing import actions as marketing_actions
from kehu.crm.marketing.models import Suppression
from kehu.crm.marketing.sms import SmsError, gateway
from kehu.crm.portal import throttle
from kehu.crm.portal.models import (
    PortalAccess,
    PortalChange,
    PortalTicket,
    SignInRequest,
    SignInToken,
)
from kehu.crm.service import actions as service_actions
from kehu.crm.service.models import Ticket

logger = logging.getLogger(__name__)

LINK_MINUTES = 15
CODE_MINUTES = 10
CODE_ATTEMPTS = 5
LINK_SALT = "kehu.portal.link"
#: the ticket types a contact may choose on the portal
PORTAL_TICKET_TYPES = (
    Ticket.Type.INQUIRY,
    Ticket.Type.COMPLAINT,
    Ticket.Type.DEFECT,
    Ticket.Type.ORDER_ISSUE,
)


def _hash(value: str) -> str:
    return salted_hmac("kehu.portal.token", value, algorithm="sha256").hexdigest()


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def site_url(path: str) -> str:
    return f"{settings.KEHU_SITE_URL}{path}"


def phone_digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


# --- staff: access and invitations --------------------------------------------------


@transaction.atomic
def grant_access(contact: Contact, *, by: AbstractBaseUser | None = None) -> PortalAccess:
    """Let ``contact`` sign in to the portal (again, after a revocation) and invite
    them: an email with the portal's address, or a text message when they have only a
    mobile number. A contact with neither cannot sign in and is refused."""
    if not contact.email and not phone_digits(contact.phone):
        raise _invalid(
            "contact",
            _("%(name)s has neither an email address nor a mobile number to sign in with.")
            % {"name": contact.name},
            "no_address",
        )
    access = PortalAccess.objects.select_for_update().filter(contact=contact).first()
    if access is None:
        access = PortalAccess(contact=contact)
    access.enabled = True
    # revoked_at stays: a session begun before the revocation must not come back to life
    access.invited_at = timezone.now()
    access.invited_by = by  # type: ignore[assignment]
    access.save()
    _send_invitation(contact)
    return access


def _send_invitation(contact: Contact) -> None:
    sign_in = site_url(reverse("portal:sign_in"))
    context = {"contact": contact, "company": contact.customer.name, "url": sign_in}
    if contact.email:
        body = render_to_string("portal/email/invitation.txt", context)
        subject = _("Your access to the %(company)s customer portal") % {
            "company": contact.customer.name
        }
        EmailMessage(subject, body, to=[contact.email]).send()
    else:
        text = _("You can now see your orders, invoices and tickets online: %(url)s") % {
            "url": sign_in
        }
        gateway().send(contact.phone, text)


@transaction.atomic
def revoke_access(access: PortalAccess, *, by: AbstractBaseUser | None = None) -> PortalAccess:
    """Stop ``access``: its unused links and codes die, and a signed-in session ends at
    its next page (the views check ``enabled`` on every request)."""
    access.enabled = False
    access.revoked_at = timezone.now()
    access.save(update_fields=["enabled", "revoked_at"])
    access.tokens.filter(used_at__isnull=True).update(used_at=access.revoked_at)
    return access


# --- sign-in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """What asking for a link or a code did: ``wait_minutes`` > 0 when the throttle
    refused it (nothing was sent), else how many messages went out (0 for an unknown
    address; the views never say which)."""

    wait_minutes: int = 0
    n_sent: int = 0


def record_request(kind: str, key: str, ip: str | None) -> None:
    SignInRequest.objects.create(kind=kind, address_hash=key, ip=ip, at=timezone.now())
    # the table stays small: a day is far longer than any throttle window
    SignInRequest.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def _deliver(sends: list[Callable[[], object]], what: str) -> None:
    """Send the messages in a thread of their own: the visitor's answer comes as fast
    whether the address has access (a message goes out) or not, so that its timing does
    not tell either (no account enumeration)."""

    def run() -> None:
        for send in sends:
            try:
                send()
            except (OSError, SmsError):
                logger.exception("portal %s not sent", what)

    threading.Thread(target=run, name="portal-sign-in", daemon=True).start()


def _new_token(access: PortalAccess, kind: str, secret: str, minutes: int) -> SignInToken:
    now = timezone.now()
    token = SignInToken.objects.create(
        access=access,
        kind=kind,
        secret_hash="",
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    token.secret_hash = _hash(f"{token.pk}:{secret}")
    token.save(update_fields=["secret_hash"])
    return token


def request_link(email: str, *, ip: str | None) -> Asked:
    """Email a one-time sign-in link to every enabled access of the contacts with this
    address (one person may be the contact of two companies)."""
    address = email.strip().lower()
    key = throttle.address_key("email", address)
    if minutes := throttle.wait_minutes((SignInRequest.Kind.LINK,), key, ip, failures=False):
        return Asked(wait_minutes=minutes)
    record_request(SignInRequest.Kind.LINK, key, ip)
    accesses = PortalAccess.objects.filter(
        enabled=True, contact__email__iexact=address
    ).select_related("contact__customer")
    sends: list[Callable[[], object]] = []
    for access in accesses:
        nonce = secrets.token_urlsafe(24)
        token = _new_token(access, SignInToken.Kind.LINK, nonce, LINK_MINUTES)
        signed = signing.dumps([token.pk, nonce], salt=LINK_SALT)
        url = site_url(reverse("portal:link", args=[signed]))
        context = {"contact": access.contact, "url": url, "minutes": LINK_MINUTES}
        body = render_to_string("portal/email/sign_in_link.txt", context)
        subject = _("Sign in to the %(company)s customer portal") % {
            "company": access.contact.customer.name
        }
        sends.append(EmailMessage(subject, body, to=[access.contact.email]).send)
    _deliver(sends, "sign-in link")
    return Asked(n_sent=len(sends))


def _token_from_link(signed: str) -> SignInToken | None:
    try:
        token_id, nonce = signing.loads(signed, salt=LINK_SALT, max_age=LINK_MINUTES * 60)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(token_id, int) or not isinstance(nonce, str):
        return None
    token = SignInToken.objects.filter(pk=token_id, kind=SignInToken.Kind.LINK).first()
    if token is None or not constant_time_compare(token.secret_hash, _hash(f"{token_id}:{nonce}")):
        return None
    return token


def link_is_valid(signed: str) -> bool:
    """Whether the link may still sign in (for the page that asks to confirm)."""
    token = _token_from_link(signed)
    return token is not None and _usable(token)


def _usable(token: SignInToken) -> bool:
    return (
        token.used_at is None
        and token.expires_at > timezone.now()
        and token.failed_attempts < CODE_ATTEMPTS
        and token.access.enabled
    )


def _use(token: SignInToken) -> PortalAccess | None:
    """Spend ``token`` (once: a second use, even at the same moment, finds it spent)."""
    now = timezone.now()
    spent = SignInToken.objects.filter(pk=token.pk, used_at__isnull=True).update(used_at=now)
    if not spent:
        return None
    access = token.access
    access.last_login_at = now
    access.save(update_fields=["last_login_at"])
    return access


@transaction.atomic
def sign_in_with_link(signed: str) -> PortalAccess | None:
    """The access a link signs in, spending it; None for a link that is forged,
    expired, used already or whose access was revoked."""
    token = _token_from_link(signed)
    if token is None or not _usable(token):
        return None
    return _use(token)


def _accesses_by_phone(phone: str) -> list[PortalAccess]:
    """Enabled accesses whose contact's mobile number is ``phone``: the same digits, or
    the same last 11 digits (a number given without its country code)."""
    digits = phone_digits(phone)
    if len(digits) < 6:
        return []
    tail = digits[-11:]
    contacts = Contact.objects.annotate(digits=contact_expressions()["phone"]).filter(
        digits__endswith=tail, portal_access__enabled=True
    )
    matched = set(contacts.values_list("pk", flat=True))
    found = PortalAccess.objects.filter(enabled=True, contact_id__in=matched)
    return [
        a
        for a in found.select_related("contact__customer").order_by("-invited_at", "-pk")
        if phone_digits(a.contact.phone)[-11:] == tail
    ]


def request_code(phone: str, *, ip: str | None) -> Asked:
    """Text a six-digit code to the mobile number, when a contact with access has it."""
    digits = phone_digits(phone)
    key = throttle.address_key("phone", digits[-11:])
    if minutes := throttle.wait_minutes((SignInRequest.Kind.CODE,), key, ip, failures=False):
        return Asked(wait_minutes=minutes)
    record_request(SignInRequest.Kind.CODE, key, ip)
    sends: list[Callable[[], object]] = []
    for access in _accesses_by_phone(digits)[:1]:
        code = f"{secrets.randbelow(1_000_000):06d}"
        _new_token(access, SignInToken.Kind.CODE, code, CODE_MINUTES)
        text = _("Your customer portal sign-in code is %(code)s. It expires in %(n)s minutes.") % {
            "code": code,
            "n": CODE_MINUTES,
        }
        sends.append(partial(gateway().send, access.contact.phone, text))
    _deliver(sends, "sign-in code")
    return Asked(n_sent=len(sends))


@dataclass(frozen=True)
class CodeResult:
    """``access`` when the code signed in; else ``wait_minutes`` > 0 when too many
    wrong codes were tried, or neither for a wrong or expired code."""

    access: PortalAccess | None = None
    wait_minutes: int = 0


@transaction.atomic
def sign_in_with_code(phone: str, code: str, *, ip: str | None) -> CodeResult:
    """Sign in with the code texted to ``phone``; a wrong code counts against the
    code (``CODE_ATTEMPTS``), the number and the client address (the throttle)."""
    digits = phone_digits(phone)
    key = throttle.address_key("phone", digits[-11:])
    kinds = (SignInRequest.Kind.FAILED_CODE,)
    if minutes := throttle.wait_minutes(kinds, key, ip, failures=True):
        return CodeResult(wait_minutes=minutes)
    accesses = _accesses_by_phone(digits)
    token = (
        SignInToken.objects.filter(
            access__in=accesses,
            kind=SignInToken.Kind.CODE,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            failed_attempts__lt=CODE_ATTEMPTS,
        )
        .select_related("access")
        # guesses in parallel wait for each other, so none slips past the attempt count
        .select_for_update(of=("self",))
        .order_by("-created_at", "-pk")
        .first()
    )
    code = code.strip().replace(" ", "")
    if token is not None and constant_time_compare(token.secret_hash, _hash(f"{token.pk}:{code}")):
        access = _use(token)
        if access is not None:
            return CodeResult(access=access)
    if token is not None:
        SignInToken.objects.filter(pk=token.pk).update(failed_attempts=F("failed_attempts") + 1)
    record_request(SignInRequest.Kind.FAILED_CODE, key, ip)
    return CodeResult(wait_minutes=throttle.wait_minutes(kinds, key, ip, failures=True))


# --- a signed-in contact ----------------------------------------------------------------


@transaction.atomic
def open_portal_ticket(
    contact: Contact,
    *,
    subject: str,
    description: str,
    type: str = Ticket.Type.INQUIRY,
    order: Model | None = None,
) -> Ticket:
    """Open a ticket for the contact's company, from the portal (channel web, the
    contact named, a :class:`PortalTicket` saying it came from here)."""
    if type not in PORTAL_TICKET_TYPES:
        raise _invalid(
            "type",
            _("Choose a type of request from the list."),
            "invalid_choice",
        )
    if not subject.strip():
        raise _invalid("subject", _("Say in a few words what it is about."), "required")
    ticket = service_actions.open_ticket(
        contact.customer,
        subject=subject.strip(),
        description=description.strip(),
        type=type,
        channel=InteractionChannel.WEB,
        contact=contact,
        order=order,
        priority=Ticket.Priority.HIGH if type == Ticket.Type.COMPLAINT else Ticket.Priority.NORMAL,
    )
    PortalTicket.objects.create(ticket=ticket, contact=contact)
    return ticket


@transaction.atomic
def rate_portal_ticket(
    contact: Contact, ticket: Ticket, *, score: int, comment: str = ""
) -> Ticket:
    """The contact's satisfaction with a resolved or closed ticket of their company,
    once: a ticket rated already (on the portal or by staff) is refused."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.customer_id != contact.customer_id:
        raise _invalid("ticket", _("This ticket is not your company's."), "wrong_customer")
    if ticket.satisfaction_score is not None:
        raise _invalid("score", _("This ticket has been rated already."), "rated")
    if ticket.status not in service_actions.RATEABLE_STATUSES:
        raise _invalid("score", _("Only a resolved ticket can be rated."), "not_resolved")
    service_actions.rate(ticket, score)
    comment = comment.strip()
    if comment:
        service_actions.add_comment(
            ticket,
            _("Rating comment from %(name)s: %(comment)s")
            % {
                "name": contact.name,
                "comment": comment,
            },
        )
    # a ticket opened here keeps the comment beside it too (the log has it for all)
    PortalTicket.objects.filter(ticket=ticket).update(rating_comment=comment)
    return ticket


def _record(contact: Contact, field: str, old: Any, new: Any) -> None:
    if old != new:
        PortalChange.objects.create(
            customer_id=contact.customer_id,
            contact=contact,
            field=field,
            old_value=str(old)[:254],
            new_value=str(new)[:254],
            at=timezone.now(),
        )


@transaction.atomic
def update_own_details(contact: Contact, *, name: str, email: str, phone: str) -> Contact:
    """The contact's own name, email and phone, each change recorded."""
    before = {"name": contact.name, "email": contact.email, "phone": contact.phone}
    customer_actions.update_contact(
        contact, name=name.strip(), email=email.strip(), phone=phone.strip()
    )
    for field, old in before.items():
        _record(contact, field, old, getattr(contact, field))
    return contact


@transaction.atomic
def update_consent(contact: Contact, *, consent_email: bool, consent_sms: bool) -> Contact:
    """Their company's consent to marketing email and text messages (the customer's
    ``consent_*``, as campaigns read it), each change recorded. Withdrawing one also
    puts the company's address on the suppression list, as an unsubscribe does."""
    customer = contact.customer
    before = {"consent_email": customer.consent_email, "consent_sms": customer.consent_sms}
    customer_actions.update_customer(customer, consent_email=consent_email, consent_sms=consent_sms)
    for field, old in before.items():
        new = getattr(customer, field)
        _record(contact, field, old, new)
        address = customer.email if field == "consent_email" else customer.phone
        if old and not new and address:
            marketing_actions.suppress(
                channel="email" if field == "consent_email" else "sms",
                address=address,
                reason=Suppression.Reason.UNSUBSCRIBED,
                customer=customer,
            )
    return contact
