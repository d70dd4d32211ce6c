"""Counts agree with their nouns ("1 order", "2 orders"): every count shown in a
sentence goes through ngettext / {% blocktranslate count %}."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

import kehu.crm

TEMPLATE_ROOT = Path(kehu.crm.__file__).parent
NOUNS = (
    "orders|returns|customers|rows|days|segments|opportunities|batches|matches|products|"
    "tickets|activities|flags|members|contacts|interactions|pairs|merges|runs|tasks|owners"
)
BLOCK = re.compile(
    r"\{% blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{% endblocktranslate %\}", re.S
)
COUNTED = re.compile(r"\{\{ *\w+ *\}\} (?:" + NOUNS + r")\b")


def counts_without_plural(text: str) -> list[str]:
    return [
        m.group("body")
        for m in BLOCK.finditer(text)
        if " count " not in f" {m.group('args')} " and COUNTED.search(m.group("body"))
    ]


def test_the_guard_sees_a_count_without_a_plural_form() -> None:
    bad = "{% blocktranslate with n=x %}{{ n }} orders{% endblocktranslate %}"
    good = (
        "{% blocktranslate count n=x %}{{ n }} order{% plural %}{{ n }} orders"
        "{% endblocktranslate %}"
    )
    assert counts_without_plural(bad) == ["{{ n }} orders"]
    assert counts_without_plural(good) == []


def test_every_counted_noun_in_a_template_has_a_plural_form() -> None:
    offenders = {
        str(path.relative_to(TEMPLATE_ROOT)): found
        for path in sorted(TEMPLATE_ROOT.rglob("*.html"))
        if (found := counts_without_plural(path.read_text()))
    }
    assert offenders == {}


@pytest.mark.django_db
def test_one_order_is_one_order_on_the_360_page_and_the_order_list(
    make_customer: Callable[..., object],
    admin_user: object,
    client_for: Callable[[object], object],
) -> None:
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.sales.actions import create_order

    customer = make_customer("Single Order Ltd")
    product = create_product(sku="ONE-1", name="Teapot", unit_price=Decimal(30))
    create_order(customer, [{"product": product, "quantity": Decimal(1)}], by=admin_user)
    client = client_for(admin_user)

    page = client.get(customer.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    assert "1 order, 0 returns" in page
    orders = client.get("/sales/orders/").content.decode()  # type: ignore[attr-defined]
    assert "1 order · net" in orders and "1 orders" not in orders
    assert "Page 1 of 1 · 1 row" in orders and "1 rows" not in orders


def test_one_complaint_is_one_complaint_in_a_deviation_flag() -> None:
    import json

    from django.utils import translation

    from kehu.crm.intelligence.mining_labels import flag_text

    flag = {"kind": "complaint_burst", "values": json.dumps({"recent": 1, "expected": 0.2})}
    with translation.override("en"):
        assert flag_text(flag).startswith("1 complaint in the last 90 days")


def test_a_skipped_churn_step_counts_one_customer() -> None:
    from django.utils import translation

    from kehu.crm.intelligence.mining_labels import skip_text

    summary = {
        "skip_code": "churn_few_customers",
        "skip_params": {"n": 1, "cutoff": "2026-03-31", "minimum": 30},
    }
    with translation.override("en"):
        assert skip_text(summary).startswith(
            "Not enough history to learn churn: 1 customer had ordered before 2026-03-31,"
        )
