"""An analyst brings the old service desk's tickets in through the browser: upload, see
how the rows read, fix the mapping, run, read the reconciliation, download the rows
that were set aside."""

from __future__ import annotations

import pytest

from kehu.cli.imports import run_web_import
from kehu.crm.accounts.actions import create_user
from kehu.crm.customers.actions import create_customer
from kehu.crm.integration import actions
from kehu.crm.service.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

TICKETS = (
    "Ticket ID,Customer,Subject,Created At,Priority\n"
    "OLD-1,K001,Parcel arrived damaged,2024-03-01 09:00,P1\n"
    "OLD-2,K001,Invoice question,2024-03-02 10:00,P3\n"
    "OLD-3,K404,Lost customer,2024-03-03 10:00,P2\n"
)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def runs_in_the_server(monkeypatch):
    """The import runs inside the live server instead of a detached `kehu import --job`
    process, which could not see the test's in-memory database; the code is the same."""
    monkeypatch.setattr(actions, "launch_detached", lambda job: run_web_import(job.pk))


def test_upload_map_check_run_and_download_the_quarantine(page, runs_in_the_server):
    create_user("ana", role="analyst", password="a-long-enough-secret")
    create_customer(name="Shanghai Lantern Trading", external_id="K001")
    page.goto("/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "a-long-enough-secret")
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto("/imports/")
    page.set_input_files(
        "#id_file",
        {"name": "old-desk.csv", "mimeType": "text/csv", "buffer": TICKETS.encode()},
    )
    page.select_option("#id_entity", "tickets")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#mapping-form")

    # suggested from the headers; the priorities (P1..P3) are not kehu's words
    assert page.input_value("#id_map_external_id") == "Ticket ID"
    assert page.input_value("#id_map_opened_at") == "Created At"
    check = page.locator("#check")
    assert "3 rows; 3 would be quarantined." in check.inner_text()
    assert 'Priority: "P1" is not one of' in check.inner_text()
    assert 'no customer "K404" in the CRM' in check.inner_text()

    page.select_option("#id_map_priority", "")
    page.click("button[value=check]")
    page.wait_for_selector("#check:has-text('3 rows; 1 would be quarantined.')")

    page.click("#run-import")
    page.wait_for_selector("#reconciliation")
    assert "3 rows in = 2 imported + 0 merged + 1 quarantined" in page.inner_text("#reconciliation")
    assert "Done" in page.inner_text("#job-progress")
    with page.expect_download() as download:
        page.click("#quarantine a")
    lines = download.value.path().read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,reason,Ticket ID,Customer,Subject,Created At,Priority"
    assert lines[1].startswith('3,"Customer: no customer ""K404"" in the CRM')

    assert sorted(Ticket.objects.values_list("subject", "priority")) == [
        ("Invoice question", "normal"),
        ("Parcel arrived damaged", "normal"),
    ]
