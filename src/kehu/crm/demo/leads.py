"""The demo's leads: about 1,500 over the last 18 months, from web forms, fairs, imports,
referrals, the API and staff, some brought by four lead campaigns with a cost, so that
the lead list, the scoring and the source effectiveness page have something to show.

Whether a lead converted is drawn from a logistic model in which some features drive
conversion (a company email address rather than free mail, a senior job title, a
referral or a fair, a company name, activities logged) and others do not (the city), so
that scoring has something to learn: ``kehu leads score`` finds it back. Leads older
than :data:`DECIDE_AFTER_DAYS` are decided (converted, or disqualified with a reason);
younger ones are new, worked on or qualified. A converted lead is linked to a demo
customer who was ordering after the conversion. Everything is drawn as numpy columns and
written in bulk (:mod:`kehu.crm.bulk`); nothing is written when the demo has leads.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from kehu.crm.bulk import BulkWriter, next_id
from kehu.crm.choices import Role
from kehu.crm.customers.models import Customer
from kehu.crm.demo.timeline import DAY, as_datetime64, demo_end
from kehu.crm.leads.models import Lead, LeadEvent
from kehu.crm.marketing.models import Campaign

N_LEADS = 1_500
HISTORY_DAYS = 548  # 18 months
DECIDE_AFTER_DAYS = 45

SOURCES = np.array(["web_form", "event", "import", "referral", "api", "manual"])
SOURCE_WEIGHTS = np.array([0.36, 0.2, 0.16, 0.1, 0.08, 0.1])
SOURCE_EFFECT = np.array([0.0, 0.5, -0.8, 0.9, -0.2, 0.2])
# (name, goal, days before today it started, cost, sources it brings leads from)
CAMPAIGNS = (
    ("Spring trade fair booth", Campaign.Goal.EVENT, 420, Decimal("18000"), ("event",)),
    (
        "Search ads: warehouse systems",
        Campaign.Goal.CROSS_SELL,
        300,
        Decimal("9500"),
        ("web_form",),
    ),
    ("Webinar: smart logistics", Campaign.Goal.EVENT, 160, Decimal("2400"), ("web_form", "api")),
    ("Autumn trade fair booth", Campaign.Goal.EVENT, 80, Decimal("21000"), ("event",)),
)
CITIES = np.array(
    [
        ("Shanghai", "East"),
        ("Hangzhou", "East"),
        ("Suzhou", "East"),
        ("Beijing", "North"),
        ("Tianjin", "North"),
        ("Guangzhou", "South"),
        ("Shenzhen", "South"),
        ("Chengdu", "West"),
        ("Wuhan", "Central"),
    ]
)
TITLES = {
    "executive": np.array(["CEO", "General Manager", "Purchasing Director", "Founder", "总经理"]),
    "manager": np.array(["Purchasing Manager", "Logistics Manager", "Buyer", "采购经理"]),
    "staff": np.array(["Engineer", "Assistant", "Clerk", "Analyst"]),
}
SENIORITY_EFFECT = {"executive": 1.1, "manager": 0.5, "staff": -0.1, "none": -0.4}
FREE_DOMAINS = np.array(["gmail.com", "qq.com", "163.com", "outlook.com"])
SURNAMES = np.array(["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"])
GIVEN = np.array(["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Yan", "Jun", "Tao", "Hui"])
COMPANY_WORDS = np.array(["Huaxin", "Tianrui", "Dongfang", "Jinhai", "Hengtai", "Xinda", "Anda"])
COMPANY_KINDS = np.array(["Trading", "Logistics", "Electronics", "Foods", "Textiles"])
REASONS = np.array([r.value for r in Lead.DisqualifyReason if r != Lead.DisqualifyReason.OTHER])
REASON_WEIGHTS = np.array([0.26, 0.24, 0.2, 0.18, 0.06, 0.06])


def _campaigns(today: date) -> list[tuple[int, tuple[str, ...]]]:
    """The lead campaigns (made once, by name), as (id, sources)."""
    from kehu.crm.marketing.actions import create_campaign

    made = []
    for name, goal, days_ago, cost, sources in CAMPAIGNS:
        campaign = Campaign.objects.filter(name=name).first()
        if campaign is None:
            starts = today - timedelta(days=days_ago)
            campaign = create_campaign(
                name=name,
                goal=goal,
                channels=["email"],
                starts_on=starts,
                ends_on=starts + timedelta(days=60),
                budget=cost,
                cost=cost,
            )
        made.append((campaign.pk, sources))
    return made


def _draw(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Each lead's features and whether it converts."""
    source = rng.choice(SOURCES, n, p=SOURCE_WEIGHTS)
    seniority = rng.choice(["executive", "manager", "staff", "none"], n, p=[0.2, 0.35, 0.3, 0.15])
    corporate = rng.random(n) < 0.58
    has_company = rng.random(n) < np.where(corporate, 0.95, 0.55)
    activities = rng.poisson(1.2, n)
    logit = (
        -3.0
        + 1.3 * corporate
        + np.select([seniority == k for k in SENIORITY_EFFECT], list(SENIORITY_EFFECT.values()))
        + np.select([source == s for s in SOURCES], SOURCE_EFFECT)
        + 0.6 * has_company
        + 0.35 * activities
    )
    converts = rng.random(n) < 1 / (1 + np.exp(-logit))
    return {
        "source": source,
        "seniority": seniority,
        "corporate": corporate,
        "has_company": has_company,
        "activities": activities,
        "converts": converts,
    }


