"""A user filters the customer list (records with ids above 1,000), exports it, and gets
exactly the rows the list shows; the address bar holds the current filter after every
change, so a reload or a shared link shows the same list."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from kehu.crm.accounts.actions import create_user
from kehu.crm.customers.actions import create_customer

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-secret"


def _ids_from(first: int) -> None:
    """Let the next customers take ids from ``first`` on (ids above 1,000 must read
    without grouping in every link): a placeholder row moves the id sequence along."""
    from django.core.management.color import no_style
    from django.db import connection

    from kehu.crm.customers.models import Customer

    Customer.objects.create(id=first - 1, code="PLACEHOLDER", name="-")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Customer]):
            cursor.execute(sql)
    Customer.objects.filter(id=first - 1).delete()


def _shown_codes(page) -> list[str]:
    return page.locator("#customer-rows tbody tr td:first-child").all_inner_texts()


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _wait_for_rows(page, expected_first: str) -> None:
    page.wait_for_function(
        "code => document.querySelector('#customer-rows tbody tr td')?.innerText === code",
        arg=expected_first,
    )


def test_filtered_customer_export_has_exactly_the_listed_rows(page):
    create_user("boss", role="admin", password=PASSWORD)
    _ids_from(1001)
    for i in range(40):
        create_customer(
            name=f"Export {i:02d}",
            status="active" if i % 2 else "prospect",
            kind="person" if i % 4 == 1 else "company",
        )
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/customers/")

    # first an export with no filter has everything: the link's initial query
    page.select_option("select[name=status]", "active")
    _wait_for_rows(page, "C0000002")
    assert _query(page)["status"] == ["active"]
    page.select_option("select[name=kind]", "company")
    _wait_for_rows(page, "C0000004")
    assert _query(page)["status"] == ["active"] and _query(page)["kind"] == ["company"]
    page.fill("input[name=q]", "export 1")
    _wait_for_rows(page, "C0000012")
    assert _query(page)["q"] == ["export 1"]  # the address bar is the current filter

    shown = _shown_codes(page)
    assert shown == ["C0000012", "C0000016", "C0000020"]
    with page.expect_download() as download:
        page.click("a:has-text('Export CSV')")
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    exported = [row["code"] for row in csv.DictReader(io.StringIO(body))]
    assert exported == shown

    # a reload of the address shows the same list
    page.reload()
    assert _shown_codes(page) == shown


def test_paging_keeps_the_address_bar_and_the_export_in_step(page):
    create_user("boss", role="admin", password=PASSWORD)
    _ids_from(2001)
    for i in range(30):
        create_customer(name=f"Paged {i:02d}", status="active")
    page.goto("/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/customers/?status=active")
    page.click(".pager a:has-text('Next')")
    _wait_for_rows(page, "C0000026")
    assert _query(page)["page"] == ["2"] and _query(page)["status"] == ["active"]
    href = page.get_attribute("a:has-text('Export CSV')", "href")
    assert "status=active" in href and "page=" not in href
