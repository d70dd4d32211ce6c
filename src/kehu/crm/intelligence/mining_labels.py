"""The data-mining results in the UI's language: segment names, churn reasons and
deviation flags are built by :mod:`kehu.insight` from keys and numbers, and phrased
here (the library's English text is the fallback for anything new)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kehu.crm.choices import SalesChannel
from kehu.insight.segments import LABELS

SEGMENT_NAMES: dict[str, str | Promise] = {
    "champions": gettext_lazy("Champions"),
    "big_spenders": gettext_lazy("Big spenders"),
    "loyal_regulars": gettext_lazy("Loyal regulars"),
    "newcomers": gettext_lazy("Newcomers"),
    "lapsed": gettext_lazy("Lapsed"),
    "drifting": gettext_lazy("Drifting away"),
    "service_heavy": gettext_lazy("Service-heavy"),
    "returners": gettext_lazy("Frequent returners"),
    "category_fans": gettext_lazy("%(name)s buyers"),
    "channel_users": gettext_lazy("%(name)s customers"),
    "recent_buyers": gettext_lazy("Recently active"),
    "occasional": gettext_lazy("Occasional buyers"),
    "typical": gettext_lazy("Typical customers"),
}

FEATURES: dict[str, str | Promise] = {
    "days since last order": gettext_lazy("days since last order"),
    "days as a customer": gettext_lazy("days as a customer"),
    "orders": gettext_lazy("orders"),
    "total spend": gettext_lazy("total spend"),
    "mean order": gettext_lazy("mean order"),
    "days between orders": gettext_lazy("days between orders"),
    "spend in the last 90 days": gettext_lazy("spend in the last 90 days"),
    "orders in the last 90 days": gettext_lazy("orders in the last 90 days"),
    "spend in the 90 days before": gettext_lazy("spend in the 90 days before"),
    "share of orders returned": gettext_lazy("share of orders returned"),
    "service tickets": gettext_lazy("service tickets"),
    "complaints": gettext_lazy("complaints"),
    "complaints in the last 90 days": gettext_lazy("complaints in the last 90 days"),
    "overdue amount": gettext_lazy("overdue amount"),
    "days overdue": gettext_lazy("days overdue"),
}
SUFFIX = re.compile(r" \((\d+)\)$")


def segment_name(name_key: str, name_detail: str, name: str) -> str:
    """ "Lapsed (2)" in the UI's language; the stored name for a key it does not know."""
    text = SEGMENT_NAMES.get(name_key)
    if text is None:
        return name
    suffix = SUFFIX.search(name)
    if name_key == "channel_users":
        name_detail = channel_label(name_detail)
    shown = str(text) % {"name": name_detail} if "%(name)s" in str(text) else str(text)
    shown = shown[:1].upper() + shown[1:]
    return f"{shown} ({suffix.group(1)})" if suffix else shown


def feature_name(feature: str) -> str:
    """A behaviour feature by its column name ("recency_days", "category: Tea") or its
    English label ("days since last order"), in the UI's language."""
    feature = LABELS.get(feature, feature)
    if feature.startswith("category: "):
        feature = "share of spend on " + feature.removeprefix("category: ")
    elif feature.startswith("channel: "):
        feature = "share of orders by " + feature.removeprefix("channel: ")
    if feature.startswith("share of spend on "):
        return _("share of spend on %(name)s") % {
            "name": feature.removeprefix("share of spend on ")
        }
    if feature.startswith("share of orders by "):
        return _("share of orders by %(name)s") % {
            "name": channel_label(feature.removeprefix("share of orders by "))
        }
    return str(FEATURES.get(feature, feature))


def churn_reason(reason: str) -> str:
    """ "days since last order = 140" with the feature's name translated."""
    feature, sep, value = reason.partition(" = ")
    if not sep:
        return reason
    if value == "(missing)":  # kehu.insight's marker, e.g. the gap of a one-order customer
        return _("%(feature)s: none yet") % {"feature": feature_name(feature)}
    if feature.startswith("share of ") and _is_number(value):
        value = f"{100 * float(value):.0f}%"
    return f"{feature_name(feature)} = {value}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _n(value: Any, digits: int = 0) -> str:
    return number_format(float(value), decimal_pos=digits, force_grouping=True)


