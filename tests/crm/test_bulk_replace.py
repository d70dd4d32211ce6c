"""Replacing whole tables in one transaction (kehu.crm.bulk_replace), as the analysis
run replaces the current scores: the new rows and nothing of the old, and on PostgreSQL,
where a staging copy takes the table's place, the table as it was: the same indexes and
constraints under the same names, its grants, its foreign keys enforced; when the locks
of the swap do not come, the rows are copied over instead."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from kehu.crm import bulk_replace
from kehu.crm.bulk import quoted_table
from kehu.crm.bulk_replace import replacing_tables
from kehu.crm.customers.models import Customer
from kehu.crm.intelligence.models import CustomerInsight, CustomerScore, ValueRun

pytestmark = pytest.mark.django_db

SCORE_TABLE = CustomerScore._meta.db_table


def _scores(customers: list, run: ValueRun, tiers: list[str]) -> dict[str, np.ndarray]:
    n = len(customers)
    return {
        "customer": np.array([c.pk for c in customers], dtype=np.int64),
        "run": np.full(n, run.pk, dtype=np.int64),
        "tier": np.array(tiers, dtype=object),
        "p_alive": np.linspace(0.1, 0.9, n),
        "segment": np.array([1, None, 2][:n], dtype=object),
        **{
            text: np.full(n, "", dtype=object)
            for text in ("rfm_segment", "abc_class", "lifecycle_stage", "loyalty_stage")
        },
    }


@pytest.fixture
def replaced(make_customer):
    """Three customers: the first two scored by an earlier run, the last two by the new
    one."""
    customers = [make_customer(f"Replace {i} Ltd") for i in range(3)]
    earlier, run = ValueRun.objects.create(), ValueRun.objects.create()
    for customer in customers[:2]:
        CustomerScore.objects.create(customer=customer, run=earlier, tier="Iron")
    with replacing_tables() as replacement:
        n = replacement.replace(CustomerScore, _scores(customers[1:], run, ["Gold", "Silver"]))
        assert n == 2
    return customers, run


def test_a_replaced_table_holds_the_new_rows_and_none_of_the_old(replaced):
    customers, run = replaced
    rows = list(CustomerScore.objects.order_by("customer_id"))
    assert [(r.customer_id, r.run_id, r.tier) for r in rows] == [
        (customers[1].pk, run.pk, "Gold"),
        (customers[2].pk, run.pk, "Silver"),
    ]
    assert [r.segment for r in rows] == [1, None]
    assert rows[0].p_alive == pytest.approx(0.1)


def test_an_error_in_the_block_keeps_the_old_rows(make_customer):
    customer = make_customer()
    earlier, run = ValueRun.objects.create(), ValueRun.objects.create()
    CustomerScore.objects.create(customer=customer, run=earlier, tier="Iron")
    with pytest.raises(RuntimeError), replacing_tables() as replacement:
        replacement.replace(CustomerScore, _scores([customer], run, ["Gold"]))
        raise RuntimeError("the run failed after its scores")
    assert list(CustomerScore.objects.values_list("tier", flat=True)) == ["Iron"]


def _catalog(table: str) -> dict[str, list]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT grantee, privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = %s ORDER BY 1, 2",
            [table],
        )
        grants = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE %s", [f"{table[:57]}__next"]
        )
        (staging,) = cursor.fetchone()
    return {"constraints": constraints, "indexes": indexes, "grants": grants, "left": staging}


@pytest.mark.postgres
def test_on_postgresql_the_swapped_table_keeps_its_indexes_constraints_and_grants(
    make_customer,
):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT SELECT ON {quoted_table(CustomerScore)} TO PUBLIC")
    before = _catalog(SCORE_TABLE)
    assert len(before["indexes"]) >= 10 and ("PUBLIC", "SELECT") in before["grants"]
    customer, run = make_customer(), ValueRun.objects.create()
    with replacing_tables() as replacement:
        replacement.replace(CustomerScore, _scores([customer], run, ["Gold"]))
    assert _catalog(SCORE_TABLE) == before
    assert CustomerScore.objects.get().tier == "Gold"


@pytest.mark.postgres
def test_on_postgresql_the_swapped_table_still_checks_its_foreign_keys(make_customer):
    customer, run = make_customer(), ValueRun.objects.create()
    with replacing_tables() as replacement:
        replacement.replace(CustomerScore, _scores([customer], run, ["Gold"]))
    missing = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerScore.objects.create(customer_id=missing, run=run, tier="Gold")
        connection.check_constraints()


@pytest.mark.postgres
def test_on_postgresql_new_rows_that_break_a_key_fail_the_whole_replacement(make_customer):
    customer, run = make_customer(), ValueRun.objects.create()
    CustomerScore.objects.create(customer=customer, run=run, tier="Iron")
    columns = _scores([customer], run, ["Gold"])
    columns["customer"] = columns["customer"] + 1_000_000
    with pytest.raises(IntegrityError), replacing_tables() as replacement:
        replacement.replace(CustomerScore, columns)
    assert list(CustomerScore.objects.values_list("tier", flat=True)) == ["Iron"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_rows_are_copied_over_when_a_reader_holds_the_customers(
    make_customer, monkeypatch
):
    customers = [make_customer(f"Locked {i} Ltd") for i in range(2)]
    earlier, run = ValueRun.objects.create(), ValueRun.objects.create()
    CustomerScore.objects.create(customer=customers[0], run=earlier, tier="Iron")
    monkeypatch.setattr(bulk_replace, "LOCK_TIMEOUT", "200ms")
    copied_over = []
    copy_over = bulk_replace._copy_over
    monkeypatch.setattr(
        bulk_replace,
        "_copy_over",
        lambda c, staged: copied_over.append(staged) or copy_over(c, staged),
    )
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"],
        password=settings["PASSWORD"],
    ) as reader:
        # a long report reading the customers: the drop of the old table cannot lock them
        reader.execute(f"LOCK TABLE {quoted_table(Customer)} IN ACCESS SHARE MODE")
        with replacing_tables() as replacement:
            replacement.replace(CustomerScore, _scores(customers, run, ["Gold", "Silver"]))
            replacement.replace(
                CustomerInsight,
                {
                    "customer": np.array([customers[1].pk], dtype=np.int64),
                    "run": np.array([run.pk], dtype=np.int64),
                    "churn_reasons": np.array(['["late"]'], dtype=object),
                    "recommendations": np.array(["[]"], dtype=object),
                    "flags": np.array(["[]"], dtype=object),
                },
            )
        reader.rollback()
    assert list(CustomerScore.objects.order_by("customer_id").values_list("tier", flat=True)) == [
        "Gold",
        "Silver",
    ]
    assert CustomerInsight.objects.get().churn_reasons == ["late"]
    assert len(copied_over) == 2
    assert _catalog(SCORE_TABLE)["left"] == 0


@pytest.mark.postgres
def test_on_postgresql_a_table_others_refer_to_is_not_swapped():
    with connection.cursor() as cursor:
        assert bulk_replace._swap_obstacle(cursor, quoted_table(CustomerScore)) is None
        reason = bulk_replace._swap_obstacle(cursor, quoted_table(Customer))
    assert reason == "another table refers to it"
