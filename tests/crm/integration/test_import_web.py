"""The import wizard in the web UI: upload, map with a preview of how rows read, run,
watch the progress and read the reconciliation; only administrators and analysts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kehu.cli.imports import run_web_import
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
    (`kehu.cli.imports.run_web_import`); only the process boundary is skipped."""
    started = []

    def run_here(job):
        started.append(job.pk)
        run_web_import(job.pk)

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
    assert "1 of 1 batch landed." in result
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
    response = _upload(client, entity="quotes")
    assert response.status_code == 400
    assert client.get(reverse("integration:mapping", args=["0" * 32])).status_code == 404
    assert client.get(reverse("integration:mapping", args=["not-a-token"])).status_code == 404


def test_only_admins_and_analysts_import(sales_user, service_user, client_for):
    for user in (sales_user, service_user):
        client = client_for(user)
        assert client.get(reverse("integration:list")).status_code == 403
        assert _upload(client).status_code == 403


def _upload_bytes(client, content: bytes, name: str, entity="orders"):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(reverse("integration:upload"), {"file": file, "entity": entity})


def test_random_bytes_named_xlsx_get_a_clear_400_never_a_500(analyst_user, client_for):
    import os

    client = client_for(analyst_user)
    response = _upload_bytes(client, os.urandom(4096), "orders.xlsx")
    assert response.status_code == 400
    html = response.content.decode()
    assert "&#x27;orders.xlsx&#x27; is not an Excel workbook" in html
    assert list(actions.uploads_dir().iterdir()) == []  # nothing kept


def test_a_far_cell_or_a_zip_bomb_is_refused_on_upload(
    analyst_user, client_for, settings, tmp_path
):
    import io
    import zipfile

    import openpyxl

    client = client_for(analyst_user)
    book = openpyxl.Workbook()
    book.active.append(["InvoiceNo", "CustomerID"])
    book.active["XFD1048576"] = "far"
    far = tmp_path / "far.xlsx"
    book.save(far)
    response = _upload_bytes(client, far.read_bytes(), "far.xlsx")
    assert response.status_code == 400 and b"export it as CSV" in response.content

    settings.KEHU_IMPORT_MAX_MB = 1
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (8 * 1024 * 1024))
    response = _upload_bytes(client, bomb.getvalue(), "bomb.xlsx")
    assert response.status_code == 400
    assert b"unpacks to more than 1 MB" in response.content
    assert b"KEHU_IMPORT_MAX_MB" in response.content


def test_an_upload_named_meta_json_does_not_overwrite_the_upload_metadata(analyst_user, client_for):
    client = client_for(analyst_user)
    lines = [
        '{"InvoiceNo": "536365", "StockCode": "85123A", "Quantity": "6",',
        ' "InvoiceDate": "2010-12-01 08:26:00", "UnitPrice": "2.55", "CustomerID": "17850"}',
    ]
    response = _upload_bytes(client, "".join(lines).encode() + b"\n", "meta.json")
    assert response.status_code == 302
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    path, entity, name = actions.upload_of(token)
    assert (path.name, entity, name) == ("upload.json", "orders", "meta.json")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "1 row; 0 would be quarantined." in page.content.decode()


def test_far_future_dates_wait_for_the_box_in_the_wizard(analyst_user, client_for, in_process):
    client = client_for(analyst_user)
    content = (
        CSV.splitlines()[0]
        + "\n"
        + (
            "900001,P1,TEA,1,2099-01-01 10:00:00,2.00,17850,UK\n"
            "900002,P1,TEA,1,2010-12-01 08:26:00,2.00,17850,UK\n"
        )
    )
    mapping_url = _upload(client, content)["Location"]
    html = client.get(mapping_url).content.decode()
    assert "2 rows; 1 would be quarantined." in html
    assert "is more than 31 days in the future" in html
    assert 'name="allow_future_dates"' in html
    fields = {
        "map_order_number": "InvoiceNo",
        "map_ordered_at": "InvoiceDate",
        "map_customer_id": "CustomerID",
        "map_sku": "StockCode",
        "map_quantity": "Quantity",
        "map_unit_price": "UnitPrice",
    }
    checked = client.post(mapping_url, {**fields, "action": "check", "allow_future_dates": "on"})
    assert "2 rows; 0 would be quarantined." in checked.content.decode()
    response = client.post(mapping_url, {**fields, "action": "run", "allow_future_dates": "on"})
    assert response.status_code == 302
    job = ImportJob.objects.get(pk=in_process[0])
    assert (job.status, job.imported, job.quarantined) == ("done", 2, 0)
    assert Order.objects.get(number="900001").ordered_at.year == 2099


def test_over_wide_rows_and_duplicate_headers_show_in_the_preview(analyst_user, client_for):
    client = client_for(analyst_user)
    content = (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,CustomerID\n"
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,17850\n"
        "536366,22633,HAND, WARMER,6,2010-12-01 08:28:00,1.85,13047,13047\n"
    )
    html = client.get(_upload(client, content)["Location"]).content.decode()
    assert "2 rows; 1 would be quarantined." in html
    assert "the row has 9 cells but the header has 8 columns" in html
    assert "the header &#x27;CustomerID&#x27; appears more than once" in html
