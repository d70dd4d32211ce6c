"""load_demo fills an empty database with consistent, searchable demo data.

The data are loaded once for the module inside a transaction that is rolled back at the
end, so other tests still start from an empty database."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import override_settings

from kehu.crm.catalog.models import Product
from kehu.crm.customers.models import Contact, Customer, CustomerSearchTerm
from kehu.crm.customers.queries import search
from kehu.crm.customers.search import terms_for
from kehu.crm.demo.load import DatabaseNotEmptyError, load_demo
from kehu.crm.engagement.models import Interaction, InteractionChannel
from kehu.crm.sales.models import Opportunity, Order, OrderLine
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent

N_CUSTOMERS = 400
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker) -> Iterator[dict[str, int]]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        counts = load_demo(N_CUSTOMERS, seed=3)
        yield counts
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_counts_match_the_tables(demo: dict[str, int]) -> None:
    assert demo["customers"] == Customer.objects.count() == N_CUSTOMERS
    assert demo["orders"] == Order.objects.count()
    assert demo["order_lines"] == OrderLine.objects.count()
    assert demo["contacts"] == Contact.objects.count()
    assert demo["search_terms"] == CustomerSearchTerm.objects.count()
    assert demo["tickets"] == Ticket.objects.count()
    assert demo["ticket_events"] == TicketEvent.objects.count()
    # the conversations at the fair's booths are interactions too (channel exhibition)
    assert demo["interactions"] + demo["booth_conversations"] == Interaction.objects.count()
    assert demo["products"] == Product.objects.count() == 200
    assert demo["users"] == 10
    assert demo["orders"] > 2 * N_CUSTOMERS


def test_every_order_total_is_the_sum_of_its_lines(demo: dict[str, int]) -> None:
    orders = Order.objects.annotate(lines_sum=Sum("lines__line_total"), n_lines=Count("lines"))
    for order in orders:
        assert order.n_lines >= 1
        assert order.total_amount == order.sign * order.lines_sum, order.number


def test_every_line_total_follows_quantity_price_and_discount(demo: dict[str, int]) -> None:
    for line in OrderLine.objects.all():
        assert line.line_total == line.compute_total()


def test_returns_refer_to_an_earlier_sale_of_the_same_customer(demo: dict[str, int]) -> None:
    returns = Order.objects.filter(kind=Order.Kind.RETURN).select_related("original_order")
    assert returns.exists()
    for order in returns:
        original = order.original_order
        assert original.kind == Order.Kind.SALE
        assert original.customer_id == order.customer_id
        assert original.ordered_at <= order.ordered_at
        assert order.total_amount < 0
    assert Order.objects.filter(status=Order.Status.CANCELLED).exists()


def test_order_numbers_follow_the_ids(demo: dict[str, int]) -> None:
    for order in Order.objects.all()[:50]:
        assert order.number == f"SO{order.pk:08d}"


def test_customer_status_agrees_with_orders(demo: dict[str, int]) -> None:
    with_sales = Q(orders__kind=Order.Kind.SALE)
    buyers = Customer.objects.filter(with_sales).distinct()
    assert not buyers.filter(status=Customer.Status.PROSPECT).exists()
    assert not Customer.objects.filter(status=Customer.Status.ACTIVE).exclude(with_sales).exists()
    assert Customer.objects.filter(status=Customer.Status.PROSPECT).exists()
    assert set(Customer.objects.values_list("kind", flat=True)) == {"company", "person"}


def test_customer_codes_are_unified(demo: dict[str, int]) -> None:
    codes = list(Customer.objects.order_by("id").values_list("code", flat=True))
    assert codes[:3] == ["C0000001", "C0000002", "C0000003"]


def test_every_customer_can_be_found_by_name_code_and_email(demo: dict[str, int]) -> None:
    everyone = Customer.objects.all()
    for customer in everyone:
        for query in (customer.name, customer.code, customer.email):
            assert search(everyone, query).filter(pk=customer.pk).exists(), query
        expected = terms_for(customer.name, customer.code, customer.email, customer.phone)
        assert set(customer.search_terms.values_list("term", flat=True)) == expected


def test_tickets_cover_every_type_with_logs_visits_and_scores(demo: dict[str, int]) -> None:
    assert set(Ticket.objects.values_list("type", flat=True)) == set(Ticket.Type.values)
    assert not Ticket.objects.annotate(n=Count("events")).filter(n=0).exists()
    created = TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED)
    assert created.count() == Ticket.objects.count()
    assert TechnicianVisit.objects.exists()
    assert Ticket.objects.filter(satisfaction_score__isnull=False).exists()
    closed = Ticket.objects.filter(status=Ticket.Status.CLOSED)
    assert not closed.filter(Q(closed_at__isnull=True) | Q(closed_at__lt=F("opened_at"))).exists()


def test_interactions_use_every_channel(demo: dict[str, int]) -> None:
    channels = set(Interaction.objects.values_list("channel", flat=True))
    assert channels == set(InteractionChannel.values)


def test_opportunities_span_the_pipeline(demo: dict[str, int]) -> None:
    assert set(Opportunity.objects.values_list("stage", flat=True)) == set(Opportunity.Stage.values)
    assert not Opportunity.objects.filter(stage=Opportunity.Stage.WON, closed_at=None).exists()


def test_generated_rows_have_no_history(demo: dict[str, int]) -> None:
    assert Customer.history.count() == 0
    assert Ticket.history.count() == 0


def test_sales_count_positive_and_returns_negative(demo: dict[str, int]) -> None:
    assert not Order.objects.filter(kind=Order.Kind.SALE, total_amount__lte=0).exists()
    assert not Order.objects.filter(kind=Order.Kind.RETURN, total_amount__gte=0).exists()
    assert Order.objects.aggregate(s=Sum("total_amount"))["s"] > Decimal("0")


def test_refuses_to_load_into_a_database_with_customers(demo: dict[str, int]) -> None:
    with pytest.raises(DatabaseNotEmptyError, match=f"has {N_CUSTOMERS} customers already"):
        load_demo(10)


def test_new_customers_get_the_next_code_after_the_demo(demo: dict[str, int]) -> None:
    from kehu.crm.customers.actions import create_customer

    customer = create_customer(name="After Demo Ltd")
    assert customer.code == f"C{N_CUSTOMERS + 1:07d}"
    assert customer.pk == N_CUSTOMERS + 1
