"""Display names of the value engine's categories (tiers, RFM segments, lifecycle and
loyalty stages), which :mod:`kehu.insight` names in English, for the UI's languages."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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
LOYALTY = ("prospect", "first-time", "repeat", "loyal", "advocate")
ABC_CLASSES = ("A", "B", "C")


def choices(values: tuple[str, ...]) -> list[tuple[str, str | Promise]]:
    """``(value, display name)`` pairs for a filter's options."""
    return [(v, label(v)) for v in values]


MODEL_NAMES = {"bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD", "pareto_nbd": "Pareto/NBD"}


def dates_text(dates: dict[str, Any]) -> str:
    """Why the run is as of its date, from the numbers it stored (``""`` when it is
    simply the last order's day)."""
    parts = []
    if dates.get("n_future"):
        parts.append(
            ngettext(
                "%(n)s order dated after the day of the run (on %(first)s) was left out: "
                "check its date.",
                "%(n)s orders dated after the day of the run (the first on %(first)s) were "
                "left out: check their dates.",
                dates["n_future"],
            )
            % {"n": dates["n_future"], "first": dates.get("first_future")}
        )
    if dates.get("reason") == "sparse_tail":
        n_tail = dates["n_left_out"] - dates.get("n_future", 0)
        parts.append(
            ngettext(
                "%(n)s order after %(gap)s days without any order (more than the %(limit)s "
                "days this data make usual) was left out: the analysis is as of %(as_of)s, "
                "the last day of the dense part of the data.",
                "%(n)s orders after %(gap)s days without any order (more than the %(limit)s "
                "days this data make usual) were left out: the analysis is as of %(as_of)s, "
                "the last day of the dense part of the data.",
                n_tail,
            )
            % {
                "n": n_tail,
                "gap": dates.get("gap_days"),
                "limit": dates.get("gap_limit_days"),
                "as_of": dates["as_of"],
            }
        )
    return " ".join(parts)


def purchase_model_text(choice: dict[str, Any]) -> str:
    """Which purchase model the run used and why, in the UI's language."""
    chosen = MODEL_NAMES.get(choice.get("chosen", ""), choice.get("chosen", ""))
    if choice.get("reason") != "holdout":
        return gettext(
            "%(model)s: the history is too short to compare the models on a holdout."
        ) % {"model": chosen}
    text = gettext(
        "%(model)s predicted the purchases of the %(days)s held-out days best "
        "(mean absolute error per customer), fitted on the orders up to %(end)s."
    ) % {"model": chosen, "days": choice["holdout_days"], "end": choice["calibration_end"]}
    if choice.get("p_alive_model") != choice.get("chosen"):
        text += " " + gettext(
            "BG/NBD gives every customer without a repeat purchase P(alive) 1, so P(alive) "
            "comes from %(model)s."
        ) % {"model": MODEL_NAMES.get(choice["p_alive_model"], choice["p_alive_model"])}
    return text
