"""Fill an empty database with deterministic demo data.

Purchases come from the BTYD generative processes (:mod:`kehu.insight.generate`), so
the analytics have something real to find; everything else (customers' master data,
contacts, opportunities, activities, tickets, interactions) is drawn around them with
the same seed. The history ends at the start of today (``timeline.demo_end``), so the
data look current whenever they are loaded: orders up to yesterday, open activities and
deals due in the weeks ahead; the same seed and day give the same rows. Rows are
written in bulk, bypassing the ORM (:mod:`kehu.crm.bulk`):
a million customers load in minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import numpy as np
from django.contrib.auth import get_user_model
from django.db import models

from kehu.crm.accounts.actions import create_user
from kehu.crm.accounts.roles import Role
from kehu.crm.bulk import BulkWriter, next_id
from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.customers.models import Contact, Customer, CustomerSearchTerm, Tag
from kehu.crm.demo import customers as demo_customers
from kehu.crm.demo.attendance import add_attendance
from kehu.crm.demo.attendance_results import add_attendance_results
from kehu.crm.demo.billing import add_invoices
from kehu.crm.demo.catalog import CatalogPlan, plan_catalog
from kehu.crm.demo.engagement import plan_interactions
from kehu.crm.demo.events import add_events
from kehu.crm.demo.leads import add_leads
from kehu.crm.demo.loyalty import add_loyalty
from kehu.crm.demo.orders import plan_orders
from kehu.crm.demo.pipeline import plan_activities, plan_opportunities
from kehu.crm.demo.portal import add_portal_access
from kehu.crm.demo.service import plan_tickets
from kehu.crm.demo.teams import add_teams
from kehu.crm.demo.timeline import demo_end
from kehu.crm.engagement.models import Interaction
from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent
from kehu.crm.service.sla_actions import backfill_due_times
from kehu.insight.generate import CDNOW_BG_NBD, bg_nbd_for_mean_transactions, simulate_purchases
from kehu.insight.profiles import build_pools

# username, role, sales manager (sees every customer), language
STAFF = [
    ("li.na", Role.SALES, True, "zh-hans"),
    ("wang.fang", Role.SALES, False, "zh-hans"),
    ("zhang.wei", Role.SALES, False, "zh-hans"),
    ("emily.johnson", Role.SALES, False, "en"),
    ("michael.brown", Role.SALES, False, "en"),
    ("liu.yang", Role.SERVICE, False, "zh-hans"),
    ("sarah.davis", Role.SERVICE, False, "en"),
    ("chen.jing", Role.SERVICE, False, "zh-hans"),
    ("jessica.wilson", Role.MARKETING, False, "en"),
    ("zhao.lei", Role.ANALYST, False, "zh-hans"),
]

Advance = Callable[[int], None]


class DatabaseNotEmptyError(RuntimeError):
    """load_demo was asked to fill a database that has customers already."""


def _staff() -> dict[str, list[tuple[int, str]]]:
    """The demo users by role, as (id, username); existing users of the same name are
    reused."""
    users = get_user_model().objects
    by_role: dict[str, list[tuple[int, str]]] = {}
    for username, role, manager, language in STAFF:
        user = users.filter(username=username).first()
        if user is None:
            user, _password = create_user(username, role=role, manager=manager, language=language)
        by_role.setdefault(str(role), []).append((user.pk, username))
    return by_role


def _ids(staff: dict[str, list[tuple[int, str]]], *roles: str) -> np.ndarray:
    return np.array([pk for role in roles for pk, _name in staff[role]], dtype=np.int64)


def _tag_ids() -> np.ndarray:
    return np.array([Tag.objects.get_or_create(name=n)[0].pk for n in demo_customers.TAGS])


def _catalog(rng: np.random.Generator) -> tuple[CatalogPlan, bool]:
    """A new catalog, or the existing products when the database has some."""
    plan = plan_catalog(
        rng, first_category_id=next_id(ProductCategory), first_product_id=next_id(Product)
    )
    existing = list(Product.objects.order_by("unit_price", "id").values("id", "name", "unit_price"))
    if not existing:
        return plan, True
    plan.product_columns = {
        "id": np.array([p["id"] for p in existing]),
        "name": np.array([p["name"] for p in existing], dtype=object),
        "unit_price": np.array([float(p["unit_price"]) for p in existing]),
    }
    return plan, False


def _primary_contacts(plan: demo_customers.CustomerPlan) -> np.ndarray:
    """The primary contact id of each customer (by position), 0 for none."""
    contacts = plan.contact_columns
    lookup = np.zeros(len(plan.ids), dtype=np.int64)
    primary = contacts["is_primary"]
    lookup[contacts["customer"][primary] - plan.ids[0]] = contacts["id"][primary]
    return lookup


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[str, int], Advance]]:
    """``start(description, total)`` returns an ``advance(n)``; silent when disabled."""
    if not enabled:
        yield lambda _description, _total: lambda _n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn()) as bar:

        def start(description: str, total: int) -> Advance:
            task = bar.add_task(description, total=total)
            return lambda n: bar.advance(task, n)

        yield start


def _plan(
    n_customers: int, seed: int, orders_per_customer: float | None, staff: dict, today: date | None
) -> dict[str, tuple[type[models.Model], dict]]:
    """Every table to write, as columns, in the order they must be written."""
    rng = np.random.default_rng(seed)
    n_buyers = round(n_customers * (1 - demo_customers.PROSPECT_SHARE))
    bg_nbd = CDNOW_BG_NBD
    if orders_per_customer is not None:
        bg_nbd = bg_nbd_for_mean_transactions(orders_per_customer * n_customers / max(n_buyers, 1))
    sim = simulate_purchases(n_buyers, seed=seed, bg_nbd=bg_nbd, end=demo_end(today))
    pools = build_pools(seed)
    customers = demo_customers.plan_customers(
        n_customers,
        sim,
        rng,
        first_id=next_id(Customer),
        owners=_ids(staff, Role.SALES),
        seed=seed,
        pools=pools,
    )
    demo_customers.plan_tags(customers, _tag_ids(), rng)
    demo_customers.plan_contacts(customers, rng, first_id=next_id(Contact), seed=seed, pools=pools)
    demo_customers.plan_search_terms(customers, first_id=next_id(CustomerSearchTerm))
    catalog, new_catalog = _catalog(rng)
    orders = plan_orders(
        sim,
        customers,
        catalog,
        rng,
        first_order_id=next_id(Order),
        first_line_id=next_id(OrderLine),
    )
    primary = _primary_contacts(customers)
    all_staff = _ids(staff, Role.SALES, Role.SERVICE, Role.MARKETING)
    sale = orders.order_columns["kind"] == Order.Kind.SALE
    by_customer = np.argsort(orders.order_columns["customer"][sale], kind="stable")
    service = plan_tickets(
        customers,
        rng,
        first_ids={
            "ticket": next_id(Ticket),
            "event": next_id(TicketEvent),
            "visit": next_id(TechnicianVisit),
        },
        service_staff=_ids(staff, Role.SERVICE),
        usernames={pk: name for users in staff.values() for pk, name in users},
        primary_contact=primary,
        order_customer=orders.order_columns["customer"][sale][by_customer],
        order_id=orders.order_columns["id"][sale][by_customer],
    )
    tables: dict[str, tuple[type[models.Model], dict]] = {}
    if new_catalog:
        tables["product_categories"] = ProductCategory, catalog.category_columns
        tables["products"] = Product, catalog.product_columns
    tables["customers"] = Customer, customers.columns
    tables["customer_tags"] = Customer.tags.through, customers.tag_columns
    tables["contacts"] = Contact, customers.contact_columns
    tables["search_terms"] = CustomerSearchTerm, customers.term_columns
    tables["orders"] = Order, orders.order_columns
    tables["order_lines"] = OrderLine, orders.line_columns
    tables["opportunities"] = (
        Opportunity,
        plan_opportunities(
            customers,
            rng,
            first_id=next_id(Opportunity),
            sales_reps=_ids(staff, Role.SALES),
            primary_contact=primary,
        ),
    )
    tables["activities"] = (
        Activity,
        plan_activities(customers, rng, first_id=next_id(Activity), staff=all_staff),
    )
    tables["tickets"] = Ticket, service.ticket_columns
    tables["ticket_events"] = TicketEvent, service.event_columns
    tables["technician_visits"] = TechnicianVisit, service.visit_columns
    tables["interactions"] = (
        Interaction,
        plan_interactions(
            customers, rng, first_id=next_id(Interaction), staff=all_staff, primary_contact=primary
        ),
    )
    return tables


def _rows(columns: dict) -> int:
    return len(next(iter(columns.values()))) if columns else 0


def load_demo(
    n_customers: int = 10_000,
    seed: int = 7,
    progress: bool = False,
    *,
    orders_per_customer: float | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """Fill an empty database with demo data and return the number of rows per table.

    Parameters
    ----------
    n_customers : int
        Customers to create; about 88% of them buy (BTYD purchases), the rest are
        prospects.
    seed : int
        The same seed gives the same data.
    progress : bool
        Show a progress bar (rich) on the terminal.
    orders_per_customer : float, optional
        Target mean number of sale orders per customer (prospects included); by
        default the purchase rates are CDNOW's (about 2.4 sales per customer).
    today : datetime.date, optional
        The day the data are dated against (history up to its start, activities and
        deals ahead of it); by default the current date in the CRM's time zone. The
        same seed and day give the same data.

    Raises
    ------
    DatabaseNotEmptyError
        When the database has customers already.
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers!r}")
    existing = Customer.objects.count()
    if existing:
        raise DatabaseNotEmptyError(
            f"the database has {existing:,} customers already; load_demo fills an empty "
            "database (point DATABASE_URL at a new one, or use `kehu generate --if-empty`)"
        )
    with _progress_bar(progress) as start:
        advance = start("planning", 1)
        staff = _staff()
        tables = _plan(n_customers, seed, orders_per_customer, staff, today)
        advance(1)
        counts = {"users": sum(len(users) for users in staff.values())}
        with BulkWriter([model for model, _columns in tables.values()]) as writer:
            for name, (model, columns) in tables.items():
                counts[name] = writer.write(model, columns, start(name, _rows(columns)))
    backfill_due_times()  # tickets written in bulk get the due times opening would give
    counts |= add_teams(today)  # two sales teams and their monthly targets
    counts |= add_invoices(today, seed)  # invoices of the sales, paid on time or not
    counts |= add_portal_access(today, seed)  # some contacts may use the customer portal
    counts |= add_events(today)  # fairs and conferences with their plans, one late item
    counts |= add_attendance(today, seed)  # their participants, booths and check-ins
    counts |= add_attendance_results(today, seed)  # surveys, costs, earlier fair editions
    counts |= add_loyalty(today, seed)  # a third of the customers are members, with points
    counts |= add_leads(today, seed)  # 1,500 leads over 18 months, some converted
    return counts
