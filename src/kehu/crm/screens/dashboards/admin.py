"""The administrator's dashboard: users by role, the last imports and their quarantined
rows, duplicate candidates waiting for a decision, whether the analysis schedule is kept
(the scheduler process starts a run at each slot), and how big the system is.

Queries: users by role (one), the last imports (one), pending duplicates (one), the
schedule and the last scheduled run (two, three when a slot passed), system counts
(one each: customers, orders, tickets, products)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kehu.crm.catalog.models import Product
from kehu.crm.choices import Role
from kehu.crm.customers.models import Customer
from kehu.crm.integration.dedup import pending_pairs
from kehu.crm.integration.models import ImportJob
from kehu.crm.intelligence.actions import last_slot, schedule
from kehu.crm.intelligence.models import AnalysisSchedule, ValueRun
from kehu.crm.sales.models import Order
from kehu.crm.screens.dashboards.base import (
    Dashboard,
    Figure,
    Panel,
    Point,
    Row,
    Series,
    Table,
    list_url,
)
from kehu.crm.screens.dashboards.receivables import receivables_panel
from kehu.crm.service.models import Ticket

N_IMPORTS = 6
#: a scheduled run not started this long after its slot was missed (the scheduler
#: checks every minute)
GRACE = timedelta(minutes=10)


def users_panel() -> Panel:
    """Users in each role group (one query), each linking to the admin's user list
    filtered by that group."""
    groups = {
        g.name: g for g in Group.objects.filter(name__in=Role.values).annotate(n=Count("user"))
    }
    points = [
        Point(
            role.label,
            groups[role.value].n if role.value in groups else 0,
            list_url("admin:auth_user_changelist", {"groups__id__exact": groups[role.value].pk})
            if role.value in groups
            else None,
        )
        for role in Role
    ]
    return Panel(
        key="admin-users",
        title=_("Users by role"),
        kind="bar",
        series=[Series(_("Users"), points)],
        x_title=_("Role"),
        y_title=_("Users"),
        link=list_url("admin:auth_user_changelist"),
        link_label=_("Open the users"),
    )


def imports_block() -> tuple[Panel | None, Table]:
    """The last imports: rows imported, merged and quarantined (a chart and a table),
    each linking to the import job's page with its quarantined rows."""
    jobs = list(ImportJob.objects.order_by("-started_at", "-id")[:N_IMPORTS])
    jobs.reverse()  # oldest first, left to right
    labels = [f"#{job.pk} {job.get_entity_display()}" for job in jobs]
    series = [
        Series(
            name,
            [
                Point(label, getattr(job, field), list_url("integration:job", None, job.pk))
                for label, job in zip(labels, jobs, strict=True)
            ],
        )
        for field, name in (
            ("imported", _("Imported")),
            ("merged", _("Merged")),
            ("quarantined", _("Quarantined")),
        )
    ]
    panel = Panel(
        key="admin-imports",
        title=_("Last imports"),
        kind="stack",
        series=series,
        x_title=_("Import"),
        y_title=_("Rows"),
        link=list_url("integration:list"),
        link_label=_("Open the imports"),
    )
    table = Table(
        key="admin-import-table",
        title=_("Last imports"),
        headers=[_("Import"), _("File"), _("Status"), _("Imported"), _("Quarantined")],
        rows=[
            Row(
                [label, job.source_name, job.get_status_display(), job.imported, job.quarantined],
                list_url("integration:job", None, job.pk),
            )
            for label, job in reversed(list(zip(labels, jobs, strict=True)))
        ],
        empty=_("Nothing imported yet."),
        link=list_url("integration:list"),
        link_label=_("Open the imports"),
    )
    return (panel if jobs else None), table


def schedule_figure(now: datetime) -> Figure:
    """How the analysis is scheduled, and whether the last slot got its run."""
    plan = schedule()
    if plan.every == AnalysisSchedule.Every.OFF:
        text, alert = _("The analysis does not run by itself."), False
    else:
        slot = last_slot(plan, now)
        missed = (
            slot is not None
            and now - slot > GRACE
            and not ValueRun.objects.filter(created_at__gte=slot).exists()
        )
        text = _("%(every)s at %(hour)s:00") % {
            "every": plan.get_every_display(),
            "hour": f"{plan.at_hour:02d}",
        }
        if missed:
            text = _("%(plan)s; the run due %(slot)s did not start: is the scheduler running?") % {
                "plan": text,
                "slot": timezone.localtime(slot).strftime("%Y-%m-%d %H:%M"),
            }
        alert = missed
    return Figure(
        "schedule",
        _("Analysis schedule"),
        None,
        list_url("intelligence:overview"),
        kind="text",
        text=text,
        alert=alert,
    )


def admin_dashboard(user: AbstractBaseUser, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    imports, import_table = imports_block()
    n_pending = pending_pairs().count()
    return Dashboard(
        role="admin",
        title=pgettext("dashboard", "Administration"),
        figures=[
            Figure(
                "duplicates",
                _("Possible duplicates to review"),
                n_pending,
                list_url("integration:duplicates"),
                alert=n_pending > 0,
            ),
            schedule_figure(now),
            Figure(
                "n-customers",
                _("Customers"),
                Customer.objects.filter(merged_into__isnull=True).count(),
                list_url("customers:list"),
            ),
            Figure("n-orders", _("Orders"), Order.objects.count(), list_url("sales:order_list")),
            Figure(
                "n-tickets", _("Tickets"), Ticket.objects.count(), list_url("service:ticket_list")
            ),
            Figure(
                "n-products",
                _("Products"),
                Product.objects.count(),
                list_url("catalog:product_list"),
            ),
        ],
        panels=[
            panel
            for panel in (
                users_panel(),
                imports,
                receivables_panel(user, mine=False, key="admin-receivables"),
            )
            if panel is not None
        ],
        tables=[import_table],
    )
