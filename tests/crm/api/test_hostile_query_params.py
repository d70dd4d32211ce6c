"""Every query parameter of every list view, export, form preset and API endpoint,
sent hostile values: the answer is a 4xx with a message (JSON under /api/), or the page
ignoring a value it does not need, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HOSTILE = ["²", "١٢", str(2**63), str(2**70), "-1", "0", "abc", "x" * 5000, "2025-02-30", "\x00"]

PAGES = {
    "/customers/": "q status kind country owner tag tier segment lifecycle min_p_alive sort page",
    "/customers/export.csv": "q status kind country owner tag tier segment lifecycle sort",
    "/sales/orders/": "q status kind channel customer mine date_from date_to sort page",
    "/sales/orders/export.csv": "q status kind channel customer mine date_from date_to sort",
    "/sales/orders/new/": "customer kind original",
    "/sales/opportunities/": "q stage state mine customer close_from close_to sort page",
    "/sales/opportunities/export.csv": "q stage state mine customer close_from close_to sort",
    "/sales/opportunities/board/": "q mine customer",
    "/sales/opportunities/new/": "customer",
    "/sales/activities/": "who state overdue kind customer opportunity sort page",
    "/sales/activities/export.csv": "who state overdue kind customer opportunity sort",
    "/sales/activities/new/": "customer opportunity next",
    "/service/tickets/": "q type status priority channel assignee open sort page",
    "/service/tickets/export.csv": "q type status priority channel assignee open sort",
    "/service/tickets/new/": "customer",
    "/engagement/": "channel direction page",
    "/engagement/export.csv": "channel direction",
    "/catalog/products/": "q category active sort page",
    "/catalog/products/export.csv": "q category active sort",
    "/intelligence/segments/": "page",
    "/imports/duplicates/": "page",
    "/imports/merges/": "page",
}
API = {
    "/api/customers": "q status kind country owner tag sort limit offset",
    "/api/products": "q category_id is_active limit offset",
    "/api/orders": "customer_id status kind channel since until limit offset",
    "/api/opportunities": "customer_id stage open owner limit offset",
    "/api/activities": "customer_id opportunity_id kind done mine limit offset",
    "/api/tickets": "customer_id status priority type open assignee limit offset",
    "/api/interactions": "customer_id channel direction since until limit offset",
    "/api/product-categories": "limit offset",
}
PATHS = [
    "/customers/{id}/",
    "/customers/{id}/report/",
    "/sales/orders/{id}/",
    "/sales/opportunities/{id}/",
    "/service/tickets/{id}/",
    "/catalog/products/{id}/edit/",
    "/intelligence/segments/{id}/",
    "/api/customers/{id}",
    "/api/orders/{id}",
    "/api/tickets/{id}",
    "/api/products/{id}",
]


def _pairs(table: dict[str, str]) -> list[tuple[str, str]]:
    return [(url, name) for url, names in table.items() for name in names.split()]


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client


def _check(response, api: bool) -> None:
    assert response.status_code < 500, response.content[:300]
    if api or response.status_code == 400:
        assert response.status_code != 400 or response.content, "a 400 says what is wrong"
    if api and response.status_code >= 400:
        body = json.loads(response.content)
        assert body["detail"] and isinstance(body["errors"], list)


@pytest.mark.parametrize(("url", "name"), _pairs(PAGES))
def test_page_parameter_never_gives_a_500(admin_client, make_customer, url, name):
    make_customer("Acme Ltd")
    for value in HOSTILE:
        _check(admin_client.get(url, {name: value}), api=False)


@pytest.mark.parametrize(("url", "name"), _pairs(API))
def test_api_parameter_never_gives_a_500(admin_client, make_customer, url, name):
    make_customer("Acme Ltd")
    for value in HOSTILE:
        _check(admin_client.get(url, {name: value}), api=True)


@pytest.mark.parametrize("path", PATHS)
def test_path_id_beyond_a_database_integer_is_a_404(admin_client, path):
    for value in (2**63, 2**70):
        response = admin_client.get(path.format(id=value))
        assert response.status_code in (404, 422), (path, response.status_code)


def test_a_bad_filter_is_a_400_page_that_names_it_and_what_is_allowed(admin_client):
    response = admin_client.get("/customers/", {"owner": "²"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "owner" in page and "²" in page and "record id" in page
    assert response["Content-Type"].startswith("text/html")
    orders = admin_client.get("/sales/orders/", {"date_from": "2025-02-30"})
    assert orders.status_code == 400 and "YYYY-MM-DD" in orders.content.decode()


def test_the_400_page_speaks_the_users_language(make_user):
    client = Client()
    client.force_login(make_user("admin", language="zh-hans"))
    response = client.get("/customers/", {"status": "nonsense"})
    assert response.status_code == 400
    assert "以下之一" in response.content.decode()


def test_a_bad_api_filter_is_a_json_4xx_naming_the_field(admin_client):
    response = admin_client.get("/api/customers", {"status": "nonsense"})
    assert response.status_code == 422
    assert json.loads(response.content)["errors"][0]["field"] == "status"


@pytest.mark.parametrize(
    ("url", "name", "value"),
    [
        ("/sales/orders/", "status", "bogus"),
        ("/sales/orders/export.csv", "channel", "pigeon"),
        ("/sales/opportunities/", "stage", "dreaming"),
        ("/sales/activities/", "who", "bob"),
        ("/service/tickets/", "priority", "whenever"),
        ("/catalog/products/", "active", "maybe"),
        ("/engagement/", "channel", "pigeon"),
        ("/engagement/export.csv", "direction", "sideways"),
        ("/sales/orders/", "sort", "bogus"),
        ("/sales/opportunities/export.csv", "sort", "-nothing"),
        ("/sales/activities/", "sort", "due_at"),
        ("/service/tickets/", "sort", "zzz"),
        ("/catalog/products/export.csv", "sort", "price; drop"),
    ],
)
def test_a_value_outside_a_filters_choices_is_a_400(admin_client, url, name, value):
    response = admin_client.get(url, {name: value})
    assert response.status_code == 400
    assert name in response.content.decode()


@pytest.mark.parametrize(
    ("url", "sort"),
    [
        ("/sales/orders/", "-date"),
        ("/sales/opportunities/", "amount"),
        ("/sales/activities/", "-due"),
        ("/service/tickets/", "-opened"),
        ("/catalog/products/", "name"),
    ],
)
def test_every_sort_a_list_offers_is_accepted(admin_client, url, sort):
    assert admin_client.get(url, {"sort": sort}).status_code == 200
