"""Customer portal access for some of the demo's contacts, so that the portal has people
who can sign in (by a link to their email or a code to their mobile) and staff see who
has access on the customer page.

One buying customer in twenty gets portal access for its primary contact, invited in
the half year before ``today``; two in three of them have signed in since. No email is
sent: the rows are written in bulk (:mod:`kehu.crm.bulk`), and only when the table is
empty.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np
from django.utils import timezone

from kehu.crm.bulk import BulkWriter, next_id
from kehu.crm.customers.models import Contact
from kehu.crm.portal.models import PortalAccess

SHARE = 1 / 20
SIGNED_IN_SHARE = 2 / 3
INVITED_WITHIN_DAYS = 180


def plan_portal_access(contact_ids: np.ndarray, end: date, rng: np.random.Generator) -> dict:
    """The columns of the portal accesses of a sample of ``contact_ids``."""
    chosen = contact_ids[rng.random(len(contact_ids)) < SHARE]
    n = len(chosen)
    midnight = np.datetime64(datetime.combine(end, time(), tzinfo=UTC).replace(tzinfo=None), "s")
    invited = midnight - rng.integers(1, INVITED_WITHIN_DAYS, n) * np.timedelta64(1, "D")
    invited = invited + rng.integers(8 * 3600, 18 * 3600, n) * np.timedelta64(1, "s")
    since = ((midnight - invited) / np.timedelta64(1, "s")).astype(np.int64)
    signed_in = invited + (rng.random(n) * since).astype(np.int64) * np.timedelta64(1, "s")
    signed_in[rng.random(n) >= SIGNED_IN_SHARE] = np.datetime64("NaT")
    return {
        "id": next_id(PortalAccess) + np.arange(n),
        "contact_id": chosen,
        "enabled": np.ones(n, dtype=bool),
        "invited_at": invited,
        "last_login_at": signed_in,
        "created_at": invited,
    }


def add_portal_access(today: date | None = None, seed: int = 7) -> dict[str, int]:
    """Give some demo contacts portal access (none when some have it already)."""
    if PortalAccess.objects.exists():
        return {"portal_accesses": 0}
    contacts = (
        Contact.objects.filter(is_primary=True, customer__orders__isnull=False)
        .exclude(email="")
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )
    ids = np.fromiter(contacts, dtype=np.int64)
    plan = plan_portal_access(ids, today or timezone.localdate(), np.random.default_rng(seed + 15))
    with BulkWriter([PortalAccess]) as writer:
        return {"portal_accesses": writer.write(PortalAccess, plan)}
