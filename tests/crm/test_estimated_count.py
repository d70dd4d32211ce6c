"""A list too long to count at every page: the pager shows PostgreSQL's estimate above
KEHU_ESTIMATE_COUNT_ABOVE rows, and counts exactly below it and on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from kehu.crm.customers.models import Customer
from kehu.crm.estimated_count import EstimatingPaginator, estimated_page, planner_rows


@pytest.fixture
def thirty_customers(make_customer):
    for i in range(30):
        make_customer(f"Customer {i:02d} Ltd")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")


def test_a_short_list_is_counted_exactly(thirty_customers, settings):
    settings.KEHU_ESTIMATE_COUNT_ABOVE = 1_000
    paginator = EstimatingPaginator(Customer.objects.order_by("name"), 25)
    assert paginator.count == 30
    assert not paginator.estimated


def test_only_postgresql_estimates(thirty_customers, settings):
    settings.KEHU_ESTIMATE_COUNT_ABOVE = 1
    paginator = EstimatingPaginator(Customer.objects.order_by("name"), 25)
    assert paginator.count == 30  # SQLite's count, or PostgreSQL's estimate just analysed
    assert paginator.estimated == (connection.vendor == "postgresql")


@pytest.mark.postgres
def test_a_long_list_on_postgresql_shows_the_estimate(
    thirty_customers, settings, admin_user, client_for
):
    settings.KEHU_ESTIMATE_COUNT_ABOVE = 10
    assert planner_rows(Customer.objects.all()) == 30  # just analysed
    page = client_for(admin_user).get(reverse("customers:list"))
    assert page.context["page"].paginator.estimated
    assert "Page 1 of about 2 · about 30 rows" in page.content.decode()
    settings.KEHU_ESTIMATE_COUNT_ABOVE = 0  # never estimate
    exact = client_for(admin_user).get(reverse("customers:list"))
    assert "Page 1 of 2 · 30 rows" in exact.content.decode()


@pytest.mark.postgres
def test_past_the_real_end_of_an_estimate_the_page_is_counted(thirty_customers, settings):
    settings.KEHU_ESTIMATE_COUNT_ABOVE = 10
    Customer.objects.filter(name__gte="Customer 10").delete()  # the estimate still says 30
    page = estimated_page(Customer.objects.order_by("name"), 5, 6)
    assert not page.paginator.estimated
    assert (page.number, page.paginator.count) == (2, 10)
