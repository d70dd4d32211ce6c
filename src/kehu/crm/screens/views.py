"""The screens that bring several domains together: the home dashboard (pipeline,
activities, open tickets), the customer list and its export with the value and mining
scores, the customer 360 page and its printable report, and logging an interaction on
the 360 page (which redraws the timeline of interactions, orders and tickets).

They sit above the domain apps (``docs/ARCHITECTURE.md``): no domain app imports
another domain's views, so a page that shows several domains lives here. Their URLs
and URL names stay where users and templates know them (``customers:detail``,
``engagement:log``): :class:`~kehu.crm.screens.apps.ScreensConfig` adds these pages to
those apps' URL namespaces. The templates keep their names too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kehu.crm.automation.queries import unread_count
from kehu.crm.billing import queries as billing_queries
from kehu.crm.customers import queries
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import visible_customers
from kehu.crm.engagement import actions as engagement_actions
from kehu.crm.engagement.forms import InteractionForm
from kehu.crm.history import changes_of
from kehu.crm.intelligence import labels
from kehu.crm.intelligence import queries as value_queries
from kehu.crm.intelligence.customer_filters import CUSTOMER_FILTERS
from kehu.crm.intelligence.mining_labels import FLAG_KINDS
from kehu.crm.lists import (
    csv_response,
    csv_rows,
    list_context,
    list_filters,
    render_list,
    rows_only,
)
from kehu.crm.loyalty import queries as loyalty_queries
from kehu.crm.sales.models import Opportunity, Order
from kehu.crm.sales.queries import customer_activities
from kehu.crm.screens import dashboards, worklist
from kehu.crm.screens.dashboards.drawing import chart_of
from kehu.crm.screens.timeline import customer_timeline, latest_orders, latest_tickets
from kehu.crm.service.models import Ticket

# The home dashboard


#: the block that holds the worklist, the first of these the user has: a salesperson's
#: (their own customers, and nobody's for a manager), else an administrator's (nobody's)
WORKLIST_ROLES = ("sales", "admin")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of each of the user's roles, main role first; the worklist opens
    the salesperson's block, and closes the administrator's (the customers nobody owns)
    when they are no salesperson."""
    user = request.user
    roles = dashboards.user_roles(user)
    blocks = dashboards.dashboards_for(user, roles)
    worklist_role = next((role for role in WORKLIST_ROLES if role in roles), None)
    context: dict[str, object] = {
        "dashboards": [(block, [chart_of(panel) for panel in block.panels]) for block in blocks],
        "worklist_role": worklist_role,
        "n_customers": visible_customers(user).count(),
        "n_unread_notifications": unread_count(user),
    }
    if worklist_role is not None:
        context.update(worklist.worklist_context(user))
    return render(request, "accounts/home.html", context)


