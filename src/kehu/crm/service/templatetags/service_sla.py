"""Service-level badges and the ticket page's service-level panel, from the due times
stored on each ticket (kehu.crm.service.sla): a list row costs no query, the panel loads
the business calendar to count the working hours left."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.crm.service import sla
from kehu.crm.service.models import Ticket

register = template.Library()


@register.inclusion_tag("service/partials/sla_badges.html")
def sla_badges(ticket: Ticket, now: Any = None) -> dict[str, Any]:
    """The worst flag of an open ticket (breached, else at risk), or met / missed once
    its resolution is done; nothing for a ticket on track or without a policy."""
    clocks = sla.clocks(ticket, now or timezone.now())
    states = {name: clock.state for name, clock in clocks.items() if clock is not None}
    if "breached" in states.values():
        shown = "breached"
    elif "at_risk" in states.values():
        shown = "at_risk"
    elif states.get("resolution") in ("met", "missed"):
        shown = "missed" if "missed" in states.values() else "met"
    else:
        shown = ""
    return {"state": shown}


@register.inclusion_tag("service/partials/sla_panel.html")
def sla_panel(ticket: Ticket) -> dict[str, Any]:
    """Each target's due time, state and working hours left (or late)."""
    clocks = sla.clocks(ticket, timezone.now(), sla.load_calendar())
    rows = [
        (name, clock, _hours_text(clock.hours_left))
        for name, clock in clocks.items()
        if clock is not None
    ]
    return {"ticket": ticket, "rows": rows}


def _hours_text(hours: float | None) -> str:
    """Working hours as "3 h 20 min" (the sign is the panel's words); nothing under a
    minute (a ticket due last evening is no working time late before the morning)."""
    if hours is None or abs(hours) * 60 < 1:
        return ""
    hours_, minutes = divmod(round(abs(hours) * 60), 60)
    if hours_:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours_, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.filter
def sla_percent(rate: float | None) -> str:
    """A share as a whole percent ("87 %"), a dash when nothing was counted."""
    return "–" if rate is None else f"{rate:.0%}"