def flag_text(flag: dict[str, Any]) -> str:
    """A deviation flag's reason from its numbers; the library's words otherwise."""
    try:
        v = json.loads(flag.get("values") or "{}")
        kind = flag.get("kind")
        if kind == "spend_drop":
            return _(
                "spent %(recent)s in the last 90 days against %(expected)s expected from "
                "their own history (−%(drop)s%%)"
            ) % {
                "recent": _n(v["recent"]),
                "expected": _n(v["expected"]),
                "drop": _n(100 * v["drop"]),
            }
        if kind == "long_gap":
            chance = "<0.1%" if v["chance"] < 0.001 else f"{100 * v['chance']:.1f}%"
            return _(
                "no order for %(gap)s days against an order every %(rhythm)s days before: "
                "a gap this long has a %(chance)s chance for a customer still active"
            ) % {"gap": _n(v["gap"]), "rhythm": _n(v["rhythm"]), "chance": chance}
        if kind == "complaint_burst":
            return ngettext(
                "%(recent)s complaint in the last 90 days against about %(expected)s expected "
                "from their history",
                "%(recent)s complaints in the last 90 days against about %(expected)s expected "
                "from their history",
                int(v["recent"]),
            ) % {"recent": _n(v["recent"]), "expected": _n(v["expected"], 1)}
        if kind == "unusual_order":
            return _("an order of %(amount)s, %(ratio)s× their median order of %(median)s") % {
                "amount": _n(v["amount"]),
                "ratio": _n(v["ratio"], 1),
                "median": _n(v["median_order"]),
            }
        if kind == "unusual_return":
            return _("a return of %(amount)s, %(ratio)s× their median order of %(median)s") % {
                "amount": _n(-v["amount"]),
                "ratio": _n(v["ratio"], 1),
                "median": _n(v["median_order"]),
            }
    except (KeyError, TypeError, ValueError):
        pass
    return str(flag.get("reason", ""))


def recommendation_reason(recommendation: dict[str, Any]) -> str:
    """Why a product is recommended, with the product's name (never its id) in the UI's
    language: ``because`` is the Product bought with it, ``share`` the reason's number
    (runs before shares were stored get the words without the number)."""
    share = recommendation.get("share")
    because = recommendation.get("because")
    if recommendation.get("source") == "co_purchase" and because is not None:
        if share is None:
            return _("often bought with %(name)s") % {"name": because.name}
        return _("bought with %(name)s by %(share)s of its buyers") % {
            "name": because.name,
            "share": _percent(share),
        }
    if share is None:
        return _("popular with customers")
    return _("popular: bought by %(share)s of customers") % {"share": _percent(share)}


def _percent(share: float) -> str:
    return "<1%" if share < 0.005 else f"{100 * share:.0f}%"


FLAG_KINDS: dict[str, str | Promise] = {
    "spend_drop": gettext_lazy("Spend drop"),
    "long_gap": gettext_lazy("Long gap"),
    "complaint_burst": gettext_lazy("Complaint burst"),
    "unusual_order": gettext_lazy("Unusual order"),
    "unusual_return": gettext_lazy("Unusual return"),
}


def skip_text(summary: dict[str, Any]) -> str:
    """Why a mining step (or one forecast view) did not run, in the UI's language, from
    the stable code and numbers the run stored; a general sentence for a code this
    version does not know (runs stored before codes existed included)."""
    params = summary.get("skip_params") or {}
    code = summary.get("skip_code") or "failed"
    try:
        if code == "churn_few_customers":
            return ngettext(
                "Not enough history to learn churn: %(n)s customer had ordered before "
                "%(cutoff)s, at least %(minimum)s are needed.",
                "Not enough history to learn churn: %(n)s customers had ordered before "
                "%(cutoff)s, at least %(minimum)s are needed.",
                int(params["n"]),
            ) % {
                "n": _n(params["n"]),
                "cutoff": params["cutoff"],
                "minimum": params["minimum"],
            }
        if code == "churn_one_outcome":
            return _(
                "Churn cannot be learned yet: in the %(days)s days after %(cutoff)s, "
                "%(back)s customers bought again and %(churned)s did not; both groups need "
                "a few customers."
            ) % {
                "days": params["days"],
                "cutoff": params["cutoff"],
                "back": _n(params["came_back"]),
                "churned": _n(params["churned"]),
            }
        if code == "forecast_too_short":
            return _("Too little sales history to forecast: at least three complete months.")
        if code == "no_order_lines":
            return _("No order lines: this step needs the products each customer bought.")
    except (KeyError, TypeError, ValueError):
        pass
    return _("This step could not run on this data.")


def channel_label(key: str) -> str:
    """A sales channel's label in the UI's language ("sales_rep" -> "Sales representative"); the
    mining works on the stored keys."""
    try:
        return str(SalesChannel(key).label)
    except ValueError:
        return key