@login_required
@permission_required("sales.add_activity", raise_exception=True)
@require_POST
def worklist_call(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """The worklist's one click: a call with the customer tomorrow (once; a second
    click shows the call planned already). htmx gets the item redrawn as planned."""
    try:
        item = worklist.plan_call(request.user, customer_pk)
    except worklist.NotOnWorklist as gone:
        if request.htmx:
            context = {"gone": gone.customer, "gone_text": worklist.gone_text(gone.customer)}
            return render(request, "screens/partials/worklist_item.html", context)
        messages.warning(request, worklist.gone_text(gone.customer))
        return redirect("home")
    if request.htmx:
        return render(request, "screens/partials/worklist_item.html", {"item": item})
    return redirect("home")


# The customer list and its export

# How each filter of the list is read: a value outside its choices is a 400 that says
# what is allowed.
LIST_FILTERS = CUSTOMER_FILTERS


def _score(name: str) -> Callable[[Customer], object]:
    """A column of the customer's current value scores (blank when not scored)."""
    return lambda c: getattr(getattr(c, "score", None), name, None)


EXPORT_COLUMNS = [
    ("code", lambda c: c.code),
    ("name", lambda c: c.name),
    ("kind", lambda c: c.kind),
    ("status", lambda c: c.status),
    ("industry", lambda c: c.industry),
    ("email", lambda c: c.email),
    ("phone", lambda c: c.phone),
    ("country", lambda c: c.country),
    ("region", lambda c: c.region),
    ("city", lambda c: c.city),
    ("address", lambda c: c.address),
    ("source_channel", lambda c: c.source_channel),
    ("owner", lambda c: c.owner.username if c.owner else ""),
    ("consent_email", lambda c: c.consent_email),
    ("consent_sms", lambda c: c.consent_sms),
    ("consent_phone", lambda c: c.consent_phone),
    ("created_at", lambda c: c.created_at),
    *[
        (name, _score(name))
        for name in (
            "tier",
            "abc_class",
            "rfm_segment",
            "lifecycle_stage",
            "loyalty_stage",
            "p_alive",
            "expected_purchases",
            "predicted_clv",
            "value_score",
            "segment",
            "churn_risk",
            "n_flags",
        )
    ],
]


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = list_filters(request.GET, LIST_FILTERS)
    customers = queries.filtered_customers(request.user, **filters)
    run = value_queries.latest_done_run()
    context = list_context(
        request,
        customers,
        filters,
        "name",
        statuses=Customer.Status.choices,
        kinds=Customer.Kind.choices,
        tiers=labels.choices(labels.TIERS),
        segments=labels.choices(labels.SEGMENTS),
        lifecycles=labels.choices(labels.LIFECYCLE),
        loyalties=labels.choices(labels.LOYALTY),
        abc_classes=labels.ABC_CLASSES,
        has_scores=run is not None,
        p_alive_steps=["0.25", "0.5", "0.75", "0.9"],
        churn_steps=["0.25", "0.5", "0.75"],
        flag_kinds=list(FLAG_KINDS.items()),
        flag_counts=["1", "2", "3"],
        score_sort=filters.get("sort", "").removeprefix("-") in queries.SCORE_SORTS,
    )
    query = filters.get("q", "")
    context["search_capped"] = bool(query.strip()) and queries.search_is_capped(
        query, queries.SEARCH_LIMIT, queries.customer_scope(request.user)
    )
    if not rows_only(request):
        context["clusters"] = value_queries.segments_of(run)
    return render_list(
        request, "customers/list.html", "customers/partials/customer_rows.html", context
    )


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_export(request: HttpRequest) -> HttpResponse:
    customers = queries.filtered_customers(request.user, **list_filters(request.GET, LIST_FILTERS))
    return csv_response("customers", csv_rows(customers, EXPORT_COLUMNS))


# The customer 360 page, its report, and logging an interaction on it


def _profile_context(customer: Customer) -> dict[str, object]:
    orders = latest_orders(customer)
    tickets = latest_tickets(customer)
    totals = customer.orders.exclude(status=Order.Status.CANCELLED).aggregate(
        n=Count("id", filter=Q(kind=Order.Kind.SALE)),
        revenue=Sum("total_amount"),
        returns=Count("id", filter=Q(kind=Order.Kind.RETURN)),
    )
    return {
        "customer": customer,
        "contacts": customer.contacts.all(),
        "orders": orders[:10],
        "order_totals": totals,
        "opportunities": customer.opportunities.select_related("owner").order_by("-created_at")[
            :10
        ],
        "open_pipeline": customer.opportunities.filter(stage__in=Opportunity.OPEN_STAGES).aggregate(
            n=Count("id"), amount=Sum("amount")
        ),
        "tickets": tickets[:10],
        "open_tickets": customer.tickets.exclude(
            status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]
        ).count(),
        "timeline": customer_timeline(customer, orders=orders, tickets=tickets),
        "tags": customer.tags.all(),
    }


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(
        queries.visible_customers(request.user).select_related("owner"), pk=pk
    )
    context = _profile_context(customer)
    context["interaction_form"] = InteractionForm(customer=customer)
    context["history"] = changes_of(customer, limit=10)
    context["value"] = value_queries.value_profile(customer.pk)
    context.update(customer_activities(customer.pk), now=timezone.now())
    context["insight"] = value_queries.insight_card(
        context["value"].current if context["value"] else None
    )
    if request.user.has_perm("billing.view_invoice"):
        context["receivables"] = billing_queries.balance_of(customer)
        context["payment_terms_days"] = billing_queries.payment_terms_of(customer)
    if request.user.has_perm("loyalty.view_membership"):
        context["loyalty_shown"] = True
        context["member_summary"] = loyalty_queries.member_summary(customer)
    return render(request, "customers/detail.html", context)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_report(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(
        queries.visible_customers(request.user).select_related("owner"), pk=pk
    )
    return render(request, "customers/report.html", _profile_context(customer))


@login_required
@permission_required("engagement.add_interaction", raise_exception=True)
@require_POST
def log_interaction(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(visible_customers(request.user), pk=customer_pk)
    form = InteractionForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            engagement_actions.log_interaction(
                customer, by=request.user, **form.interaction_fields()
            )
        except ValidationError as e:
            for field, errs in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            form = InteractionForm(customer=customer)
    status = 422 if form.errors else 200
    context = {
        "customer": customer,
        "interaction_form": form,
        "timeline": customer_timeline(customer),
    }
    if request.htmx:
        return render(request, "engagement/partials/log_and_timeline.html", context, status=status)
    if status == 200:
        return redirect(customer)
    return render(request, "engagement/log_form_page.html", context, status=status)