def _texts(rng: np.random.Generator, f: dict[str, np.ndarray], first_id: int) -> dict:
    n = len(f["source"])
    surname, given = rng.choice(SURNAMES, n), rng.choice(GIVEN, n)
    names = np.char.add(np.char.add(surname, " "), given)
    company = np.char.add(
        np.char.add(rng.choice(COMPANY_WORDS, n), " "), rng.choice(COMPANY_KINDS, n)
    )
    company = np.where(f["has_company"], company, "")
    ids = np.arange(first_id, first_id + n).astype(str)
    slug = np.char.lower(np.char.add(np.char.add(given, "."), surname))
    local = np.char.add(slug, ids)
    company_domain = np.char.add(np.char.lower(rng.choice(COMPANY_WORDS, n)), "-demo.cn")
    domain = np.where(f["corporate"], company_domain, rng.choice(FREE_DOMAINS, n))
    email = np.char.add(np.char.add(local, "@"), domain)
    with_phone = rng.random(n) < 0.6
    phone = np.where(with_phone, np.char.add("+86139", np.char.zfill(ids, 8)), "")
    title = np.full(n, "", dtype=object)
    for level, words in TITLES.items():
        pick = f["seniority"] == level
        title[pick] = rng.choice(words, int(pick.sum()))
    city = CITIES[rng.integers(0, len(CITIES), n)]
    return {
        "name": names.astype(object),
        "company": company.astype(object),
        "email": email.astype(object),
        "phone": phone.astype(object),
        "title": title,
        "city": city[:, 0].astype(object),
        "region": city[:, 1].astype(object),
    }


def _statuses(rng: np.random.Generator, converts: np.ndarray, age_days: np.ndarray) -> np.ndarray:
    decided = age_days >= DECIDE_AFTER_DAYS
    open_status = rng.choice(["new", "working", "qualified"], len(converts), p=[0.4, 0.4, 0.2])
    return np.where(decided, np.where(converts, "converted", "disqualified"), open_status)


