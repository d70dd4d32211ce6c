"""The import wizard in the web UI: upload, map with a preview of how rows read, run,
watch the progress and read the reconciliation; only administrators and analysts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kehu.cli import _run_web_import
from kehu.crm.integration import actions
from kehu.crm.integration.models import ImportJob, MappingProfile
from kehu.crm.sales.models import Order

pytestmark = pytest.mark.django_db

CSV = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
    "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,,United Kingdom\n"
    "536367,22634,HAND WARMER,2,2010-12-01 08:28:00,abc,13047,United Kingdom\n"
)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def in_process(monkeypatch):
    """The detached `kehu import --job ID` runs here instead: the test database lives in
    this process's memory, where a second process cannot see it. The code is the same
    (`kehu.cli._run_web_import`); only the process boundary is skipped."""
    started = []

    def run_here(job):
        started.append(job.pk)
        _run_web_import(job.pk)

    monkeypatch.setattr(actions, "launch_detached", run_here)
    return started


def _upload(client, content=CSV, name="orders.csv", entity="orders"):
    file = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post(reverse("integration:upload"), {"file": file, "entity": entity})


def test_upload_map_preview_run_and_result(analyst_user, client_for, in_process):
    client = client_for(analyst_user)
    page = client.get(reverse("integration:list"))
    assert page.status_code == 200 and b"New import" in page.content
    response = _upload(client)
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="InvoiceNo" selected>' in html  # suggested from the header
    assert "3 rows; 2 would be quarantined." in html
    assert "missing customer id" in html and "unit price &quot;abc&quot; is not a number" in html

    fields = {
        f"map_{k}": v
        for k, v in {
            "order_number": "InvoiceNo",
            "ordered_at": "InvoiceDate",
            "customer_id": "CustomerID",
            "sku": "StockCode",
            "description": "Description",
            "quantity": "Quantity",
            "unit_price": "UnitPrice",
            "country": "Country",
        }.items()
    }
    response = client.post(mapping_url, {**fields, "action": "run", "save_as": "shop"})
    assert response.status_code == 302 and in_process
    job = ImportJob.objects.get(pk=in_process[0])
    assert response["Location"] == reverse("integration:job", args=[job.pk])
    assert (job.status, job.rows_in, job.imported, job.merged, job.quarantined) == (
        "done",
        3,
        1,
        0,
        2,
    )
    assert Order.objects.filter(number="536365").exists()
    assert list(actions.uploads_dir().iterdir()) == []  # the finished import's file is gone
    assert MappingProfile.objects.get(name="shop").entity == "orders"

    result = client.get(response["Location"]).content.decode()
    assert "3 rows in = 1 imported + 0 merged + 2 quarantined" in result
    assert "1 of 1 batches landed." in result
    csv = b"".join(client.get(reverse("integration:quarantine", args=[job.pk]))).decode()
    assert csv.splitlines()[0] == (
        "row,reason,InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
        "Country"
    )
    assert csv.splitlines()[1].startswith("2,missing customer id,536366,22633")
    progress = client.get(reverse("integration:job_progress", args=[job.pk]))
    assert b"Done" in progress.content


def test_a_mapping_without_a_required_column_says_which(analyst_user, client_for):
    client = client_for(analyst_user)
    response = _upload(client, "a,b\n1,2\n")
    page = client.get(response["Location"])
    assert b"no column for the required field" in page.content


def test_bad_uploads_get_a_4xx_with_the_reason(analyst_user, client_for):
    client = client_for(analyst_user)
    response = client.post(reverse("integration:upload"), {"entity": "orders"})
    assert response.status_code == 400 and b"This field is required" in response.content
    response = _upload(client, entity="invoices")
    assert response.status_code == 400
    assert client.get(reverse("integration:mapping", args=["0" * 32])).status_code == 404
    assert client.get(reverse("integration:mapping", args=["not-a-token"])).status_code == 404


def test_only_admins_and_analysts_import(sales_user, service_user, client_for):
    for user in (sales_user, service_user):
        client = client_for(user)
        assert client.get(reverse("integration:list")).status_code == 403
        assert _upload(client).status_code == 403
