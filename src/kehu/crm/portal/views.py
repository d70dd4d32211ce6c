"""The portal's pages for a customer's contacts: signing in by an emailed link or a
texted code, their company's orders, invoices, tickets and points, a new ticket, a
rating, their details and consent. Staff's page for a customer's portal access is in
:mod:`kehu.crm.portal.staff_views`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kehu.crm.billing.queries import balance_of
from kehu.crm.customers.models import Contact
from kehu.crm.loyalty.queries import member_summary
from kehu.crm.portal import actions, queries, session
from kehu.crm.portal.forms import (
    CodeForm,
    ConsentForm,
    DetailsForm,
    EmailForm,
    PhoneForm,
    RatingForm,
    TicketForm,
)
from kehu.crm.portal.session import portal_page
from kehu.crm.validation import attach_errors

PAGE_SIZE = 20


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _next(request: HttpRequest) -> str:
    """Where to go after signing in: a portal page asked for, else the portal's home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    home = reverse("portal:home")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()})
    return target if safe and target.startswith(home) else home


def _wait_message(minutes: int) -> str:
    return ngettext(
        "Too many sign-in attempts. Try again in %(n)s minute.",
        "Too many sign-in attempts. Try again in %(n)s minutes.",
        minutes,
    ) % {"n": minutes}


def _throttled(request: HttpRequest, template: str, context: dict[str, Any], minutes: int):
    context["throttled"] = _wait_message(minutes)
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


# --- signing in ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time link by email. The answer is the same for any address."""
    if session.current_contact(request) is not None:
        return redirect(_next(request))
    form = EmailForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    context: dict[str, Any] = {"form": form, "next": _next(request)}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "portal/sign_in.html", context, status=400)
        asked = actions.request_link(form.cleaned_data["email"], ip=_ip(request))
        if asked.wait_minutes:
            return _throttled(request, "portal/sign_in.html", context, asked.wait_minutes)
        return render(
            request,
            "portal/link_sent.html",
            {"email": form.cleaned_data["email"], "minutes": actions.LINK_MINUTES},
        )
    return render(request, "portal/sign_in.html", context)


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """An emailed link: a page with one button (mail scanners that open links must not
    spend it); the button signs in."""
    if request.method == "GET":
        if not actions.link_is_valid(token):
            return render(request, "portal/link_invalid.html", status=400)
        return render(request, "portal/link_confirm.html", {"token": token})
    access = actions.sign_in_with_link(token)
    if access is None:
        return render(request, "portal/link_invalid.html", status=400)
    session.sign_in(request, access)
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
def code_request(request: HttpRequest) -> HttpResponse:
    """Ask for a code by text message; the next page takes it (same for any number)."""
    form = PhoneForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "portal/code_request.html", context, status=400)
        phone = form.cleaned_data["phone"]
        asked = actions.request_code(phone, ip=_ip(request))
        if asked.wait_minutes:
            return _throttled(request, "portal/code_request.html", context, asked.wait_minutes)
        request.session[session.CODE_PHONE_KEY] = actions.phone_digits(phone)
        return redirect("portal:code_enter")
    return render(request, "portal/code_request.html", context)