def add_leads(today: date | None = None, seed: int = 7) -> dict[str, int]:
    """The demo's leads and their timelines; returns how many of each were written
    (none when the demo has leads already)."""
    if Lead.objects.exists():
        return {"leads": 0, "lead_events": 0}
    today = today or timezone.localdate()
    customers = np.array(
        Customer.objects.filter(merged_into__isnull=True, orders__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    rng = np.random.default_rng(seed + 21)
    n = N_LEADS
    end = as_datetime64(demo_end(today))
    age_days = rng.integers(0, HISTORY_DAYS, n)
    created = end - age_days * DAY - rng.integers(8 * 3600, 20 * 3600, n).astype("timedelta64[s]")
    f = _draw(rng, n)
    first_id = next_id(Lead)
    texts = _texts(rng, f, first_id)
    status = _statuses(rng, f["converts"], age_days)
    campaign = _campaign_column(rng, f["source"], age_days, today)
    owners = np.array(
        get_user_model()
        .objects.filter(groups__name=Role.SALES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    owner = rng.choice(owners, n) if len(owners) else np.zeros(n, dtype=np.int64)
    owner = np.where((status == "new") & (rng.random(n) < 0.5), 0, owner)
    decided_at = np.minimum(created + rng.integers(2, DECIDE_AFTER_DAYS, n) * DAY, end)
    converted = status == "converted"
    customer = np.zeros(n, dtype=np.int64)
    if len(customers):
        customer[converted] = rng.choice(customers, int(converted.sum()))
    else:  # no demo customers to link to: leave them decided the other way
        status = np.where(converted, "disqualified", status)
        converted = status == "converted"
    reason = np.where(status == "disqualified", rng.choice(REASONS, n, p=REASON_WEIGHTS), "")
    ids = np.arange(first_id, first_id + n)
    leads = {
        "id": ids,
        **texts,
        "notes": np.full(n, "", dtype=object),
        "source": f["source"].astype(object),
        "campaign": campaign,
        "source_detail": np.full(n, "", dtype=object),
        "status": status.astype(object),
        "disqualify_reason": reason.astype(object),
        "disqualify_note": np.full(n, "", dtype=object),
        "owner": owner,
        "score_reasons": np.full(n, "[]", dtype=object),
        "customer": customer,
        "converted_at": np.where(converted, decided_at, np.datetime64("NaT")),
        "created_at": created,
        "updated_at": np.where(status == "new", created, decided_at),
    }
    until = np.where(np.isin(status, ["converted", "disqualified"]), decided_at, end)
    events = _events(rng, ids, created, until, status, f["activities"], owner)
    with BulkWriter([Lead, LeadEvent]) as writer:
        n_leads = writer.write(Lead, _nullable(leads))
        n_events = writer.write(LeadEvent, events)
    return {"leads": n_leads, "lead_events": n_events}


def _campaign_column(
    rng: np.random.Generator, source: np.ndarray, age_days: np.ndarray, today: date
) -> np.ndarray:
    """A campaign for most web-form, API and fair leads captured while one ran."""
    column = np.zeros(len(source), dtype=np.int64)
    for (pk, sources), spec in zip(_campaigns(today), CAMPAIGNS, strict=True):
        days_ago = spec[2]
        running = (age_days <= days_ago) & (age_days >= days_ago - 90)
        pick = np.isin(source, sources) & running & (rng.random(len(source)) < 0.8)
        column[pick & (column == 0)] = pk
    return column


def _nullable(columns: dict) -> dict:
    """Zero ids as NULL (no campaign, owner or customer)."""
    out = dict(columns)
    for name in ("campaign", "owner", "customer"):
        out[name] = np.where(columns[name] == 0, None, columns[name]).astype(object)
    return out


def _events(
    rng: np.random.Generator,
    ids: np.ndarray,
    created: np.ndarray,
    until: np.ndarray,
    status: np.ndarray,
    activities: np.ndarray,
    owner: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each lead's timeline: captured; its activities between capture and ``until`` (its
    decision, or the demo's end); the status changes to where it stands."""
    n = len(ids)
    span = (until - created).astype("timedelta64[s]").astype(np.int64)
    activity_lead = np.repeat(np.arange(n), activities)
    activity_at = created[activity_lead] + (
        rng.random(len(activity_lead)) * span[activity_lead]
    ).astype("timedelta64[s]")
    activity_kind = rng.choice(
        ["call", "email", "meeting", "note"], len(activity_lead), p=[0.4, 0.3, 0.1, 0.2]
    )
    moved = np.flatnonzero(status != "new")
    decided = np.flatnonzero(np.isin(status, ["converted", "disqualified"]))
    first_move = np.where(np.isin(status, ["converted", "disqualified"]), "working", status)
    lead_col = np.concatenate([np.arange(n), activity_lead, moved, decided])
    blank = np.full(n + len(activity_lead), "")
    kind = np.concatenate(
        [np.full(n, "captured"), activity_kind, np.full(len(moved) + len(decided), "status")]
    )
    from_status = np.concatenate(
        [blank, np.full(len(moved), "new"), np.full(len(decided), "working")]
    )
    to_status = np.concatenate([blank, first_move[moved], status[decided]])
    at = np.concatenate([created, activity_at, created[moved] + DAY // 4, until[decided]])
    m = len(lead_col)
    first = next_id(LeadEvent)
    return {
        "id": np.arange(first, first + m),
        "lead": ids[lead_col],
        "kind": kind.astype(object),
        "from_status": from_status.astype(object),
        "to_status": to_status.astype(object),
        "note": np.full(m, "", dtype=object),
        "actor": np.where(owner[lead_col] == 0, None, owner[lead_col]).astype(object),
        "occurred_at": at,
    }
