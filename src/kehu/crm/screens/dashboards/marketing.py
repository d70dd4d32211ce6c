"""The marketing dashboard: the running campaigns with their reach, conversion against
the control group and uplift; the analysis segments' size against their share of
predicted value; customers by churn risk; who may be contacted on each channel and the
suppressed addresses.

Queries: the running campaigns and their members' counts (two), the segments of the
latest run and their customers (three), churn risk and consent in one aggregate over the
customers, suppressions by channel and reason (one)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kehu.crm.customers.queries import visible_customers
from kehu.crm.intelligence.models import CustomerScore
from kehu.crm.intelligence.queries import latest_done_run, named_segments
from kehu.crm.intelligence.templatetags.intelligence import segment_label
from kehu.crm.marketing.models import Campaign, CampaignMember, Suppression
from kehu.crm.marketing.results import GroupResult, conversion_uplift, group_results
from kehu.crm.screens.dashboards.base import (
    Dashboard,
    Figure,
    Panel,
    Point,
    Row,
    Series,
    Table,
    list_url,
    percent_text,
)

#: the churn-risk steps of the customer list's "churn risk at least" filter
CHURN_STEPS = ("0.25", "0.5", "0.75")
MAX_CAMPAIGNS = 8


def running_campaigns(today: date) -> list[Campaign]:
    """Campaigns sending now, or sent and still counting responses (their window ends
    today or later), latest first."""
    running = Q(status=Campaign.Status.SENDING) | Q(status=Campaign.Status.SENT, ends_on__gte=today)
    return list(Campaign.objects.filter(running).order_by("-starts_on", "-id")[:MAX_CAMPAIGNS])


def campaigns_block(today: date) -> tuple[Panel, Table]:
    """Conversion of the targeted against the control group of each running campaign
    (a chart) and its reach and uplift (a table), each linking to the campaign."""
    campaigns = running_campaigns(today)
    groups = group_results(CampaignMember.objects.filter(campaign__in=campaigns), by="campaign")
    treated_points, control_points, rows = [], [], []
    names = [campaign.name for campaign in campaigns]
    for campaign in campaigns:
        # two campaigns of one name would be one bar: the id tells them apart
        label = (
            campaign.name if names.count(campaign.name) == 1 else f"{campaign.name} #{campaign.pk}"
        )
        url = campaign.get_absolute_url()
        treated = groups.get((campaign.pk, CampaignMember.Group.TREATED), GroupResult())
        control = groups.get((campaign.pk, CampaignMember.Group.CONTROL), GroupResult())
        treated_points.append(Point(label, treated.conversion_rate or 0, url, count=treated.n))
        control_points.append(Point(label, control.conversion_rate or 0, url, count=control.n))
        uplift = conversion_uplift(treated, control)
        rows.append(
            Row(
                [
                    label,
                    treated.sent,
                    percent_text(treated.conversion_rate),
                    percent_text(control.conversion_rate),
                    percent_text(uplift.value) if uplift else None,
                ],
                url,
            )
        )
    panel = Panel(
        key="marketing-campaigns",
        title=_("Running campaigns: conversion against control"),
        kind="bar",
        series=[
            Series(_("Targeted"), treated_points),
            Series(_("Control group"), control_points),
        ],
        x_title=_("Campaign"),
        y_title=_("Conversion rate"),
        percent=True,
        link=list_url("marketing:campaign_list"),
        link_label=_("Open the campaigns"),
    )
    table = Table(
        key="marketing-campaign-table",
        title=_("Running campaigns"),
        headers=[_("Campaign"), _("Reached"), _("Targeted"), _("Control group"), _("Uplift")],
        rows=rows,
        empty=_("No campaign is running."),
        link=list_url("marketing:campaign_list"),
        link_label=_("Open the campaigns"),
    )
    return panel, table


def segments_panel() -> Panel | None:
    """Each segment of the latest run: its share of the customers against its share of
    their predicted CLV (one grouped query), linking to the segment's page."""
    run = latest_done_run()
    if run is None:
        return None
    segments = list(named_segments().filter(run=run).order_by("key"))
    rows = (
        CustomerScore.objects.filter(run=run, segment__isnull=False)
        .order_by()
        .values("segment")
        .annotate(n=Count("customer"), clv=Coalesce(Sum("predicted_clv"), 0.0))
    )
    by_key = {row["segment"]: row for row in rows}
    n_total = sum(row["n"] for row in rows) or 1
    clv_total = sum(row["clv"] for row in rows) or 1.0
    sizes, values = [], []
    for segment in segments:
        row = by_key.get(segment.key, {"n": 0, "clv": 0.0})
        name = segment.custom_name or segment_label(segment)
        url = segment.get_absolute_url()
        sizes.append(Point(name, row["n"] / n_total, url, count=row["n"]))
        values.append(Point(name, row["clv"] / clv_total, url, count=row["n"]))
    return Panel(
        key="marketing-segments",
        title=_("Segments: share of customers and of predicted value"),
        kind="bar",
        series=[
            Series(_("Share of customers"), sizes),
            Series(_("Share of predicted CLV"), values),
        ],
        x_title=_("Segment"),
        y_title=_("Share"),
        percent=True,
        link=list_url("intelligence:segments"),
        link_label=_("Open the segments"),
    )