@require_http_methods(["GET", "POST"])
def code_enter(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(session.CODE_PHONE_KEY)
    if not phone:
        messages.info(request, _("Enter your mobile number first: we text the code to it."))
        return redirect("portal:code_request")
    form = CodeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "minutes": actions.CODE_MINUTES}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "portal/code_enter.html", context, status=400)
        result = actions.sign_in_with_code(phone, form.cleaned_data["code"], ip=_ip(request))
        if result.access is not None:
            session.sign_in(request, result.access)
            return redirect("portal:home")
        if result.wait_minutes:
            return _throttled(request, "portal/code_enter.html", context, result.wait_minutes)
        form.add_error(
            "code", _("That code is not right, or it has expired. Check it or ask for a new one.")
        )
        return render(request, "portal/code_enter.html", context, status=400)
    return render(request, "portal/code_enter.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session.sign_out(request)
    messages.success(request, _("You have signed out."))
    return redirect("portal:sign_in")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the portal's language (a cookie: a contact has no staff profile)."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(
            _("Unknown language: choose English (en) or Simplified Chinese (zh-hans)."),
            content_type="text/plain; charset=utf-8",
        )
    translation.activate(code)
    response = redirect(_next(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )
    return response


# --- the contact's pages -----------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """/portal/: the contact's overview, or the sign-in page."""
    if session.current_contact(request) is None:
        if session.SESSION_KEY in request.session:
            session.sign_out(request)  # revoked or deleted since: the session ends
        return sign_in(request)
    return _home(request)


@portal_page
def _home(request: HttpRequest, contact: Contact) -> HttpResponse:
    open_tickets = queries.tickets(contact).filter(status__in=queries.OPEN_TICKET_STATUSES)
    context = {
        "contact": contact,
        "orders": queries.orders(contact)[:5],
        "open_tickets": open_tickets[:5],
        "n_open_tickets": open_tickets.count(),
        "balance": balance_of(contact.customer),
        "points": member_summary(contact.customer),
    }
    return render(request, "portal/home.html", context)


@portal_page
def orders(request: HttpRequest, contact: Contact) -> HttpResponse:
    page = _page(request, queries.orders(contact))
    return render(request, "portal/orders.html", {"contact": contact, "page": page})


@portal_page
def order_detail(request: HttpRequest, contact: Contact, pk: int) -> HttpResponse:
    order = queries.order_with_lines(contact, pk)
    if order is None:
        raise Http404
    context = {
        "contact": contact,
        "order": order,
        "invoices": queries.invoices(contact).filter(order=order),
        "tickets": queries.tickets(contact).filter(order=order),
    }
    return render(request, "portal/order_detail.html", context)


@portal_page
def invoices(request: HttpRequest, contact: Contact) -> HttpResponse:
    page = _page(request, queries.invoices(contact))
    context = {
        "contact": contact,
        "page": page,
        "balance": balance_of(contact.customer),
        "today": timezone.localdate(),
    }
    return render(request, "portal/invoices.html", context)


@portal_page
def invoice_detail(request: HttpRequest, contact: Contact, pk: int) -> HttpResponse:
    invoice = queries.invoice(contact, pk)
    if invoice is None:
        raise Http404
    return render(request, "portal/invoice_detail.html", {"contact": contact, "invoice": invoice})


@portal_page
def tickets(request: HttpRequest, contact: Contact) -> HttpResponse:
    rows = queries.tickets(contact)
    context = {
        "contact": contact,
        "open_tickets": rows.filter(status__in=queries.OPEN_TICKET_STATUSES),
        "page": _page(request, rows.exclude(status__in=queries.OPEN_TICKET_STATUSES)),
    }
    return render(request, "portal/tickets.html", context)


@portal_page
def ticket_detail(request: HttpRequest, contact: Contact, pk: int) -> HttpResponse:
    ticket = queries.ticket_with_log(contact, pk)
    if ticket is None:
        raise Http404
    form = RatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.rate_portal_ticket(
                    contact,
                    ticket,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Thank you for rating our service."))
                return redirect("portal:ticket_detail", pk=ticket.pk)
        status = 400
    context = {
        "contact": contact,
        "ticket": ticket,
        "form": form,
        "can_rate": ticket.satisfaction_score is None
        and ticket.status in actions.service_actions.RATEABLE_STATUSES,
    }
    return render(request, "portal/ticket_detail.html", context, status=status)


@portal_page
def ticket_create(request: HttpRequest, contact: Contact) -> HttpResponse:
    form = TicketForm(request.POST or None, orders=queries.orders(contact))
    if request.method == "GET" and request.GET.get("order", "").isdecimal():
        form.initial["order"] = int(request.GET["order"])
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = actions.open_portal_ticket(contact, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(
                    request,
                    _("Your request %(number)s was received. We will reply soon.")
                    % {"number": ticket.number},
                )
                return redirect("portal:ticket_detail", pk=ticket.pk)
        return render(
            request, "portal/ticket_form.html", {"contact": contact, "form": form}, status=400
        )
    return render(request, "portal/ticket_form.html", {"contact": contact, "form": form})


@portal_page
def profile(request: HttpRequest, contact: Contact) -> HttpResponse:
    customer = contact.customer
    details = DetailsForm(
        initial={"name": contact.name, "email": contact.email, "phone": contact.phone}
    )
    consent = ConsentForm(
        initial={"consent_email": customer.consent_email, "consent_sms": customer.consent_sms}
    )
    status = 200
    if request.method == "POST" and request.POST.get("form") == "details":
        details = DetailsForm(request.POST)
        if details.is_valid():
            try:
                actions.update_own_details(contact, **details.cleaned_data)
            except ValidationError as e:
                attach_errors(details, e)
            else:
                messages.success(request, _("Your details were saved."))
                return redirect("portal:profile")
        status = 400
    elif request.method == "POST" and request.POST.get("form") == "consent":
        consent = ConsentForm(request.POST)
        if consent.is_valid():
            try:
                actions.update_consent(contact, **consent.cleaned_data)
            except ValidationError as e:
                _consent_errors(consent, e)
            else:
                messages.success(request, _("Your choices were saved."))
                return redirect("portal:profile")
        status = 400
    elif request.method == "POST":
        return HttpResponseBadRequest(
            _("Send the details form or the consent form."),
            content_type="text/plain; charset=utf-8",
        )
    context = {
        "contact": contact,
        "details": details,
        "consent": consent,
        "changes": queries.changes(contact, limit=10),
    }
    return render(request, "portal/profile.html", context, status=status)


def _consent_errors(form: ConsentForm, error: ValidationError) -> None:
    """The customer's check says which address is missing; the contact reads it on the
    choice that needs it."""
    by_field = getattr(error, "error_dict", {})
    if "email" in by_field:
        form.add_error(
            "consent_email",
            _("We have no email address for your company: ask us to add one first."),
        )
    if "phone" in by_field:
        form.add_error(
            "consent_sms",
            _("We have no mobile number for your company: ask us to add one first."),
        )
    if not by_field.keys() & {"email", "phone"}:
        attach_errors(form, error)


@portal_page
def points(request: HttpRequest, contact: Contact) -> HttpResponse:
    context = {"contact": contact, "points": member_summary(contact.customer)}
    return render(request, "portal/points.html", context)
