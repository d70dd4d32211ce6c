"""The ready-made rules, created switched off (a user reviews and enables them): each
is found again by its key, so that running this again creates nothing twice and a rule
a user changed is left as it is. Their names and descriptions are English msgids,
shown translated (kehu.crm.automation.ready_made)."""

from django.db import migrations

READY_MADE = [
    {
        "key": "win-back-high-value",
        "name": "Win back a high-value customer whose churn risk rose",
        "description": (
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
        "name": "Care call to a new Platinum customer",
        "description": (
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
        "name": "Escalate a complaint from a Gold or Platinum customer",
        "description": (
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
        "name": "Satisfaction survey after a resolved ticket",
        "description": (
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


def create_ready_made(apps, schema_editor):
    Rule = apps.get_model("automation", "Rule")
    for spec in READY_MADE:
        if not Rule.objects.filter(key=spec["key"]).exists():
            Rule.objects.create(enabled=False, **spec)


def remove_ready_made(apps, schema_editor):
    Rule = apps.get_model("automation", "Rule")
    Rule.objects.filter(key__in=[spec["key"] for spec in READY_MADE]).delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]

    operations = [migrations.RunPython(create_ready_made, remove_ready_made)]
