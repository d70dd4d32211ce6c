"""``{{ reason|lead_reason }}``: a score reason ("email_domain = corporate") in the page's
language ("Email domain: corporate address")."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.crm.leads.models import Lead

register = template.Library()

FEATURE_LABELS = {
    "source": gettext_lazy("Source"),
    "campaign": gettext_lazy("Campaign"),
    "region": gettext_lazy("Region"),
    "city": gettext_lazy("City"),
    "has_company": gettext_lazy("Company given"),
    "email_domain": gettext_lazy("Email domain"),
    "seniority": gettext_lazy("Seniority"),
    "days_open": gettext_lazy("Days open"),
    "activities": gettext_lazy("Activities logged"),
}
VALUE_LABELS = {
    "corporate": gettext_lazy("company address"),
    "free": gettext_lazy("free mail"),
    "none": gettext_lazy("none"),
    "other": gettext_lazy("other"),
    "executive": gettext_lazy("executive"),
    "manager": gettext_lazy("manager"),
    "staff": gettext_lazy("staff"),
    **dict(Lead.Source.choices),
}


@register.filter
def lead_reason(reason: str) -> str:
    feature, _sep, value = str(reason).partition(" = ")
    label = FEATURE_LABELS.get(feature, feature)
    if feature == "has_company":
        shown = _("yes") if value == "1" else _("no")
    else:
        shown = VALUE_LABELS.get(value, value)
    return _("%(feature)s: %(value)s") % {"feature": label, "value": shown}


@register.filter
def lead_badge(status: str) -> str:
    """The badge class of a lead status."""
    return {
        Lead.Status.QUALIFIED: "active",
        Lead.Status.DISQUALIFIED: "lost",
        Lead.Status.CONVERTED: "won",
    }.get(status, "")