def customers_block(user: AbstractBaseUser) -> tuple[Panel, list[Figure]]:
    """Customers at each churn-risk step and who consented to each channel (one
    aggregate over the customers the user sees)."""
    counts = visible_customers(user).aggregate(
        **{
            f"churn_{step}": Count("pk", filter=Q(score__churn_risk__gte=float(step)))
            for step in CHURN_STEPS
        },
        email=Count("pk", filter=Q(consent_email=True)),
        sms=Count("pk", filter=Q(consent_sms=True)),
        phone=Count("pk", filter=Q(consent_phone=True)),
    )
    points = [
        Point(
            _("at least %(share)s%%") % {"share": round(float(step) * 100)},
            counts[f"churn_{step}"],
            list_url("customers:list", {"min_churn": step}),
        )
        for step in CHURN_STEPS
    ]
    panel = Panel(
        key="marketing-churn",
        title=_("Customers by churn risk"),
        kind="bar",
        series=[Series(_("Customers"), points)],
        x_title=_("Churn risk"),
        y_title=_("Customers"),
        link=list_url("customers:list", {"min_churn": CHURN_STEPS[1]}),
        link_label=_("Open the customers at high churn risk"),
        summary=_("Each bar counts the customers whose churn risk is at least its step."),
    )
    figures = [
        Figure(f"consent-{key}", label, counts[key])
        for key, label in (
            ("email", _("Customers who agreed to email")),
            ("sms", _("Customers who agreed to SMS")),
            ("phone", _("Customers who agreed to calls")),
        )
    ]
    return panel, figures


def suppressions_panel() -> tuple[Panel, int]:
    """Suppressed addresses by channel, stacked by reason (one query)."""
    rows = Suppression.objects.order_by().values("channel", "reason").annotate(n=Count("id"))
    counts = {(row["channel"], row["reason"]): row["n"] for row in rows}
    series = [
        Series(
            reason_label,
            [
                Point(
                    channel_label,
                    counts.get((channel, reason), 0),
                    list_url("marketing:suppressions", {"channel": channel, "reason": reason}),
                )
                for channel, channel_label in Campaign.Channel.choices
            ],
        )
        for reason, reason_label in Suppression.Reason.choices
    ]
    panel = Panel(
        key="marketing-suppressions",
        title=_("Suppressed addresses"),
        kind="stack",
        series=series,
        x_title=_("Channel"),
        y_title=_("Addresses"),
        link=list_url("marketing:suppressions"),
        link_label=_("Open the suppression list"),
    )
    return panel, sum(counts.values())


def marketing_dashboard(user: AbstractBaseUser, today: date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    campaigns, campaign_table = campaigns_block(today)
    churn, consent = customers_block(user)
    suppressions, n_suppressed = suppressions_panel()
    segments = segments_panel()
    return Dashboard(
        role="marketing",
        title=pgettext("dashboard", "Marketing"),
        figures=[
            Figure(
                "running-campaigns",
                _("Running campaigns"),
                len(campaign_table.rows),
            ),
            *consent,
            Figure(
                "suppressed",
                _("Suppressed addresses"),
                n_suppressed,
                list_url("marketing:suppressions"),
            ),
        ],
        panels=[p for p in (campaigns, segments, churn, suppressions) if p is not None],
        tables=[campaign_table],
    )
