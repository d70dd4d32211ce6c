"""The explorer's words in the reader's language: :mod:`kehu.insight.olap` names its
measures and levels by key in English; members of a few levels (channels, tiers,
segments, an empty member) are stored values that read better translated."""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kehu.crm.choices import SalesChannel
from kehu.crm.intelligence.labels import label as analysis_label
from kehu.crm.intelligence.mining_labels import segment_name
from kehu.insight import olap
from kehu.insight.segments import NAMES as SEGMENT_NAMES

MEASURE_LABELS: dict[str, Promise] = {
    "net_sales": _("Net sales"),
    "margin": _("Margin"),
    "orders": _("Orders"),
    "customers": _("Customers"),
    "new_customers": _("New customers"),
    "repeat_customers": _("Repeat customers"),
    "returns": _("Returns"),
    "average_order": _("Average order"),
}

LEVEL_LABELS: dict[str, Promise] = {
    "year": _("Year"),
    "quarter": _("Quarter"),
    "month": _("Month"),
    "day": _("Day"),
    "region": _("Region"),
    "city": _("City"),
    "category": _("Category"),
    "product": _("Product"),
    "customer": _("Customer"),
    "tier": _("Tier"),
    "segment": _("Segment"),
    "channel": _("Channel"),
    "salesperson": _("Salesperson"),
}

_CHANNELS = dict(SalesChannel.choices)
_SUFFIX = re.compile(r" \((\d+)\)$")
# the analysis names a segment in English from a key ("Tea buyers (2)"); the warehouse
# keeps that name: read the key back to show it in the reader's language
_SEGMENT_PATTERNS = [
    (key, re.compile("^" + re.escape(text).replace(re.escape("{name}"), "(?P<name>.+)") + "$"))
    # the fixed names first: "Typical customers" is not the channel "Typical"'s customers
    for key, text in sorted(SEGMENT_NAMES.items(), key=lambda item: "{name}" in item[1])
]


def measure_label(key: str) -> str | Promise:
    return MEASURE_LABELS.get(key, key)


def level_label(key: str) -> str | Promise:
    return LEVEL_LABELS.get(key, key)


def member_label(level: str, member: object) -> str | Promise:
    """How a member of ``level`` reads: a channel or an analysis category translated, a
    missing value as "Not set", anything else as stored."""
    if member is None or member == "" or member == olap.NONE_MEMBER:
        return _("Not set")
    text = str(member)
    if text == olap.OTHER_MEMBER:
        return _("Other")
    if level == "channel":
        return _CHANNELS.get(text, text)
    if level == "segment":
        return _segment_label(text)
    if level == "tier":
        return analysis_label(text)
    return text


def _segment_label(text: str) -> str | Promise:
    bare = _SUFFIX.sub("", text)
    for key, pattern in _SEGMENT_PATTERNS:
        found = pattern.match(bare)
        if found:
            return segment_name(key, found.groupdict().get("name", ""), text)
    return analysis_label(text)  # an RFM segment, or a name a user gave
