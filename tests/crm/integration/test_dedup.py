"""Deduplication in the CRM: the same customer found across spellings, certain pairs
merged, uncertain ones reviewed side by side, and every merge undone exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.urls import reverse

from kehu.cli import main
from kehu.crm.customers.actions import create_customer
from kehu.crm.customers.models import Customer
from kehu.crm.customers.queries import visible_customers
from kehu.crm.engagement.actions import log_interaction
from kehu.crm.integration.merge import MergeError, merge_customers, undo_merge
from kehu.crm.integration.models import CustomerMerge, DuplicatePair
from kehu.crm.sales.actions import create_order
from kehu.crm.service.actions import open_ticket

pytestmark = pytest.mark.django_db


def _pair():
    a = create_customer(
        name="上海华东贸易有限公司", phone="+86 21 5555 0101", city="上海", tags=["vip"]
    )
    b = create_customer(
        name="Shanghai Huadong Trading Co., Ltd.",
        phone="021-5555-0101",
        email="sales@huadong.cn",
        external_id="K001",
        city="Shanghai",
        tags=["import"],
    )
    create_order(a, [{"description": "tea", "quantity": 1, "unit_price": Decimal("10")}])
    create_order(b, [{"description": "cups", "quantity": 2, "unit_price": Decimal("5")}])
    log_interaction(b, channel="phone", subject="called about cups")
    open_ticket(b, subject="cups broken", type="complaint")
    return a, b


def test_a_merge_keeps_everything_of_both_and_is_recorded(admin_user):
    a, b = _pair()
    merge = merge_customers(a, b, by=admin_user)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.orders.count(), a.interactions.count(), a.tickets.count()) == (2, 1, 1)
    assert (a.email, a.external_id) == ("sales@huadong.cn", "K001")  # filled from b
    assert set(a.tags.values_list("name", flat=True)) == {"vip", "import"}
    assert b.merged_into == a and b not in visible_customers(admin_user)
    assert b.history.first().history_change_reason == f"merged into {a.code}"
    assert a.history.first().history_user == admin_user
    assert merge.moved and merge.filled == {"email": "", "external_id": ""}
    with pytest.raises(MergeError, match="merged already"):
        merge_customers(a, b)


def test_undo_puts_every_row_back(admin_user):
    a, b = _pair()
    before = {
        c.pk: (
            c.email,
            c.external_id,
            c.orders.count(),
            c.interactions.count(),
            c.tickets.count(),
            set(c.tags.values_list("name", flat=True)),
        )
        for c in (a, b)
    }
    undo_merge(merge_customers(a, b, by=admin_user), by=admin_user)
    after = {
        c.pk: (
            c.email,
            c.external_id,
            c.orders.count(),
            c.interactions.count(),
            c.tickets.count(),
            set(c.tags.values_list("name", flat=True)),
        )
        for c in Customer.objects.filter(pk__in=[a.pk, b.pk])
    }
    assert after == before
    assert Customer.objects.get(pk=b.pk).merged_into is None
    with pytest.raises(MergeError, match="undone already"):
        undo_merge(CustomerMerge.objects.get())


def test_kehu_dedup_merges_the_certain_and_queues_the_rest():
    create_customer(
        name="Northwind Traders",
        email="orders@northwind.example",
        phone="+1 (206) 555-0101",
        city="Seattle",
    )
    create_customer(
        name="NORTHWIND TRADERS",
        email="orders@northwind.example",
        phone="206-555-0101",
        city="Seattle",
    )
    create_customer(
        name="王芳", email="wang.fang@example.cn", phone="+86 138 0013 8000", city="北京"
    )
    create_customer(name="Wang Fang", phone="13800138000", city="Beijing")
    for i in range(40):  # distinct customers give the model its non-matches
        create_customer(
            name=f"Distinct Company {i:02d} Ltd",
            email=f"c{i}@d{i}.example",
            phone=f"+1 (212) 555-{i:04d}",
            city=f"Town {i % 7}",
        )
    result = CliRunner().invoke(main, ["dedup", "--auto-merge", "0.99", "--review", "0.5"])
    assert result.exit_code == 0, result.output
    assert "customers=44" in result.output
    merged = {frozenset((m.winner.name, m.loser.name)) for m in CustomerMerge.objects.all()}
    pending = {
        frozenset((p.customer_a.name, p.customer_b.name))
        for p in DuplicatePair.objects.filter(status="pending")
    }
    northwind = frozenset({"Northwind Traders", "NORTHWIND TRADERS"})
    wang = frozenset({"王芳", "Wang Fang"})
    assert northwind in merged | pending and wang in merged | pending
    assert not any("Distinct" in name for pair in merged | pending for name in pair)


def test_review_queue_shows_both_records_and_merges_or_separates(analyst_user, client_for):
    a, b = _pair()
    # the duplicate search writes its pairs in bulk (no action per pair): a raw row
    pair = DuplicatePair.objects.create(
        customer_a=a,
        customer_b=b,
        probability=0.91,
        evidence={"name": 3.2, "email": 0.0, "phone": 9.1, "city": -1.5, "address": 0.0},
    )
    client = client_for(analyst_user)
    page = client.get(reverse("integration:duplicates")).content.decode()
    assert "Match probability 0.910" in page and a.code in page and b.code in page
    assert "phone 9.1" in page
    response = client.post(reverse("integration:decide", args=[pair.pk]), {"action": "keep_b"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.merged_into == b
    assert (
        client.get(reverse("integration:duplicates")).content.decode().count("card duplicate") == 0
    )
    merge = CustomerMerge.objects.get()
    client.post(reverse("integration:undo", args=[merge.pk]))
    a.refresh_from_db()
    assert a.merged_into is None
    pair.refresh_from_db()
    assert pair.status == "pending"
    client.post(reverse("integration:decide", args=[pair.pk]), {"action": "distinct"})
    pair.refresh_from_db()
    assert pair.status == "distinct" and pair.decided_by == analyst_user


def test_sales_users_cannot_merge(sales_user, client_for):
    a, b = _pair()
    pair = DuplicatePair.objects.create(customer_a=a, customer_b=b, probability=0.9)
    client = client_for(sales_user)
    assert client.get(reverse("integration:duplicates")).status_code == 403
    assert (
        client.post(reverse("integration:decide", args=[pair.pk]), {"action": "keep_a"}).status_code
        == 403
    )


def test_kehu_dedup_runs_when_no_two_customers_share_an_email_or_phone():
    # Splink's prior and EM training failed on such data (no pair to learn from)
    for i in range(12):
        create_customer(
            name=f"Acme {i % 2}",
            email="info@acme.example",
            phone=f"+1 (212) 555-{i:04d}",
            city=f"Town {i}",
        )
    result = CliRunner().invoke(main, ["dedup"])
    assert result.exit_code == 0, result.output
    assert "merged=0" in result.output


def _cross_owner_pair(make_user):
    ann, bob = make_user("sales", username="ann"), make_user("sales", username="bob")
    a = create_customer(name="Northwind Traders", phone="206-555-0101", owner=ann)
    b = create_customer(name="Northwind Traders", phone="+1 206 555 0101", owner=bob)
    return DuplicatePair.objects.create(
        customer_a=a,
        customer_b=b,
        probability=0.99997,
        agreement={"name": "same", "phone": "same", "email": "missing"},
        reasons=["owners_differ"],
    )


def test_a_cross_owner_pair_says_so_and_only_a_manager_merges_it(
    make_user, analyst_user, client_for
):
    pair = _cross_owner_pair(make_user)
    analyst = client_for(analyst_user)
    page = analyst.get(reverse("integration:duplicates")).content.decode()
    assert "Different owners: a manager decides." in page
    assert "Match probability &gt; 0.999" in page  # never 1.000: the model is not certain
    assert "Only a manager can merge customers of two owners." in page
    assert 'value="keep_a"' not in page
    analyst.post(reverse("integration:decide", args=[pair.pk]), {"action": "keep_a"})
    assert not CustomerMerge.objects.exists()
    manager = client_for(make_user("sales", manager=True, username="meg"))
    page = manager.get(reverse("integration:duplicates")).content.decode()
    assert 'value="keep_a"' in page
    manager.post(reverse("integration:decide", args=[pair.pk]), {"action": "keep_a"})
    assert CustomerMerge.objects.get().loser == pair.customer_b
    merges = manager.get(reverse("integration:merges")).content.decode()
    assert "name, phone" in merges  # the fields that agreed


def test_the_queue_explains_each_pair_and_hides_pairs_whose_customer_was_merged(
    analyst_user, client_for
):
    a, b = _pair()
    c = create_customer(name="Shanghai Huadong Trading", phone="021 5555 0101")
    queued = DuplicatePair.objects.create(
        customer_a=a,
        customer_b=b,
        probability=0.9999,
        agreement={"name": "same", "phone": "same", "email": "missing", "address": "differs"},
        reasons=["conflict"],
    )
    stale = DuplicatePair.objects.create(customer_a=b, customer_b=c, probability=0.95)
    merge_customers(a, c)  # c merged since the run queued (b, c)
    page = client_for(analyst_user).get(reverse("integration:duplicates")).content.decode()
    assert f'id="pair-{queued.pk}"' in page and f'id="pair-{stale.pk}"' not in page
    assert "Conflicting fields: address." in page
    assert page.count("agrees") >= 2 and "differs" in page


def test_an_undone_automatic_merge_returns_to_the_queue_saying_so(analyst_user, client_for):
    a, b = _pair()
    pair = DuplicatePair.objects.create(customer_a=a, customer_b=b, probability=0.999)
    merge = merge_customers(a, b, pair=pair, automatic=True)
    undo_merge(merge)
    page = client_for(analyst_user).get(reverse("integration:duplicates")).content.decode()
    assert f'id="pair-{pair.pk}"' in page
    assert "Merged automatically before; the merge was undone." in page


def test_mark_distinct_decides_a_pending_pair_once(analyst_user):
    from kehu.crm.integration.merge import mark_distinct

    a, b = _pair()
    pair = DuplicatePair.objects.create(customer_a=a, customer_b=b, probability=0.9)
    decided = mark_distinct(pair, by=analyst_user)
    assert (decided.status, decided.decided_by) == ("distinct", analyst_user)
    assert decided.decided_at is not None
    with pytest.raises(MergeError, match="decided already"):
        mark_distinct(pair, by=analyst_user)
