"""Reads of the automation app: which customers a rule's conditions let through (the
customer list's own filter), the rules with their last run and hits, a rule's log, a
user's notifications."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from kehu.crm.automation.models import Notification, Rule, RuleHit, RuleRun
from kehu.crm.choices import Role
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import filtered_customers
from kehu.crm.intelligence.labels import LIFECYCLE, SEGMENTS, TIERS

#: the customer list's filters a rule's conditions may use; the ones that take several
#: values (any of them matches) are lists
CONDITION_KEYS = (
    "tier",
    "segment",
    "cluster",
    "lifecycle",
    "min_p_alive",
    "min_churn",
    "min_flags",
    "flag",
    "status",
    "country",
    "owner",
    "tag",
    "q",
)
CONDITION_CHOICES: dict[str, tuple[str, ...]] = {
    "tier": TIERS,
    "segment": SEGMENTS,
    "lifecycle": LIFECYCLE,
    "status": tuple(Customer.Status.values),
}
SHARES = ("min_p_alive", "min_churn")
WHOLE_NUMBERS = ("cluster", "min_flags", "owner")


class _Rules:
    """Who the rules act as when they read the customer list: someone who sees every
    customer (a rule works for the company, not for the user who wrote it)."""

    is_authenticated = True
    is_superuser = True
    is_active = True
    pk = id = None
    _kehu_roles = frozenset({Role.ADMIN.value})

    def has_perm(self, perm: str) -> bool:
        return True


RULES_VIEWER: Any = _Rules()


def _clean_value(key: str, value: Any) -> str:
    text = str(value).strip()
    if key in CONDITION_CHOICES and text not in CONDITION_CHOICES[key]:
        raise ValidationError(
            f"{key} must be one of {list(CONDITION_CHOICES[key])}, got {text!r}", "invalid_choice"
        )
    if key in SHARES:
        try:
            share = float(text)
        except ValueError:
            share = -1.0
        if not 0 <= share <= 1:
            raise ValidationError(f"{key} must be a share from 0 to 1, got {text!r}", "invalid")
    if key in WHOLE_NUMBERS and not (text.isascii() and text.isdigit()):
        raise ValidationError(f"{key} must be a whole number (an id), got {text!r}", "invalid")
    return text


def clean_conditions(given: Any) -> dict[str, str | list[str]]:
    """A rule's conditions checked: the customer list's filter names, each a value or a
    list of values (any matches); empty values dropped. Errors keyed by filter name."""
    if not isinstance(given, dict):
        raise ValidationError({"conditions": ValidationError("must be an object", "invalid")})
    errors: dict[str, Any] = {}
    unknown = sorted(set(given) - set(CONDITION_KEYS))
    if unknown:
        errors["conditions"] = ValidationError(
            f"unknown filters {unknown}; allowed: {list(CONDITION_KEYS)}", "unknown"
        )
    cleaned: dict[str, str | list[str]] = {}
    for key in CONDITION_KEYS:
        value = given.get(key)
        try:
            if isinstance(value, list | tuple):
                values = [_clean_value(key, v) for v in value if str(v).strip()]
                if values:
                    cleaned[key] = values[0] if len(values) == 1 else values
            elif value is not None and str(value).strip():
                cleaned[key] = _clean_value(key, value)
        except ValidationError as e:
            errors[key] = e
    if errors:
        raise ValidationError(errors)
    return cleaned


def matching_customers(conditions: dict[str, Any]) -> QuerySet[Customer]:
    """The customers the conditions let through, as the customer list filters them (a
    list of values matches any of them); never a merged record."""
    single = {k: str(v) for k, v in conditions.items() if not isinstance(v, list)}
    queryset = filtered_customers(RULES_VIEWER, **single).order_by()
    for key, values in conditions.items():
        if isinstance(values, list):
            any_of = Q()
            for value in values:
                any_of |= Q(
                    pk__in=filtered_customers(RULES_VIEWER, **{key: str(value)})
                    .order_by()
                    .values("pk")
                )
            queryset = queryset.filter(any_of)
    return queryset


CHUNK = 5000


def keep_matching(conditions: dict[str, Any], customer_ids: Iterable[int]) -> set[int]:
    """Of ``customer_ids``, those the conditions let through (a query per 5,000)."""
    ids = list(dict.fromkeys(customer_ids))
    if not conditions:
        live = Customer.objects.filter(merged_into__isnull=True)
    else:
        live = matching_customers(conditions)
    kept: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        kept.update(live.filter(pk__in=chunk).values_list("pk", flat=True))
    return kept


def done_keys(rule: Rule, event_keys: Iterable[str]) -> set[tuple[int, str]]:
    """The (customer, event) pairs the rule has acted on, among ``event_keys``."""
    keys = sorted(set(event_keys))
    found: set[tuple[int, str]] = set()
    for start in range(0, len(keys), CHUNK):
        found.update(
            RuleHit.objects.filter(rule=rule, event_key__in=keys[start : start + CHUNK])
            .order_by()
            .values_list("customer_id", "event_key")
        )
    return found


def rules_with_stats() -> QuerySet[Rule]:
    """Every rule with its number of hits and its last (real) run's time and counts."""
    last = RuleRun.objects.filter(rule=OuterRef("pk"), dry_run=False).order_by("-started_at", "-id")
    return Rule.objects.annotate(
        n_hits=Count("hits", distinct=True),
        last_run_at=Subquery(last.values("started_at")[:1]),
        last_run_acted=Subquery(last.values("n_acted")[:1]),
    ).order_by("name", "id")


def rule_runs(rule: Rule, limit: int = 50) -> QuerySet[RuleRun]:
    return rule.runs.select_related("started_by", "value_run").order_by("-started_at", "-id")[
        :limit
    ]


def rule_hits(rule: Rule, limit: int = 50) -> QuerySet[RuleHit]:
    return rule.hits.select_related("customer").order_by("-acted_at", "-id")[:limit]


def notifications_of(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user: AbstractBaseUser | AnonymousUser) -> int:
    """How many notifications ``user`` has not read (0 for an anonymous visitor)."""
    return notifications_of(user).filter(read_at__isnull=True).count()
