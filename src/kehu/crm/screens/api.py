"""REST endpoints that read several domains: a customer's timeline of interactions,
orders and tickets (the API twin of the 360 page's timeline)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kehu.crm.customers.api import visible_customer
from kehu.crm.rest import ERRORS, DbId, Pagination, require_perm
from kehu.crm.screens.schemas import TimelinePage
from kehu.crm.screens.timeline import customer_timeline

router = Router(tags=["customers"])


# the operation id it had under customers: generated clients keep their method name
@router.get(
    "/customers/{customer_id}/timeline",
    response={200: TimelinePage, **ERRORS},
    operation_id="kehu_crm_customers_api_timeline",
)
def timeline(
    request: HttpRequest, customer_id: DbId, page: Query[Pagination.Input]
) -> dict[str, Any]:
    """Interactions, orders and tickets of a customer, newest first."""
    require_perm(request, "customers.view_customer")
    customer = visible_customer(request, customer_id, full=False)
    entries = customer_timeline(customer, limit=page.offset + page.limit)
    count = customer.interactions.count() + customer.orders.count() + customer.tickets.count()
    return {"items": entries[page.offset :], "count": count}
