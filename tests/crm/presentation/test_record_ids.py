"""Record ids are never localised: with USE_THOUSAND_SEPARATOR an id of 12,345 rendered
with ``{{ obj.pk }}`` becomes ``12,345`` in English, which breaks every URL, query string,
element id and htmx selector built from it (``?customer=12,345`` preselects nothing,
``#activity-12,345`` targets nothing)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.ids import start_ids_at

import kehu.crm

FIRST_ID = 12_345
# an attribute that carries a machine value: a link, a target, a form value, a selector
MACHINE_ATTRIBUTE = re.compile(
    r"""\s(href|src|action|id|for|name|value|hx-[a-z-]+|data-[a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
GROUPED_NUMBER = re.compile(r"\d,\d{3}")


@pytest.fixture
def high_ids(db: None) -> int:
    """Every table's next automatic id is FIRST_ID (tests.ids.start_ids_at)."""
    start_ids_at(FIRST_ID)
    return FIRST_ID


def grouped_machine_values(html: str) -> list[str]:
    """``name="value"`` pairs of machine attributes whose value holds a grouped number."""
    found = []
    for match in MACHINE_ATTRIBUTE.finditer(html):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if GROUPED_NUMBER.search(value):
            found.append(f'{match.group(1)}="{value}"')
    return found


@pytest.fixture
def records(high_ids: int, admin_user: object, make_customer: Callable[..., object]) -> dict:
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.catalog.models import ProductCategory
    from kehu.crm.engagement.actions import log_interaction
    from kehu.crm.sales.actions import create_activity, create_opportunity, create_order
    from kehu.crm.service.actions import open_ticket

    customer = make_customer("Ids Above Ten Thousand Ltd")
    # categories have no action (the admin and imports make them): a plain row
    category = ProductCategory.objects.create(name="Tea")
    product = create_product(
        sku="TEA-1", name="Green tea", unit_price=Decimal(12), category=category
    )
    order = create_order(customer, [{"product": product, "quantity": Decimal(2)}], by=admin_user)
    opportunity = create_opportunity(customer, name="Spring deal", by=admin_user)
    activity = create_activity(
        owner=admin_user,
        subject="Call back",
        customer=customer,
        opportunity=opportunity,
        due_at=timezone.now() + timedelta(days=1),
    )
    ticket = open_ticket(customer, subject="Broken lid", by=admin_user)
    log_interaction(customer, channel="phone", subject="First call", by=admin_user)
    return {
        "customer": customer,
        "product": product,
        "order": order,
        "opportunity": opportunity,
        "activity": activity,
        "ticket": ticket,
    }


def test_records_made_here_have_ids_above_ten_thousand(records: dict) -> None:
    assert all(obj.pk >= FIRST_ID for obj in records.values())


def test_no_page_puts_a_grouped_id_in_a_link_attribute_or_selector(
    records: dict, admin_user: object, client_for: Callable[[object], object]
) -> None:
    client = client_for(admin_user)
    c = records["customer"].pk
    pages = [
        records["customer"].get_absolute_url(),
        records["order"].get_absolute_url(),
        records["opportunity"].get_absolute_url(),
        records["ticket"].get_absolute_url(),
        reverse("customers:history", args=[c]),
        reverse("customers:list"),
        reverse("sales:order_list"),
        f"{reverse('sales:order_list')}?customer={c}",
        f"{reverse('sales:order_create')}?customer={c}",
        reverse("sales:opportunity_list"),
        f"{reverse('sales:opportunity_list')}?customer={c}",
        reverse("sales:opportunity_board"),
        f"{reverse('sales:activity_list')}?who=all",
        f"{reverse('sales:activity_create')}?opportunity={records['opportunity'].pk}",
        reverse("service:ticket_list"),
        reverse("catalog:product_list"),
        reverse("catalog:product_edit", args=[records["product"].pk]),
        reverse("engagement:interaction_list"),
    ]
    offenders = {}
    for url in pages:
        response = client.get(url)  # type: ignore[attr-defined]
        assert response.status_code == 200, url
        if found := grouped_machine_values(response.content.decode()):
            offenders[url] = found
    assert offenders == {}


def test_the_new_order_link_on_the_360_page_preselects_the_customer(
    records: dict, admin_user: object, client_for: Callable[[object], object]
) -> None:
    customer = records["customer"]
    html = client_for(admin_user).get(customer.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    assert f"?customer={customer.pk}" in html
    assert f"?customer={customer.pk:,}" not in html


# -- a static guard over the templates ----------------------------------------------------

TEMPLATE_ROOT = Path(kehu.crm.__file__).parent
# {{ x.pk }}, {{ x.id }}, {{ x.customer_id }}, {{ page.next_page_number }}, and the same
# inside {% blocktranslate with id=x.pk %}
ID_EXPRESSION = re.compile(
    r"(?:\{\{\s*|\bwith\s+(?:\w+=\S+\s+)*\w+=)"
    r"(?P<expr>[\w.]*(?:\.pk|\.id|_id|page_number)(?!\w)(?:\|[\w:\"']+)*)"
)
SAFE_FILTERS = ("|unlocalize", "|stringformat", "|urlencode")
TEXT_IDS = ("external_id",)  # ids that are text, never numbers


def id_expressions_left_localised(text: str) -> list[str]:
    return [
        m.group("expr")
        for m in ID_EXPRESSION.finditer(text)
        if not any(f in m.group("expr") for f in SAFE_FILTERS)
        and not m.group("expr").split("|")[0].endswith(TEXT_IDS)
    ]


def test_the_guard_catches_a_localised_id_and_accepts_unlocalize() -> None:
    assert id_expressions_left_localised('<a href="?customer={{ customer.pk }}">') == [
        "customer.pk"
    ]
    assert id_expressions_left_localised("{% blocktranslate with id=run.pk %}#{{ id }}") == [
        "run.pk"
    ]
    assert id_expressions_left_localised("?page={{ page.next_page_number }}") == [
        "page.next_page_number"
    ]
    assert id_expressions_left_localised('<a href="?c={{ customer.pk|unlocalize }}">') == []
    assert id_expressions_left_localised("{% url 'x' customer.pk %} {{ customer.name }}") == []
    # a form field's HTML id is no record id
    assert id_expressions_left_localised('<label for="{{ form.code.id_for_label }}">') == []


def test_no_template_renders_a_record_id_with_localisation() -> None:
    offenders = {
        str(path.relative_to(TEMPLATE_ROOT)): found
        for path in sorted(TEMPLATE_ROOT.rglob("*.html"))
        if (found := id_expressions_left_localised(path.read_text()))
    }
    assert offenders == {}, "use |unlocalize (or {% url %}) for record ids"
