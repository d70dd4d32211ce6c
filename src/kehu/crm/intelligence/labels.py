"""Display names of the value engine's categories (tiers, RFM segments, lifecycle and
loyalty stages), which :mod:`kehu.insight` names in English, for the UI's languages."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LABELS: dict[str, str | Promise] = {
    # value pyramid
    "Platinum": _("Platinum"),
    "Gold": _("Gold"),
    "Iron": _("Iron"),
    "Lead": _("Lead"),
    # RFM segments
    "Champions": _("Champions"),
    "Loyal": pgettext_lazy("RFM segment", "Loyal"),
    "Potential loyalist": _("Potential loyalist"),
    "New": pgettext_lazy("RFM segment", "New"),
    "Promising": _("Promising"),
    "Need attention": _("Need attention"),
    "About to sleep": _("About to sleep"),
    "At risk": _("At risk"),
    "Can't lose": _("Can't lose"),
    "Hibernating": _("Hibernating"),
    "Lost": pgettext_lazy("RFM segment", "Lost"),
    "Others": _("Others"),
    # lifecycle
    "exploration": _("exploration"),
    "formation": _("formation"),
    "stability": _("stability"),
    "decline": _("decline"),
    "lost": pgettext_lazy("lifecycle stage", "lost"),
    # loyalty ladder
    "prospect": pgettext_lazy("loyalty stage", "prospect"),
    "first-time": _("first-time"),
    "repeat": _("repeat"),
    "loyal": pgettext_lazy("loyalty stage", "loyal"),
    "advocate": _("advocate"),
}


def label(value: str) -> str | Promise:
    return LABELS.get(value, value)


TIERS = ("Platinum", "Gold", "Iron", "Lead")
SEGMENTS = (
    "Champions",
    "Loyal",
    "Potential loyalist",
    "New",
    "Promising",
    "Need attention",
    "About to sleep",
    "At risk",
    "Can't lose",
    "Hibernating",
    "Lost",
    "Others",
)
LIFECYCLE = ("exploration", "formation", "stability", "decline", "lost")


def choices(values: tuple[str, ...]) -> list[tuple[str, str | Promise]]:
    """``(value, display name)`` pairs for a filter's options."""
    return [(v, label(v)) for v in values]
