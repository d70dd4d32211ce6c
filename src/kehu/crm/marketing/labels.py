"""The words the marketing screens use for what the app stores as codes: why a member
was not sent to, a target list's customer filter, a segment key at enrolment."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.crm.customers.models import Customer
from kehu.crm.intelligence import labels, queries
from kehu.crm.intelligence.mining_labels import FLAG_KINDS, segment_name

SKIP_REASONS: dict[str, str | Promise] = {
    "no_consent": gettext_lazy("no consent for any of the campaign's channels"),
    "no_address": gettext_lazy("no address on a channel they consented to"),
    "suppressed": gettext_lazy("on the suppression list"),
    "quiet_period": gettext_lazy("got another campaign message in the quiet period"),
}


def skip_reason(code: str) -> str:
    """A skip reason in words; the code itself for one this version does not know."""
    return str(SKIP_REASONS.get(code, code))


def segment_names() -> dict[int, str]:
    """The analysis segments of the latest finished run by key, under the names users
    gave them (or the suggested ones)."""
    out = {}
    for segment in queries.segments_of(queries.latest_done_run()):
        out[segment.key] = segment.custom_name or segment_name(
            segment.name_key, segment.name_detail, segment.name
        )
    return out


def _owner(value: str) -> str:
    if value == "me":
        return _("the list's creator")
    user = get_user_model().objects.filter(pk=int(value)).first()
    return user.get_username() if user is not None else f"#{value}"


def _segment(value: str) -> str:
    return segment_names().get(int(value), _("segment %(key)s") % {"key": value})


def filter_words(filters: Mapping[str, str]) -> list[str]:
    """Each filter of a customer filter as a line a user reads ("Tier: Gold",
    "Churn risk at least 50%"), in the order the customer list shows them."""
    said = {
        "q": lambda v: _("Search: “%(text)s”") % {"text": v},
        "status": lambda v: _("Status: %(value)s") % {"value": Customer.Status(v).label},
        "kind": lambda v: _("Kind: %(value)s") % {"value": Customer.Kind(v).label},
        "country": lambda v: _("Country: %(value)s") % {"value": v},
        "region": lambda v: _("Region: %(value)s") % {"value": v},
        "owner": lambda v: _("Owner: %(value)s") % {"value": _owner(v)},
        "tag": lambda v: _("Tag: %(value)s") % {"value": v},
        "tier": lambda v: _("Tier: %(value)s") % {"value": labels.label(v)},
        "abc": lambda v: _("ABC class: %(value)s") % {"value": v},
        "segment": lambda v: _("RFM segment: %(value)s") % {"value": labels.label(v)},
        "lifecycle": lambda v: _("Lifecycle stage: %(value)s") % {"value": labels.label(v)},
        "loyalty": lambda v: _("Loyalty stage: %(value)s") % {"value": labels.label(v)},
        "min_p_alive": lambda v: _("P(alive) at least %(value)s") % {"value": v},
        "min_clv": lambda v: _("Predicted CLV at least %(value)s") % {"value": v},
        "cluster": lambda v: _("Segment: %(value)s") % {"value": _segment(v)},
        "min_churn": lambda v: _("Churn risk at least %(value)s") % {"value": v},
        "min_flags": lambda v: _("At least %(value)s deviation flags") % {"value": v},
        "flag": lambda v: _("Deviation flag: %(value)s") % {"value": FLAG_KINDS.get(v, v)},
    }
    lines = [said[key](value) for key, value in filters.items() if key in said and value]
    return lines or [_("Every customer")]
