"""Staff pages of leads: the list (filters, sort by score, CSV export of the filtered
list, bulk assign and disqualify), a new lead, the lead's page (its timeline, status
buttons, activities) and its conversion."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kehu.crm.customers.queries import visible_customers
from kehu.crm.leads import actions, queries
from kehu.crm.leads.form_keys import form_key
from kehu.crm.leads.forms import (
    NEW_CUSTOMER,
    ActivityForm,
    AssignForm,
    BulkForm,
    ConvertForm,
    DisqualifyForm,
    LeadForm,
)
from kehu.crm.leads.models import Lead
from kehu.crm.lists import csv_response, csv_rows, list_context, list_filters, render_list
from kehu.crm.validation import Choice, Id, Param, Text, attach_errors

LEAD_FILTERS: dict[str, Param] = {
    "q": Text(),
    "status": Choice(Lead.Status.values),
    "source": Choice(Lead.Source.values),
    "campaign": Id(),
    "owner": Id("none"),
    "band": Choice([*queries.SCORE_BANDS, "none"]),
    "sort": Choice(queries.LEAD_SORTS),
}
LEAD_COLUMNS = [
    ("id", lambda lead: lead.pk),
    ("name", lambda lead: lead.name),
    ("company", lambda lead: lead.company),
    ("email", lambda lead: lead.email),
    ("phone", lambda lead: lead.phone),
    ("title", lambda lead: lead.title),
    ("city", lambda lead: lead.city),
    ("source", lambda lead: lead.source),
    ("campaign", lambda lead: lead.campaign.name if lead.campaign else ""),
    ("source_detail", lambda lead: lead.source_detail),
    ("status", lambda lead: lead.status),
    ("disqualify_reason", lambda lead: lead.disqualify_reason),
    ("owner", lambda lead: lead.owner.username if lead.owner else ""),
    ("score", lambda lead: "" if lead.score is None else round(lead.score, 4)),
    ("score_reasons", lambda lead: "; ".join(lead.score_reasons or [])),
    ("customer_code", lambda lead: lead.customer.code if lead.customer else ""),
    ("created_at", lambda lead: lead.created_at),
    ("converted_at", lambda lead: lead.converted_at),
]


@login_required
@permission_required("leads.view_lead", raise_exception=True)
def lead_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, LEAD_FILTERS)
    leads = queries.filtered_leads(**filters)
    context = list_context(
        request,
        leads,
        filters,
        queries.DEFAULT_SORT,
        statuses=Lead.Status.choices,
        sources=Lead.Source.choices,
        campaigns=queries.lead_campaigns(),
        owners=queries.lead_owners(),
        bands=[
            ("high", _("High (60% and more)")),
            ("medium", _("Medium (30–60%)")),
            ("low", _("Low (under 30%)")),
            ("none", _("Not scored")),
        ],
        bulk=BulkForm(),
        reasons=Lead.DisqualifyReason.choices,
    )
    return render_list(request, "leads/list.html", "leads/partials/rows.html", context)


@login_required
@permission_required("leads.view_lead", raise_exception=True)
def lead_export(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, LEAD_FILTERS)
    return csv_response("leads", csv_rows(queries.filtered_leads(**filters), LEAD_COLUMNS))


def _list_page(request: HttpRequest) -> str:
    """The list as the user left it: the page they came from (the filters htmx put in
    the address), when it is the lead list of this site."""
    came_from = request.headers.get("Referer", "")
    path = urlsplit(came_from)
    allowed = url_has_allowed_host_and_scheme(came_from, {request.get_host()})
    if allowed and path.path.endswith(reverse("leads:list")):
        return f"{path.path}?{path.query}" if path.query else path.path
    return reverse("leads:list")


@login_required
@permission_required("leads.change_lead", raise_exception=True)
@require_POST
def lead_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    back = _list_page(request)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    leads = list(data["leads"])
    if data["do"] == "assign":
        n = actions.bulk_assign(leads, owner=data["owner"], actor=request.user)
        messages.success(
            request, ngettext("%(n)s lead assigned.", "%(n)s leads assigned.", n) % {"n": n}
        )
    else:
        done, skipped = actions.bulk_disqualify(
            leads, reason=data["reason"], note=data["note"], actor=request.user
        )
        messages.success(
            request,
            ngettext("%(n)s lead disqualified.", "%(n)s leads disqualified.", done) % {"n": done},
        )
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(n)s lead was left as it was (converted or already disqualified).",
                    "%(n)s leads were left as they were (converted or already disqualified).",
                    skipped,
                )
                % {"n": skipped},
            )
    return redirect(back)


@login_required
@permission_required("leads.add_lead", raise_exception=True)
def lead_create(request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = actions.capture_lead(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            _say_captured(request, result)
            return redirect(result.lead)
    status = 422 if form.is_bound else 200
    return render(request, "leads/form.html", {"form": form}, status=status)


def _say_captured(request: HttpRequest, result: actions.CaptureResult) -> None:
    if result.created:
        messages.success(request, _("Lead captured."))
    else:
        messages.warning(
            request,
            _(
                "A lead with this email or phone was already open: it was updated "
                "instead of entered twice."
            ),
        )
    if result.matching_customer is not None:
        messages.info(
            request,
            _("This lead is probably the existing customer %(customer)s.")
            % {"customer": result.matching_customer},
        )


def _lead_or_404(pk: int) -> Lead:
    leads = Lead.objects.select_related("owner", "campaign", "customer", "contact", "opportunity")
    return get_object_or_404(leads, pk=pk)


def _visible_matches(request: HttpRequest, lead: Lead) -> list[Any]:
    """The customers the lead probably is, among those the user may see."""
    found = queries.matching_customers(lead.email, lead.phone, lead.company)
    visible = set(
        visible_customers(request.user)
        .filter(pk__in=[c.pk for c in found])
        .values_list("pk", flat=True)
    )
    return [c for c in found if c.pk in visible]


def _render_detail(
    request: HttpRequest, lead: Lead, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "lead": lead,
        "events": queries.timeline(lead),
        "matches": _visible_matches(request, lead) if lead.is_open else [],
        "disqualify_form": forms.get("disqualify_form") or DisqualifyForm(),
        "activity_form": forms.get("activity_form") or ActivityForm(),
        "assign_form": forms.get("assign_form") or AssignForm(initial={"owner": lead.owner}),
        "transitions": actions.TRANSITIONS[lead.status],
    }
    return render(request, "leads/detail.html", context, status=status)


@login_required
@permission_required("leads.view_lead", raise_exception=True)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _lead_or_404(pk))


@login_required
@permission_required("leads.change_lead", raise_exception=True)
@require_POST
def lead_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the lead: ``do`` is ``work``, ``qualify``, ``disqualify`` (with the reason
    and note of the disqualify form) or ``reopen``."""
    lead = _lead_or_404(pk)
    do = request.POST.get("do")
    try:
        if do == "work":
            actions.start_working(lead, actor=request.user)
        elif do == "qualify":
            actions.qualify(lead, actor=request.user)
            messages.success(request, _("Lead qualified: convert it when you are ready."))
        elif do == "reopen":
            actions.reopen(lead, actor=request.user)
        elif do == "disqualify":
            form = DisqualifyForm(request.POST)
            if not form.is_valid():
                return _render_detail(request, lead, 422, disqualify_form=form)
            try:
                actions.disqualify(lead, actor=request.user, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
                return _render_detail(request, lead, 422, disqualify_form=form)
            messages.success(request, _("Lead disqualified."))
        else:
            messages.error(request, _("Nothing to do: choose what to do with the lead."))
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    return redirect(lead)


@login_required
@permission_required("leads.change_lead", raise_exception=True)
@require_POST
def lead_activity(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead_or_404(pk)
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            actions.log_activity(lead, actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Activity logged."))
            return redirect(lead)
    return _render_detail(request, lead, 422, activity_form=form)


@login_required
@permission_required("leads.change_lead", raise_exception=True)
@require_POST
def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead_or_404(pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, lead, 422, assign_form=form)
    actions.assign(lead, owner=form.cleaned_data["owner"], actor=request.user)
    messages.success(request, _("Lead assigned."))
    return redirect(lead)


@login_required
@permission_required(("leads.change_lead", "customers.add_customer"), raise_exception=True)
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """The customers the lead probably is (by email, phone, company name), to convert
    into one of them or into a new customer."""
    lead = _lead_or_404(pk)
    if not lead.is_open:
        messages.error(
            request,
            _("A disqualified lead cannot be converted: reopen it first.")
            if lead.status == Lead.Status.DISQUALIFIED
            else _("This lead was already converted."),
        )
        return redirect(lead)
    matches = _visible_matches(request, lead)
    form = ConvertForm(request.POST or None, lead=lead, matches=matches)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = None
        if data["customer"] != NEW_CUSTOMER:
            customer = get_object_or_404(visible_customers(request.user), pk=data["customer"])
        try:
            lead = actions.convert_lead(
                lead,
                actor=request.user,
                customer=customer,
                create_opportunity=data["create_opportunity"],
                opportunity_name=data["opportunity_name"],
                amount=data["amount"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request,
                _("Lead converted into %(customer)s.") % {"customer": lead.customer},
            )
            return redirect(lead)
    status = 422 if form.is_bound else 200
    context = {"lead": lead, "form": form, "matches": matches}
    return render(request, "leads/convert.html", context, status=status)


@login_required
@permission_required("leads.view_lead", raise_exception=True)
def web_forms(request: HttpRequest) -> HttpResponse:
    """The addresses of the public form: the general one and one per campaign."""
    forms = [(None, form_key(None))]
    forms += [(c, form_key(c)) for c in queries.recent_campaigns()]
    return render(request, "leads/web_forms.html", {"forms": forms})
