"""`kehu import --entity customers`: matched by external id or email, merged into what
exists, quarantined with a reason, searchable at once."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.db import connection

from kehu.cli import main
from kehu.crm.customers.actions import create_customer
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import search

pytestmark = pytest.mark.django_db

CSV = """客户编号,客户名称,类型,邮箱,电话,城市
K001,上海华东贸易有限公司,公司,sales@huadong.cn,+86 21 5555 0101,上海
K002,王芳,个人,wang.fang@example.cn,138 0013 8000,北京
,Northwind Traders,company,orders@northwind.example,,Seattle
K003,,company,x@example.com,,
,No Key Ltd,company,,,
K004,Bad Mail Co,company,not-an-email,,
K005,Odd Kind,partnership,odd@example.com,,
K001,上海华东贸易有限公司,公司,,021-5555-0199,
"""


def _import(path):
    return CliRunner().invoke(
        main, ["import", str(path), "--entity", "customers"], catch_exceptions=False
    )


def test_customers_are_created_merged_and_quarantined(tmp_path):
    existing = create_customer(name="Northwind", email="ORDERS@northwind.example")
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    result = _import(path)
    assert result.exit_code == 0, result.output
    # K001, K002 new; Northwind merged by email; the second K001 row merged
    assert result.output.splitlines()[-1] == "rows=8 imported=2 merged=2 quarantined=4"
    assert "quarantined 1: missing name" in result.output
    assert "no customer id and no email to match the row on" in result.output
    assert 'email "not-an-email" is not an email address' in result.output
    assert 'kind "partnership" is neither company nor person' in result.output

    huadong = Customer.objects.get(external_id="K001")
    assert huadong.kind == "company" and huadong.city == "上海"
    assert huadong.phone == "021-5555-0199"  # the later row's non-empty value
    assert Customer.objects.get(external_id="K002").kind == "person"
    existing.refresh_from_db()
    assert existing.name == "Northwind Traders" and existing.city == "Seattle"
    assert list(search(Customer.objects.all(), "上海华东")) == [huadong]

    # the change history says who wrote what: created by the import, or changed by it
    # both K001 rows are read together: the customer is written once, as the file says
    created = huadong.history.get()
    assert created.history_type == "+" and created.history_change_reason.startswith("import #")
    assert [h.history_type for h in existing.history.order_by("history_id")] == ["+", "~"]

    again = _import(path)
    assert again.output.splitlines()[-1] == "rows=8 imported=0 merged=4 quarantined=4"
    assert Customer.objects.count() == 3
    assert existing.history.count() == 2  # nothing changed, nothing recorded


def _customers_file(tmp_path, *rows):
    path = tmp_path / "more.csv"
    path.write_text("\n".join(["external_id,name,email", *rows]) + "\n", encoding="utf-8")
    return path


def test_a_new_external_id_with_the_email_of_a_customer_without_one_links_to_it(tmp_path):
    """The rule: the email is one customer's who has no external id yet: the row is that
    customer (merged, and the id is recorded for the next import), not a duplicate."""
    typed_in = create_customer(name="Huadong", email="sales@huadong.cn")
    result = _import(_customers_file(tmp_path, "K9,Huadong Trading,SALES@huadong.cn"))
    assert result.output.splitlines()[-1] == "rows=1 imported=0 merged=1 quarantined=0"
    assert "customers_linked_by_email=1" in result.output
    typed_in.refresh_from_db()
    assert (typed_in.external_id, typed_in.name) == ("K9", "Huadong Trading")
    assert Customer.objects.count() == 1
    again = _import(_customers_file(tmp_path, "K9,Huadong Trading,sales@huadong.cn"))
    assert again.output.splitlines()[-1] == "rows=1 imported=0 merged=1 quarantined=0"


def test_a_new_external_id_with_the_email_of_another_id_is_reported_not_silent(
    tmp_path, analyst_user, client_for
):
    """Another external id with that email is another record in the source system (a
    shared info@ address): imported, and listed in the reconciliation to review."""
    first = _import(_customers_file(tmp_path, "K1,Branch North,info@chain.example"))
    assert "imported=1" in first.output
    result = _import(
        _customers_file(
            tmp_path, "K2,Branch South,info@chain.example", "K3,Branch East,info@chain.example"
        )
    )
    assert result.output.splitlines()[-1] == "rows=2 imported=2 merged=0 quarantined=0"
    code = Customer.objects.get(external_id="K1").code
    assert (
        f"row 1 (external id K2) shares its email info@chain.example with {code}: imported as "
        "a new customer" in result.output
    )
    assert "row 2 (external id K3) shares its email info@chain.example with" in result.output
    assert "customers_sharing_email=2" in result.output
    from django.urls import reverse

    from kehu.crm.integration.models import ImportJob

    job = ImportJob.objects.order_by("-pk").first()
    page = client_for(analyst_user).get(reverse("integration:job", args=[job.pk])).content.decode()
    assert "New customers whose email another customer has" in page
    assert code in page and "New customers sharing an email with another" in page
    assert "customers_sharing_email" not in page  # a label, not the raw key


def test_two_new_ids_sharing_an_email_in_one_file_are_reported(tmp_path):
    result = _import(
        _customers_file(tmp_path, "K1,Twin A,twins@example.com", "K2,Twin B,twins@example.com")
    )
    assert result.output.splitlines()[-1] == "rows=2 imported=2 merged=0 quarantined=0"
    assert "row 2 (external id K2) shares its email twins@example.com with row 1" in result.output


@pytest.mark.sqlite
def test_on_sqlite_an_import_leaves_statistics_for_the_customers(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    assert _import(path).exit_code == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            " AND (SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer') > 0"
        )
        (analysed,) = cursor.fetchone()
    assert analysed == 1
