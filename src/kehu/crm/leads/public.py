"""The public web-to-lead form: no sign-in, a honeypot against robots, CSRF like every
form, clear messages, and a thank-you page. Its address carries the form key
(:mod:`~kehu.crm.leads.form_keys`), which says the campaign the lead came from."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from kehu.crm.leads import actions
from kehu.crm.leads.form_keys import campaign_of
from kehu.crm.leads.forms import PublicLeadForm
from kehu.crm.leads.models import Lead
from kehu.crm.validation import attach_errors


@never_cache
def lead_form(request: HttpRequest, key: str) -> HttpResponse:
    valid, campaign = campaign_of(key)
    if not valid:
        raise Http404("no such form")
    form = PublicLeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.pop("website"):  # the honeypot: a robot; it is thanked and nothing is kept
            return redirect("leads:form_thanks", key=key)
        try:
            actions.capture_lead(
                source=Lead.Source.WEB_FORM,
                campaign=campaign,
                source_detail=campaign.name if campaign else "",
                **data,
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            return redirect("leads:form_thanks", key=key)
    status = 422 if form.is_bound else 200
    context = {"form": form, "campaign": campaign}
    return render(request, "leads/public_form.html", context, status=status)


def lead_form_thanks(request: HttpRequest, key: str) -> HttpResponse:
    valid, campaign = campaign_of(key)
    if not valid:
        raise Http404("no such form")
    return render(request, "leads/public_thanks.html", {"campaign": campaign})
