"""Leads as a kind of row the import takes (the wizard and ``kehu import --entity leads``).

Integration sits below leads and cannot import it, so leads registers its entity from
its ``AppConfig.ready()`` (:func:`register`). The rows are read and checked like any
record entity's (a name, an email address that is one, a known owner, a choice of
source, dates), plus the leads' own checks: an email or a phone to reach the lead, a
phone of 5 to 20 digits, a campaign the CRM has. Each good row is captured through
:func:`kehu.crm.leads.actions.capture_lead`, so that the duplicate check on the way in
is the same as the web form's: an open lead with the same email or phone is updated
(counted as merged), and every input row is accounted for: imported, merged or
quarantined with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from kehu.crm.integration import reasons
from kehu.crm.integration.entities import register_entity
from kehu.crm.integration.fields import (
    EMAIL_WORDS,
    EXTERNAL_ID,
    PHONE_WORDS,
    Field,
    choice,
    of_kind,
    text,
    words,
)
from kehu.crm.integration.records import RecordEntity
from kehu.crm.integration.staging import Staging
from kehu.crm.integration.writes import ImportBy
from kehu.crm.leads.actions import capture_lead
from kehu.crm.leads.models import Lead
from kehu.crm.marketing.models import Campaign

NO_WAY_TO_REACH = reasons.Reason(
    gettext_noop("no email and no phone: a lead needs one to be reached")
)
NOT_A_PHONE = reasons.Reason(gettext_noop('phone "%(value)s" is not a number of 5 to 20 digits'))
NO_CAMPAIGN = reasons.Reason(
    gettext_noop('campaign "%(value)s" is not in the CRM: create it first, or fix the name')
)

LEAD_FIELDS = (
    text("external_id", _("Lead id"), f"leadid 线索编号 {EXTERNAL_ID}", max_length=90),
    text(
        "name",
        _("Name"),
        "name contactname fullname contact 姓名 联系人",
        max_length=200,
        required=True,
    ),
    text(
        "company",
        _("Company"),
        "company companyname organisation organization 公司 单位",
        max_length=200,
    ),
    Field("email", _("Email"), False, words(EMAIL_WORDS), "email", max_length=254),
    text("phone", _("Phone"), PHONE_WORDS, max_length=40),
    text("title", _("Job title"), "title jobtitle position 职位 职务", max_length=100),
    text("city", _("City"), "city town 城市", max_length=100),
    text("region", _("Region"), "region province state 地区 省份", max_length=100),
    choice("source", _("Source"), "source leadsource channel 来源 线索来源", Lead.Source),
    text("campaign", _("Campaign"), "campaign campaignname 营销活动 活动"),
    text("source_detail", _("Source detail"), "sourcedetail detail 来源说明", max_length=200),
    of_kind("user", "owner", _("Owner"), "owner salesperson assignedto 负责人 销售"),
    text("notes", _("Notes"), "notes note comment remarks 备注"),
    of_kind(
        "timestamp", "created_at", _("Captured at"), "createdat created captured date 日期 创建时间"
    ),
)

_PHONE = r"regexp_replace(regexp_replace(phone, '[\s()./-]', '', 'g'), '^00', '+')"


def _checks(_latest: str | None) -> list[tuple[str, str]]:
    return [
        ("email IS NULL AND phone IS NULL", NO_WAY_TO_REACH.sql()),
        (
            f"phone IS NOT NULL AND NOT regexp_matches({_PHONE}, '^[+]?[0-9]{{5,20}}$')",
            NOT_A_PHONE.sql(value="raw_phone"),
        ),
        (
            "campaign IS NOT NULL AND LOWER(campaign) NOT IN (SELECT name FROM lead_campaigns)",
            NO_CAMPAIGN.sql(value="raw_campaign"),
        ),
    ]


@dataclass(frozen=True)
class LeadEntity(RecordEntity):
    """Rows read and checked as a record entity's; written by ``capture_lead``."""

    def resolve_references(self, db: Staging, mapping: dict[str, str]) -> None:
        """Also ``lead_campaigns``: the CRM's campaign names, lower-cased."""
        super().resolve_references(db, mapping)
        names = sorted({n.lower() for n in Campaign.objects.values_list("name", flat=True)})
        with db.registered(
            "lead_campaigns_input", pa.table({"name": pa.array(names, pa.string())})
        ):
            db.materialize("lead_campaigns", "SELECT * FROM lead_campaigns_input")

    def apply_batch(
        self, rows: pa.Table, now: datetime | None = None, by: ImportBy | None = None
    ) -> dict[str, int]:
        """Capture each record once, from its first row (which carries the values of
        all its rows); the other rows are merged."""
        by = by or ImportBy()
        actor = get_user_model().objects.filter(pk=by.user_id).first() if by.user_id else None
        firsts = rows.filter(pc.equal(rows["row_number"], rows["first_copy"])).to_pylist()
        campaigns = {c.name.lower(): c for c in Campaign.objects.all()}
        owners = get_user_model().objects.in_bulk({r["owner_id"] for r in firsts if r["owner_id"]})
        created = 0
        for r in firsts:
            result = capture_lead(**_capture_values(r, campaigns, owners), actor=actor)
            created += result.created
        return {"imported": created, "merged": rows.num_rows - created}


def _capture_values(
    r: dict[str, Any], campaigns: dict[str, Campaign], owners: dict[int, Any]
) -> dict[str, Any]:
    values = {
        name: r[name] or ""
        for name in ("name", "company", "email", "phone", "title", "city", "region", "notes")
    }
    created_at = r["created_at"]
    if created_at is not None and created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    if created_at is not None:
        values["created_at"] = created_at
    return {
        **values,
        "source": r["source"] or Lead.Source.IMPORT,
        "campaign": campaigns.get((r["campaign"] or "").lower()),
        "source_detail": r["source_detail"] or "",
        "owner": owners.get(r["owner_id"]) if r["owner_id"] else None,
        "source_key": r["record_key"],
    }


LEADS = LeadEntity(
    "leads",
    Lead,
    natural_key=("COALESCE(email, regexp_replace(phone, '[^0-9]', '', 'g'))",),
    PREVIEW_FIELDS=("name", "company", "email", "phone", "source", "campaign", "owner"),
    row_checks=_checks,
)


def register() -> None:
    """Make leads a kind of row the import takes."""
    register_entity(
        "leads",
        LEADS,
        LEAD_FIELDS,
        _("Leads"),
        extra_reasons=(NO_WAY_TO_REACH, NOT_A_PHONE, NO_CAMPAIGN),
    )
