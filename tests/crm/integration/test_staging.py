"""The import's staging database (kehu.crm.integration.staging): every statement an
import runs goes through it, so a failure names the table being made and the query;
the user reads the backend's reason, the query stays chained for the log."""

from __future__ import annotations

import pyarrow as pa
import pytest

from kehu.crm.integration.models import ImportJob
from kehu.crm.integration.pipeline import ImportInputError, Options, run_import
from kehu.crm.integration.readers import ReadError, connect, read_file
from kehu.crm.integration.staging import QueryError, Staging
from kehu.insight.errors import InsightError


def test_a_file_the_backend_cannot_read_is_refused_with_its_reason_and_the_query_chained(
    tmp_path,
):
    path = tmp_path / "orders.jsonl"
    path.write_text('{"InvoiceNo": "1"}\n{not json\n')
    with pytest.raises(ReadError) as caught:
        read_file(path)
    message = str(caught.value)
    assert message.startswith("cannot read 'orders.jsonl': ") and "Malformed JSON" in message
    assert "query" not in message  # the user is told what is wrong, not the SQL
    cause = caught.value.__cause__
    assert isinstance(cause, QueryError) and isinstance(cause, InsightError)
    assert f"read_json('{path}'" in cause.query


@pytest.mark.django_db
def test_rows_the_backend_cannot_check_fail_the_import_with_the_query_chained(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "InvoiceNo,InvoiceDate,CustomerID,StockCode,Quantity,UnitPrice\n"
        "536365,01/12/2010 08:26,17850,85123A,6,2.55\n"
    )
    with pytest.raises(ImportInputError, match="^could not check the rows: ") as caught:
        run_import(path, "orders", options=Options(date_format="%d/%m/%Q"))
    assert "query" not in str(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, QueryError)
    assert cause.step == "import_rows"
    assert "TRY_STRPTIME" in cause.query and "%d/%m/%Q" in cause.query
    assert not ImportJob.objects.exists()


def test_a_failed_statement_names_its_step_and_the_query(tmp_path):
    with Staging(tmp_path, memory_limit="64MB", max_temp_mb=64, time_zone="UTC") as staging:
        with pytest.raises(QueryError) as caught:
            staging.execute("INSERT INTO import_raw VALUES (1)", "import_raw")
        assert caught.value.step == "import_raw"
        assert caught.value.query == "INSERT INTO import_raw VALUES (1)"
        with pytest.raises(QueryError, match="quarantined rows"):
            next(staging.chunks("SELECT * FROM import_rows", "quarantined rows", 10))


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_the_staging_database_reads_local_times_in_the_business_time_zone(tmp_path, settings, zone):
    settings.TIME_ZONE = zone
    with connect(tmp_path) as staging:
        (found, spill, ordered) = staging.one(
            "SELECT current_setting('TimeZone'), current_setting('temp_directory'), "
            "current_setting('preserve_insertion_order')",
            "settings",
        )
    assert (found, spill, ordered) == (zone, str(tmp_path), True)


def test_a_table_registered_for_a_block_is_forgotten_after_it(tmp_path):
    with connect(tmp_path) as staging:
        with staging.registered("rows_in", pa.table({"x": [1, 2]})):
            assert staging.one("SELECT SUM(x) FROM rows_in", "sum")[0] == 3
        with pytest.raises(QueryError):
            staging.rows("SELECT * FROM rows_in", "after the block")
