"""`kehu import --entity orders`: every row accounted for, each quirk handled with a
plain reason, returns, duplicates, re-imports that change nothing, and any file format
or encoding."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.customers.models import Customer
from kehu.crm.integration.models import ImportJob, MappingProfile
from kehu.crm.integration.pipeline import ImportInputError, Options, run_import
from kehu.crm.sales.models import Order, OrderLine

pytestmark = pytest.mark.django_db

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
ROWS = [
    "536365,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom",
    "536365,71053,WHITE LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom",
    "536365,71053,WHITE LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom",  # dup
    "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,,United Kingdom",  # no customer
    "C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom",  # return
    "536380,22961,JAM JAR,24,not a date,0.85,17809.0,United Kingdom",
    "A563186,B,Adjust bad debt,1,2011-08-12 14:51:00,-11062.06,12346.0,United Kingdom",
    "536381,22139,RETROSPOT,0,2010-12-01 09:45:00,4.95,15311.0,United Kingdom",
    "536381,22140,RETROSPOT BIG,3,2010-12-01 09:45:00,4.95,15311.0,United Kingdom",
    "536381,22141,RETROSPOT RED,2,2010-12-01 09:45:00,4.95,99999.0,United Kingdom",  # other cust
    "536382,,NO CODE,2,2010-12-01 09:45:00,1.00,15311.0,United Kingdom",
    "536383,22142,FREE GIFT,1,2010-12-01 10:00:00,0,15311.0,United Kingdom",
]


def _write(tmp_path, rows=ROWS, name="orders.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def _import(path, *args):
    return CliRunner().invoke(
        main, ["import", str(path), "--entity", "orders", *args], catch_exceptions=False
    )


def test_every_row_is_imported_merged_or_quarantined_with_a_plain_reason(tmp_path):
    result = _import(_write(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "rows=12 imported=5 merged=1 quarantined=6"
    job = ImportJob.objects.get()
    assert dict(job.quarantine.values_list("row_number", "reason")) == {
        4: "missing customer id",
        6: 'order date "not a date" is not a date',
        7: "negative unit price -11062.06",
        8: "quantity is 0",
        10: "order 536381 belongs to customer 15311 (row 9)",
        11: "missing product code",
    }
    assert job.quarantine.get(row_number=4).data["StockCode"] == "22633"  # the row as read
    assert "quarantined 1: missing customer id" in result.output


def test_rows_are_stored_with_returns_duplicates_and_new_customers(tmp_path):
    _import(_write(tmp_path))
    order = Order.objects.get(number="536365")
    assert order.kind == Order.Kind.SALE and order.status == Order.Status.COMPLETED
    assert order.lines.count() == 2  # the exact duplicate line was merged
    assert order.total_amount == Decimal("35.64")  # 6 x 2.55 + 6 x 3.39
    assert order.customer.external_id == "17850"  # "17850.0" read as the id 17850
    ret = Order.objects.get(number="C536379")
    assert ret.kind == Order.Kind.RETURN and ret.total_amount == Decimal("-27.50")
    assert ret.lines.get().quantity == Decimal("1")
    assert OrderLine.objects.get(product__sku="22142").unit_price == 0  # a free item
    assert Customer.objects.filter(external_id="17850").exists()
    assert Customer.objects.filter(external_id="17850").first().search_terms.exists()


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = _write(tmp_path)
    _import(path)
    before = (Order.objects.count(), OrderLine.objects.count(), Customer.objects.count())
    result = _import(path)
    assert "rows=12 imported=0 merged=6 quarantined=6" in result.output
    assert (Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()) == before


def test_quarantined_rows_can_be_downloaded_fixed_and_imported(tmp_path):
    out = tmp_path / "quarantine.csv"
    _import(_write(tmp_path), "--quarantine-out", str(out))
    bad = pd.read_csv(out, dtype=str)
    assert list(bad.columns[:2]) == ["row", "reason"] and len(bad) == 6
    fixed = bad[bad["row"] == "4"].drop(columns=["row", "reason"]).assign(CustomerID="17850")
    fixed.to_csv(tmp_path / "fixed.csv", index=False)
    result = _import(tmp_path / "fixed.csv")
    assert "rows=1 imported=1 merged=0 quarantined=0" in result.output
    assert Order.objects.get(number="536366").customer.external_id == "17850"


def test_batches_hold_whole_orders_and_counts_reconcile(tmp_path):
    result = _import(_write(tmp_path), "--batch-rows", "1")
    assert "rows=12 imported=5 merged=1 quarantined=6" in result.output
    job = ImportJob.objects.get()
    assert job.batches_total == job.batches_landed == 4  # one per valid order
    assert job.accounted and job.status == ImportJob.Status.DONE


GBK_HEADER = "订单号,商品编码,商品名称,数量,下单时间,单价,客户编号,国家"


def test_chinese_headers_in_gbk_with_day_first_dates_and_decimal_commas(tmp_path):
    rows = [
        'A1,P1,茶杯,2,03/04/2024 10:00,"1.234,50",王芳,中国',
        'A1,P2,茶壶,1,03/04/2024 10:00,"12,00",王芳,中国',
        'A2,P1,茶杯,1,13/04/2024 09:30,"1.234,50",李娜,中国',
    ]
    path = _write(tmp_path, rows, header=GBK_HEADER, encoding="gbk")
    result = _import(path)
    assert result.exit_code == 0, result.output
    assert "encoding=gb18030" in result.output and "dates=%d/%m/%Y %H:%M" in result.output
    assert "rows=3 imported=3 merged=0 quarantined=0" in result.output
    order = Order.objects.get(number="A1")
    assert order.customer.external_id == "王芳"
    assert order.total_amount == Decimal("2481.00")  # 2 x 1,234.50 + 12.00
    assert order.ordered_at.month == 4 and order.ordered_at.day == 3


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".jsonl", ".tsv"])
def test_excel_parquet_json_lines_and_tsv_read_the_same(tmp_path, suffix):
    frame = pd.read_csv(_write(tmp_path), dtype=str)
    path = tmp_path / f"orders{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(path, sep="\t", index=False)
    result = _import(path)
    assert result.exit_code == 0, result.output
    assert "rows=12 imported=5 merged=1 quarantined=6" in result.output


def test_mapping_can_be_given_saved_and_reused(tmp_path):
    header = "no,code,what,qty,when,price,client,land"
    path = _write(tmp_path, ROWS[:2], header=header)
    missing = _import(path)
    assert missing.exit_code == 2
    assert "no column for the required field 'order_number'" in missing.output
    mapped = [
        "--map",
        "order_number=no",
        "--map",
        "sku=code",
        "--map",
        "quantity=qty",
        "--map",
        "ordered_at=when",
        "--map",
        "unit_price=price",
        "--map",
        "customer_id=client",
    ]
    result = _import(path, *mapped, "--save-mapping", "shop export")
    assert "rows=2 imported=2" in result.output
    assert MappingProfile.objects.get(name="shop export").mapping["order_number"] == "no"
    again = _import(path, "--mapping", "shop export")
    assert "rows=2 imported=0 merged=2 quarantined=0" in again.output


def test_bad_files_and_options_get_one_sentence(tmp_path):
    runner = CliRunner()
    cases = [
        (["import", str(tmp_path / "none.csv"), "--entity", "orders"], "does not exist"),
        (["import", str(_write(tmp_path)), "--entity", "orders", "--map", "bad"], "FIELD=COLUMN"),
        (
            ["import", str(_write(tmp_path)), "--entity", "orders", "--map", "sku=Nope"],
            "column 'Nope' (for sku) is not in the file",
        ),
        (
            ["import", str(_write(tmp_path)), "--entity", "orders", "--mapping", "x"],
            "no mapping profile named 'x'",
        ),
    ]
    (tmp_path / "notes.docx").write_bytes(b"PK")
    cases.append((["import", str(tmp_path / "notes.docx"), "--entity", "orders"], "cannot read"))
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_the_library_call_returns_the_job_with_its_details(tmp_path):
    job = run_import(_write(tmp_path), "orders", options=Options(batch_rows=3))
    assert job.details["duplicate_lines"] == 1 and job.details["return_lines"] == 1
    assert job.details["customers_created"] == 3
    assert json.loads(json.dumps(job.details))  # plain JSON for the result page
    with pytest.raises(ImportInputError, match="entity must be one of"):
        run_import(_write(tmp_path), "quotes")


def test_the_customer_column_takes_kehu_codes_and_emails(tmp_path):
    from kehu.crm.customers.actions import create_customer

    coded = create_customer(name="Coded", email="buyer@example.com")
    rows = [
        f"900001,P1,TEA,1,2024-03-01 10:00:00,2.00,{coded.code},China",
        f"900002,P1,TEA,1,2024-03-02 10:00:00,2.00,{coded.code.lower()},China",
        "900003,P1,TEA,1,2024-03-03 10:00:00,2.00,BUYER@example.com,China",
    ]
    result = _import(_write(tmp_path, rows))
    assert result.output.splitlines()[-1] == "rows=3 imported=3 merged=0 quarantined=0"
    assert "customers_created=0" in result.output
    assert set(Order.objects.values_list("customer_id", flat=True)) == {coded.pk}


def test_product_codes_match_whatever_their_case(tmp_path):
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.catalog.models import Product

    create_product(sku="85123A", name="Heart", unit_price=Decimal("2.55"))
    rows = [
        "900001,85123a,HEART,1,2024-03-01 10:00:00,2.55,17850,UK",
        "900001,new-1,NEW,1,2024-03-01 10:00:00,1.00,17850,UK",
        "900002,NEW-1,NEW,2,2024-03-02 10:00:00,1.00,17850,UK",
    ]
    result = _import(_write(tmp_path, rows))
    assert result.output.splitlines()[-1] == "rows=3 imported=3 merged=0 quarantined=0"
    assert "products_created=1" in result.output
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["85123A", "new-1"]
    assert OrderLine.objects.filter(product__sku="85123A").count() == 1


def test_iso_dates_read_in_a_day_first_column(tmp_path):
    rows = [
        "900001,P1,TEA,1,13/04/2024 09:30,2.00,17850,UK",
        "900002,P1,TEA,1,14/04/2024 09:30,2.00,17850,UK",
        "900003,P1,TEA,1,2024-03-01,2.00,17850,UK",
        "900004,P1,TEA,1,2024-03-02T10:15:00+08:00,2.00,17850,UK",
    ]
    result = _import(_write(tmp_path, rows))
    assert "dates=%d/%m/%Y %H:%M" in result.output
    assert result.output.splitlines()[-1] == "rows=4 imported=4 merged=0 quarantined=0"
    march = Order.objects.get(number="900003").ordered_at
    assert (march.year, march.month, march.day) == (2024, 3, 1)
    assert Order.objects.get(number="900004").ordered_at.hour == 2  # 10:15 at +08:00 in UTC


def test_order_dates_far_in_the_future_need_a_confirmation(tmp_path):
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%d %H:%M:%S")
    rows = [
        f"900001,P1,TEA,1,{soon},2.00,17850,UK",
        "900002,P1,TEA,1,2099-01-01 10:00:00,2.00,17850,UK",
    ]
    path = _write(tmp_path, rows)
    result = _import(path)
    assert result.output.splitlines()[-1] == "rows=2 imported=1 merged=0 quarantined=1"
    job = ImportJob.objects.get()
    assert job.quarantine.get().reason == (
        'order date "2099-01-01 10:00:00" is more than 31 days in the future: if it is right, '
        "confirm future dates (--allow-future-dates, or the box in the wizard)"
    )
    confirmed = _import(path, "--allow-future-dates")
    assert confirmed.output.splitlines()[-1] == "rows=2 imported=1 merged=1 quarantined=0"
    assert Order.objects.get(number="900002").ordered_at.year == 2099


def test_a_quarantined_return_downloaded_fixed_and_imported_keeps_its_negative_quantity(
    tmp_path,
):
    """The quarantine CSV quotes formula-like cells (``'-1``) as every export does; the
    import reads that quote away, so the fixed row is the row it was."""
    from kehu.crm.integration.quarantine import csv_lines

    _import(_write(tmp_path, ["C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,,UK"]))
    download = "".join(csv_lines(ImportJob.objects.get()))
    assert ",'-1," in download  # neutralised for spreadsheets
    header, row = download.splitlines()
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(
        header.split(",", 2)[2] + "\n" + row.split(",", 2)[2].replace(",,UK", ",14527,UK") + "\n"
    )
    result = _import(fixed)
    assert result.output.splitlines()[-1] == "rows=1 imported=1 merged=0 quarantined=0"
    order = Order.objects.get(number="C536379")
    assert order.kind == Order.Kind.RETURN and order.total_amount == Decimal("-27.50")
