"""The Online Retail file (541,909 lines) imports end to end with its quirks reported,
and imports again without a change."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.customers.models import Customer
from kehu.crm.sales.models import Order, OrderLine

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_online_retail_reconciles_and_reimports_unchanged(kehu_data):
    path = str(kehu_data / "online_retail" / "online_retail.csv.gz")
    first = CliRunner().invoke(main, ["import", path, "--entity", "orders"])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[-1] == "rows=541909 imported=401603 merged=5226 quarantined=135080"
    assert "quarantined 135,080: missing customer id" in first.output
    details = next(line for line in lines if line.startswith("details: ")).split()[1:]
    assert {
        "return_lines=8,905",
        "duplicate_lines=5,226",
        "customers_created=4,372",
        "products_created=3,684",
        "orders_created=22,190",
    } <= set(details)
    assert Order.objects.filter(kind=Order.Kind.RETURN).count() == 3_654
    assert (Customer.objects.count(), OrderLine.objects.count()) == (4_372, 401_603)

    again = CliRunner().invoke(main, ["import", path, "--entity", "orders"])
    assert again.output.splitlines()[-1] == (
        "rows=541909 imported=0 merged=406829 quarantined=135080"
    )
    assert OrderLine.objects.count() == 401_603
