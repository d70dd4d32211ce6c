"""The ready-made rules' names and descriptions as msgids: the rules are created by a
data migration (``migrations/0002_ready_made_rules.py``) with these English texts, and
shown in the reader's language while a user has not renamed them."""

from django.utils.translation import gettext_noop

TEXTS = (
    gettext_noop("Win back a high-value customer whose churn risk rose"),
    gettext_noop(
        "After each analysis run: a Gold or Platinum customer whose churn risk rose past "
        "one half gets a call from their owner within 3 days."
    ),
    gettext_noop("Care call to a new Platinum customer"),
    gettext_noop(
        "After each analysis run: a customer who has just become Platinum gets a care "
        "call from their owner within 2 days."
    ),
    gettext_noop("Escalate a complaint from a Gold or Platinum customer"),
    gettext_noop(
        "A new complaint ticket from a Gold or Platinum customer is raised to high "
        "priority and the customer's owner is notified."
    ),
    gettext_noop("Satisfaction survey after a resolved ticket"),
    gettext_noop(
        "When a ticket is resolved, the customer's owner gets an email task to ask "
        "how satisfied the customer is (a campaign enrolment once campaigns exist)."
    ),
)
