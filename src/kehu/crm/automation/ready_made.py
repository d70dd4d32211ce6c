"""The ready-made rules, created switched off (a user reviews and enables them) by
:func:`kehu.crm.automation.actions.ensure_ready_made_rules` after every ``migrate``
(``post_migrate``, as the role groups are: a test database flushed between tests gets
them back too). Each is found by its key, so a rule a user changed is left as it is.
Their names and descriptions are English msgids, shown in the reader's language while
a user has not renamed them (:meth:`Rule.display_name`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

READY_MADE: list[dict[str, Any]] = [
    {
        "key": "win-back-high-value",
        "name": gettext_noop("Win back a high-value customer whose churn risk rose"),
        "description": gettext_noop(
            "After each analysis run: a Gold or Platinum customer whose churn risk rose past "
            "one half gets a call from their owner within 3 days."
        ),
        "trigger": "churn_rose",
        "trigger_params": {"threshold": 0.5},
        "conditions": {"tier": ["Gold", "Platinum"]},
        "actions": [
            {
                "kind": "activity",
                "activity_kind": "call",
                "due_days": 3,
                "subject": "",
                "fallback_user": None,
            }
        ],
    },
    {
        "key": "care-call-new-platinum",
        "name": gettext_noop("Care call to a new Platinum customer"),
        "description": gettext_noop(
            "After each analysis run: a customer who has just become Platinum gets a care "
            "call from their owner within 2 days."
        ),
        "trigger": "tier_changed",
        "trigger_params": {"to_tiers": ["Platinum"], "from_tiers": []},
        "conditions": {},
        "actions": [
            {
                "kind": "activity",
                "activity_kind": "call",
                "due_days": 2,
                "subject": "",
                "fallback_user": None,
            }
        ],
    },
    {
        "key": "escalate-top-tier-complaint",
        "name": gettext_noop("Escalate a complaint from a Gold or Platinum customer"),
        "description": gettext_noop(
            "A new complaint ticket from a Gold or Platinum customer is raised to high "
            "priority and the customer's owner is notified."
        ),
        "trigger": "ticket_opened",
        "trigger_params": {"ticket_types": ["complaint"], "within_days": 2},
        "conditions": {"tier": ["Gold", "Platinum"]},
        "actions": [
            {"kind": "escalate", "priority": "high", "assignee": None},
            {"kind": "notify", "user": None},
        ],
    },
    {
        "key": "survey-after-resolved-ticket",
        "name": gettext_noop("Satisfaction survey after a resolved ticket"),
        "description": gettext_noop(
            "When a ticket is resolved, the customer's owner gets an email task to ask "
            "how satisfied the customer is (a campaign enrolment once campaigns exist)."
        ),
        "trigger": "ticket_resolved",
        "trigger_params": {"ticket_types": [], "within_days": 7},
        "conditions": {},
        "actions": [
            {
                "kind": "activity",
                "activity_kind": "email",
                "due_days": 1,
                "subject": "",
                "fallback_user": None,
            }
        ],
    },
]
