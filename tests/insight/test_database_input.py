"""A SQL query against a database as the value engine's input: SQLite files (the CRM's
default) and PostgreSQL (when DATABASE_URL names one, as in CI)."""

from __future__ import annotations

import os
import sqlite3
import uuid

import pandas as pd
import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.insight.database import DatabaseError, DatabaseQuery
from kehu.insight.summary import summarize

pytestmark = pytest.mark.database

ORDERS = [
    ("c1", "2024-01-01 09:00:00", 10.0),
    ("c1", "2024-01-15 10:30:00", 30.0),
    ("c1", "2024-01-22 11:00:00", -5.0),
    ("c2", "2024-01-08 12:00:00", 7.5),
    ("c3", "2024-01-09 08:00:00", 0.0),
]


@pytest.fixture
def shop_db(tmp_path):
    path = tmp_path / "shop.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (customer TEXT, placed_at TEXT, total REAL)")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?)", ORDERS)
    return path


def _frame() -> pd.DataFrame:
    return pd.DataFrame(ORDERS, columns=["customer_id", "date", "amount"])


def _same_summary(left, right) -> None:
    pd.testing.assert_frame_equal(
        left.customers.reset_index(drop=True), right.customers.reset_index(drop=True)
    )
    assert left.accounting == right.accounting


def test_sqlite_query_gives_the_same_summary_as_the_rows_themselves(shop_db):
    query = DatabaseQuery(
        f"sqlite:///{shop_db}",
        "SELECT customer AS customer_id, placed_at AS date, total AS amount FROM orders",
    )
    from_db = summarize(query, observation_end="2024-01-29")
    _same_summary(from_db, summarize(_frame(), observation_end="2024-01-29"))
    assert from_db.accounting["rows_in"] == 5 and from_db.accounting["rows_zero_amount"] == 1


def test_bad_queries_and_urls_say_what_is_wrong(shop_db, tmp_path):
    with pytest.raises(DatabaseError, match="no such table: sales"):
        summarize(DatabaseQuery(f"sqlite:///{shop_db}", "SELECT * FROM sales"))
    with pytest.raises(DatabaseError, match="does not exist"):
        summarize(DatabaseQuery(f"sqlite:///{tmp_path / 'none.sqlite3'}", "SELECT 1"))
    with pytest.raises(DatabaseError, match="not supported"):
        summarize(DatabaseQuery("mysql://u:secret@host/db", "SELECT 1"))


def test_a_query_with_no_rows_ends_in_the_no_usable_rows_message(shop_db):
    query = DatabaseQuery(
        f"sqlite:///{shop_db}",
        "SELECT customer AS customer_id, placed_at AS date, total AS amount FROM orders "
        "WHERE total > 1000",
    )
    with pytest.raises(ValueError, match="no usable rows: of 0 rows"):
        summarize(query)


def test_kehu_analyze_sql_reads_the_database_url(shop_db, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "analyze",
            "--sql",
            "SELECT customer AS customer_id, placed_at AS date, total AS amount FROM orders",
            "--database-url",
            f"sqlite:///{shop_db}",
            "--out",
            str(out),
            "--no-pareto-nbd",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "rows=5 purchases=3 returns=1" in result.output
    assert len(pd.read_parquet(out / "customers.parquet")) == 2


def test_kehu_analyze_wants_a_file_or_a_query_not_both(shop_db, tmp_path):
    runner = CliRunner()
    neither = runner.invoke(main, ["analyze", "--out", str(tmp_path)])
    both = runner.invoke(main, ["analyze", str(shop_db), "--sql", "SELECT 1", "--out", "x"])
    for result in (neither, both):
        assert result.exit_code == 2
        assert "either an INPUT file or --sql QUERY" in result.output
    failed = runner.invoke(
        main,
        ["analyze", "--sql", "SELECT * FROM sales", "--database-url", f"sqlite:///{shop_db}"]
        + ["--out", str(tmp_path)],
    )
    assert failed.exit_code == 2 and "no such table: sales" in failed.output
    assert "Traceback" not in failed.output


@pytest.mark.postgres
def test_postgresql_query_is_copied_and_gives_the_same_summary():
    url = os.environ["DATABASE_URL"]  # postgres tests are deselected elsewhere (conftest)
    import psycopg

    table = f"kehu_test_orders_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"CREATE TABLE {table} (customer text, placed_at timestamptz, total numeric)")
        with db.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s)", ORDERS)
        try:
            query = DatabaseQuery(
                url,
                f"SELECT customer AS customer_id, placed_at AT TIME ZONE 'UTC' AS date, "
                f"total AS amount FROM {table}",
            )
            from_db = summarize(query, observation_end="2024-01-29")
        finally:
            db.execute(f"DROP TABLE {table}")
    _same_summary(from_db, summarize(_frame(), observation_end="2024-01-29"))
