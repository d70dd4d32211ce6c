from __future__ import annotations

from django import template
from django.utils.functional import Promise

from kehu.crm.intelligence import labels, mining_labels
from kehu.crm.intelligence.labels import label

register = template.Library()


@register.filter
def value_label(value: str) -> str | Promise:
    """The display name of a tier, RFM segment, lifecycle or loyalty stage."""
    return label(value or "")


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.1234 -> "12%" (or "12.3%" with digits=1); blank for None."""
    if value is None:
        return ""
    return f"{100 * float(value):.{int(digits)}f}%"


@register.filter
def segment_label(segment: object) -> str:
    """A segment's suggested name in the UI's language (a Segment, or a dict with its
    ``name_key``, ``name_detail`` and ``name`` such as a forecast's series)."""
    if isinstance(segment, dict):
        return mining_labels.segment_name(
            segment.get("name_key", ""),
            segment.get("name_detail", ""),
            str(segment.get("name", "")),
        )
    if getattr(segment, "custom_name", ""):  # renamed by a user (queries.named_segments)
        return str(segment.custom_name)  # type: ignore[attr-defined]
    return suggested_label(segment)


@register.filter
def suggested_label(segment: object) -> str:
    """The name the analysis suggests for a segment, whatever a user renamed it to."""
    return mining_labels.segment_name(
        getattr(segment, "name_key", ""),
        getattr(segment, "name_detail", ""),
        str(getattr(segment, "name", "")),
    )


@register.filter
def skip_text(summary: dict) -> str:
    """Why a step did not run, in the UI's language."""
    return mining_labels.skip_text(summary or {})


@register.filter
def dates_text(dates: dict) -> str:
    return labels.dates_text(dates or {})


@register.filter
def purchase_model_text(choice: dict) -> str:
    return labels.purchase_model_text(choice or {})


@register.filter
def model_name(key: str) -> str:
    return labels.MODEL_NAMES.get(key, key)


@register.filter
def churn_reason(reason: str) -> str:
    return mining_labels.churn_reason(reason)


@register.filter
def flag_text(flag: dict) -> str:
    return mining_labels.flag_text(flag)


@register.filter
def recommendation_reason(recommendation: dict) -> str:
    return mining_labels.recommendation_reason(recommendation)


@register.filter
def flag_kind(kind: str) -> str:
    return str(mining_labels.FLAG_KINDS.get(kind, kind))


@register.filter
def feature_label(feature: str) -> str:
    return mining_labels.feature_name(feature)
