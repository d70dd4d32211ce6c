"""The aged receivables report against a case computed by hand: invoices on each side of
every bucket boundary (0/1/30/31/60/61/90/91 days past due), partial payments, payments
made after the as-of date, invoices issued after it, void, draft and paid invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.crm.billing import queries
from kehu.crm.billing.actions import create_invoice, record_payment, void_invoice

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 31)
D = Decimal


def _day(n: int) -> date:
    return AS_OF + timedelta(days=n)


@pytest.fixture
def ledger(make_user, make_customer, make_invoice):
    """Xena (Sally's) owes 950 on AS_OF, Yann (Steve's) 2,400: see each line."""
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    x = make_customer("Xena Ltd", owner=sally)
    y = make_customer("Yann Co", owner=steve)
    make_invoice(x, "100", as_of=AS_OF, days_past_due=0)  # due that day: current
    make_invoice(x, "200", as_of=AS_OF, days_past_due=1, payments=(("50", _day(-5)),))  # 150
    make_invoice(x, "300", as_of=AS_OF, days_past_due=30)  # 1-30
    # paid in full three days after AS_OF: on AS_OF it was all open, 31 days late
    make_invoice(x, "400", as_of=AS_OF, days_past_due=31, payments=(("400", _day(3)),))
    # two payments, the second on AS_OF itself (counts): 300 open, 60 days late
    make_invoice(
        y, "500", as_of=AS_OF, days_past_due=60, payments=(("100", _day(-10)), ("100", AS_OF))
    )
    make_invoice(y, "600", as_of=AS_OF, days_past_due=61)
    make_invoice(y, "700", as_of=AS_OF, days_past_due=90)
    make_invoice(y, "800", as_of=AS_OF, days_past_due=91)
    # none of these count on AS_OF
    make_invoice(x, "900", as_of=AS_OF, days_past_due=-29, issued_on=_day(1))  # issued later
    void_invoice(make_invoice(x, "1000", as_of=AS_OF, days_past_due=10))
    make_invoice(x, "50", as_of=AS_OF, days_past_due=45, payments=(("50", _day(-1)),))  # paid
    make_invoice(y, "70", as_of=AS_OF, days_past_due=20, status="draft")
    return {"sally": sally, "steve": steve, "x": x, "y": y}


def _buckets(row):
    return [row[k] for k in (*queries.BUCKET_KEYS, "total")]


def test_aged_report_by_customer_matches_the_hand_computed_case(ledger, admin_user):
    rows = list(queries.aging(admin_user, AS_OF))
    assert [r["customer__name"] for r in rows] == ["Yann Co", "Xena Ltd"]  # largest first
    #                              current 1-30    31-60   61-90    >90     total
    assert _buckets(rows[0]) == [D("0"), D("0"), D("300"), D("1300"), D("800"), D("2400")]
    assert _buckets(rows[1]) == [D("100"), D("450"), D("400"), D("0"), D("0"), D("950")]
    totals = queries.aging_totals(admin_user, AS_OF)
    assert _buckets(totals) == [D("100"), D("450"), D("700"), D("1300"), D("800"), D("3350")]


def test_aged_report_by_owner(ledger, admin_user):
    rows = list(queries.aging(admin_user, AS_OF, by="owner"))
    assert [(r["customer__owner__username"], r["total"]) for r in rows] == [
        ("steve", D("2400")),
        ("sally", D("950")),
    ]


def test_a_later_as_of_date_moves_invoices_into_older_buckets(ledger, admin_user):
    # a day later every invoice is one day older: 0 -> 1, 30 -> 31, 60 -> 61, 90 -> 91;
    # the 400 paid on AS_OF + 3 is still open on AS_OF + 1, and the 900 issued that day
    # now counts (not yet due)
    rows = {r["customer__name"]: _buckets(r) for r in queries.aging(admin_user, _day(1))}
    assert rows["Xena Ltd"] == [D("900"), D("250"), D("700"), D("0"), D("0"), D("1850")]
    assert rows["Yann Co"] == [D("0"), D("0"), D("0"), D("900"), D("1500"), D("2400")]


def test_a_sales_user_ages_only_their_own_customers(ledger):
    rows = list(queries.aging(ledger["sally"], AS_OF))
    assert [r["customer__name"] for r in rows] == ["Xena Ltd"]
    assert queries.aging_totals(ledger["sally"], AS_OF)["total"] == D("950")


def test_today_uses_what_is_open_now(make_customer, admin_user):
    """On today's date the report reads the invoices' paid amounts (no payment is dated
    in the future) and agrees with the payments' sum read on any earlier date."""
    today = timezone.localdate()
    customer = make_customer("Today Ltd")
    for days, amount in ((0, "10"), (1, "20"), (31, "40"), (61, "80"), (91, "160")):
        invoice = create_invoice(
            customer,
            amount=D(amount),
            issued_on=today - timedelta(days=days + 30),
            due_on=today - timedelta(days=days),
        )
        record_payment(invoice, amount=D("1"), paid_on=today - timedelta(days=days + 1))
    (row,) = queries.aging(admin_user)
    assert _buckets(row) == [D("9"), D("19"), D("39"), D("79"), D("159"), D("305")]
    (yesterday,) = queries.aging(admin_user, today - timedelta(days=1))
    # a day earlier: 0 and 1 day past due were not yet due (current), 31 was 30, ...
    assert _buckets(yesterday) == [D("28"), D("39"), D("79"), D("159"), D("0"), D("305")]


def test_the_report_is_one_query(ledger, admin_user, django_assert_num_queries):
    list(queries.aging(admin_user, AS_OF))  # the user's roles are read once, then cached
    with django_assert_num_queries(1):
        list(queries.aging(admin_user, AS_OF))
    with django_assert_num_queries(1):
        queries.aging_totals(admin_user, AS_OF)
