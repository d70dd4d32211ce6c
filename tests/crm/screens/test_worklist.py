"""The morning worklist on the home page: the customers a user owns where an action pays
most (churn risk rose, a deviation flag, an open complaint of a top-tier customer),
ranked by the value at stake (predicted CLV x churn risk), one item per customer with
its reasons in words, and a one-click call planned once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.crm.presentation import test_record_ids

from kehu.crm.intelligence.models import CustomerInsight, CustomerScore, CustomerValue, ValueRun
from kehu.crm.marketing.models import ResponseScore
from kehu.crm.sales.models import Activity
from kehu.crm.screens.worklist import worklist_for
from kehu.crm.service.actions import change_status, open_ticket
from kehu.crm.service.models import Ticket

pytestmark = pytest.mark.django_db
high_ids = test_record_ids.high_ids  # every table's next id above 10,000 (a fixture)

SPEND_DROP = {
    "kind": "spend_drop",
    "severity": 0.81,
    "reason": "spent 9 in the last 90 days against 50 expected",
    "values": json.dumps({"recent": 9.4, "expected": 50.0, "drop": 0.81}),
    "order_id": None,
    "occurred_at": None,
}
LONG_GAP = {
    "kind": "long_gap",
    "severity": 0.995,
    "reason": "no order for 120 days",
    "values": json.dumps({"gap": 120, "rhythm": 20, "chance": 0.005}),
    "order_id": None,
    "occurred_at": None,
}


@pytest.fixture
def scored(db: None) -> Callable[..., None]:
    """``scored({customer: (before, after)}, flags={customer: [...]})``: two finished
    runs with each customer's scores before and after (dicts of score fields; ``None``
    before: not scored then), the current scores the second's, and the second run's
    deviation flags, as the write-back leaves them."""

    def _make(
        rows: dict[Any, tuple[dict[str, Any] | None, dict[str, Any]]],
        flags: dict[Any, list[dict[str, Any]]] | None = None,
    ) -> None:
        finished = timezone.now() - timedelta(hours=1)
        first, second = (
            ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=finished)
            for _ in range(2)
        )
        values, scores = [], []
        for customer, (before, after) in rows.items():
            if before is not None:
                values.append(CustomerValue(run=first, customer=customer, **before))
            values.append(CustomerValue(run=second, customer=customer, **after))
            scores.append(CustomerScore(run=second, customer=customer, **after))
        CustomerValue.objects.bulk_create(values)
        CustomerScore.objects.bulk_create(scores)
        CustomerInsight.objects.bulk_create(
            CustomerInsight(run=second, customer=c, flags=f) for c, f in (flags or {}).items()
        )

    return _make


def _s(clv: float, risk: float, tier: str = "Iron", n_flags: int = 0) -> dict[str, Any]:
    return {"predicted_clv": clv, "churn_risk": risk, "tier": tier, "p_alive": 1 - risk,
            "n_flags": n_flags}  # fmt: skip


@pytest.fixture
def sally(make_user: Callable[..., Any]) -> Any:
    return make_user("sales", username="sally")


def test_customers_are_ranked_by_clv_times_churn_risk(sally, make_customer, scored):
    a, b, c, calm = (make_customer(n, owner=sally) for n in ("A Co", "B Co", "C Co", "Calm Co"))
    scored(
        {
            a: (_s(1000, 0.20), _s(1000, 0.30)),  # 300 at stake
            b: (_s(400, 0.10), _s(400, 0.90)),  # 360
            c: (_s(5000, 0.02), _s(5000, 0.08)),  # 400
            calm: (_s(9000, 0.50), _s(9000, 0.52)),  # rose less than 5 points: no reason
        }
    )

    items = worklist_for(sally)

    assert [i.customer for i in items] == [c, b, a]
    assert [round(i.value) for i in items] == [400, 360, 300]
    assert worklist_for(sally, limit=2) == items[:2]


def test_a_risen_churn_risk_is_said_in_words_with_clv(sally, make_customer, scored, client_for):
    customer = make_customer("Rising Co", owner=sally)
    scored({customer: (_s(1240, 0.22, "Gold"), _s(1240, 0.61, "Gold"))})

    (item,) = worklist_for(sally)
    assert item.reason.kind == "churn_rose"
    assert item.reason.text == "Churn risk rose from 22% to 61%"
    html = client_for(sally).get(reverse("home")).content.decode()
    assert "Churn risk rose from 22% to 61%" in html
    assert "CLV 1,240 · churn risk 61%" in html
    assert customer.get_absolute_url() in html


def test_a_deviation_flag_gives_its_reason_the_most_severe_first(sally, make_customer, scored):
    customer = make_customer("Flagged Co", owner=sally)
    steady = _s(800, 0.40, n_flags=2)
    scored({customer: (steady, steady)}, flags={customer: [SPEND_DROP, LONG_GAP]})

    (item,) = worklist_for(sally)
    assert item.reason.kind == "flag"
    assert item.reason.text.startswith("Long gap: no order for 120 days against an order every")
    assert [r.text for r in item.more] == [
        "Spend drop: spent 9 in the last 90 days against 50 expected from their own history (−81%)"
    ]
    assert round(item.value) == 320


def test_an_open_complaint_counts_for_top_tier_customers_only(sally, make_customer, scored):
    gold, iron, settled = (make_customer(n, owner=sally) for n in ("Gold Co", "Iron Co", "Done Co"))
    steady_gold, steady_iron = _s(2000, 0.3, "Gold"), _s(2000, 0.3, "Iron")
    scored(
        {
            gold: (steady_gold, steady_gold),
            iron: (steady_iron, steady_iron),
            settled: (steady_gold, steady_gold),
        }
    )
    open_ticket(gold, subject="Inquiry only")  # not a complaint
    ticket = open_ticket(gold, subject="Broken lid", type="complaint")
    open_ticket(iron, subject="Cold tea", type="complaint")
    change_status(open_ticket(settled, subject="Late", type="complaint"), "resolved")

    (item,) = worklist_for(sally)
    assert item.customer == gold
    assert item.ticket == ticket
    assert item.reason.text == f"Open complaint {ticket.number} from a Gold customer: Broken lid"


def test_one_item_per_customer_with_the_other_reasons_under_it(
    sally, make_customer, scored, client_for
):
    customer = make_customer("Everything Co", owner=sally)
    scored(
        {customer: (_s(3000, 0.2, "Platinum"), _s(3000, 0.7, "Platinum", n_flags=1))},
        flags={customer: [SPEND_DROP]},
    )
    ticket = open_ticket(customer, subject="Wrong colour", type="complaint")

    (item,) = worklist_for(sally)
    assert item.reason.kind == "complaint"
    assert [r.kind for r in item.more] == ["churn_rose", "flag"]
    html = client_for(sally).get(reverse("home")).content.decode()
    assert html.count('class="work-item"') == 1
    assert ticket.get_absolute_url() in html


def test_a_sales_user_gets_only_their_own_customers(make_user, make_customer, scored):
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    boss = make_user("admin", username="boss")
    hers = make_customer("Hers Co", owner=sally)
    his = make_customer("His Co", owner=steve)
    nobodys = make_customer("Nobody's Co")
    rising = (_s(1000, 0.1), _s(1000, 0.6))
    scored({hers: rising, his: rising, nobodys: rising})

    assert [i.customer for i in worklist_for(sally)] == [hers]
    assert [i.customer for i in worklist_for(steve)] == [his]
    # an administrator sees every customer: their own and nobody's are their work
    assert [i.customer for i in worklist_for(boss)] == [nobodys]


def test_plan_a_call_creates_one_call_for_tomorrow(sally, make_customer, scored, client_for):
    customer = make_customer("Rising Co", owner=sally)
    scored({customer: (_s(1240, 0.22), _s(1240, 0.61))})
    client = client_for(sally)
    url = reverse("worklist_call", args=[customer.pk])
    assert 'hx-post="' + url + '"' in client.get(reverse("home")).content.decode()

    first = client.post(url, headers={"HX-Request": "true"})
    second = client.post(url, headers={"HX-Request": "true"})

    (call,) = Activity.objects.filter(customer=customer)
    assert (call.owner, call.kind) == (sally, Activity.Kind.CALL)
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert call.due_at == timezone.make_aware(datetime.combine(tomorrow, time(9)))
    assert "Churn risk rose from 22% to 61%" in call.subject
    assert "Churn risk rose from 22% to 61%" in call.notes
    assert "CLV 1,240, churn risk 61%, value at stake 756" in call.notes
    for response in (first, second):
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith(f'<li id="work-{customer.pk}"')  # the item, redrawn
        assert "Call planned for" in html and "<html" not in html
    # planned: the customer leaves the list until the next run finds them again
    assert worklist_for(sally) == []
    assert client.get(reverse("home")).context["worklist_empty"] == "all_done"


def test_plan_a_call_without_htmx_returns_home(sally, make_customer, scored, client_for):
    customer = make_customer("Rising Co", owner=sally)
    scored({customer: (_s(100, 0.2), _s(100, 0.9))})
    response = client_for(sally).post(reverse("worklist_call", args=[customer.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert Activity.objects.filter(customer=customer, owner=sally).count() == 1


def test_plan_a_call_refuses_what_is_not_on_the_users_worklist(
    make_user, make_customer, scored, client_for
):
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    his = make_customer("His Co", owner=steve)
    quiet = make_customer("Quiet Co", owner=sally)
    scored({his: (_s(100, 0.2), _s(100, 0.9)), quiet: (_s(100, 0.2), _s(100, 0.2))})
    client = client_for(sally)
    assert client.post(reverse("worklist_call", args=[his.pk])).status_code == 404
    # her own customer with nothing to do now (the page was older than the run): said so
    quiet_url = reverse("worklist_call", args=[quiet.pk])
    answer = client.post(quiet_url, headers={"HX-Request": "true"}).content.decode()
    assert "Quiet Co is no longer on your worklist: nothing was planned." in answer
    assert answer.startswith(f'<li id="work-{quiet.pk}"')
    page = client.post(quiet_url, follow=True).content.decode()
    assert "Quiet Co is no longer on your worklist: nothing was planned." in page
    assert client.post(reverse("worklist_call", args=[999999])).status_code == 404
    assert client.get(reverse("worklist_call", args=[his.pk])).status_code == 405
    analyst = client_for(make_user("analyst"))  # may not add activities
    assert analyst.post(reverse("worklist_call", args=[his.pk])).status_code == 403
    assert not Activity.objects.exists()


def _queries(user: Any, n_items: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        items = worklist_for(user, limit=200)
    assert len(items) == n_items
    return len(captured.captured_queries)


def test_the_worklist_takes_the_same_queries_for_10_or_100_customers(sally, make_customer, scored):
    def world(n: int) -> None:
        customers = [make_customer(f"Co {n}-{i}", owner=sally) for i in range(n)]
        rows = {
            c: (_s(100 + i, 0.1, "Gold"), _s(100 + i, 0.5, "Gold", n_flags=1))
            for i, c in enumerate(customers)
        }
        scored(rows, flags={c: [SPEND_DROP] for c in customers})
        for c in customers[::3]:
            open_ticket(c, subject="Complaint", type="complaint")
        for c in customers[::2]:
            ResponseScore.objects.create(
                customer=c, propensity=0.1, uplift=0.02, scored_at=timezone.now()
            )

    world(10)
    worklist_for(sally)  # the user's permissions, cached on the user after the first look
    small = _queries(sally, 10)
    world(100)
    assert _queries(sally, 110) == small == 3


def test_the_worklist_speaks_chinese(make_user, make_customer, scored, client_for):
    li = make_user("sales", username="li", language="zh-hans")
    customer = make_customer("华东贸易", owner=li)
    scored({customer: (_s(1240, 0.22, "Gold"), _s(1240, 0.61, "Gold"))})
    html = client_for(li).get(reverse("home")).content.decode()
    assert "我的待办工作" in html
    assert "流失风险从 22% 升至 61%" in html
    assert "客户终身价值 1,240 · 流失风险 61%" in html
    assert "安排电话" in html


def test_the_empty_worklist_says_why(make_user, make_customer, scored, client_for):
    sally = make_user("sales", username="sally")
    client = client_for(sally)
    assert client.get(reverse("home")).context["worklist_empty"] == "no_analysis"
    other = make_customer("Someone Else's", owner=make_user("sales"))
    scored({other: (_s(100, 0.1), _s(100, 0.9))})
    html = client.get(reverse("home")).content.decode()
    assert "You own no scored customers yet" in html
    mine = make_customer("Mine", owner=sally)
    ValueRun.objects.all().delete()
    scored({mine: (_s(100, 0.5), _s(100, 0.5))})
    html = client.get(reverse("home")).content.decode()
    assert "Nothing needs you this morning" in html


def test_a_ticket_about_to_breach_its_service_level_is_the_most_urgent_reason(
    sally, make_customer, scored
):
    at_risk, late, on_track, done = (
        make_customer(n, owner=sally) for n in ("Risky Co", "Late Co", "Fine Co", "Done Co")
    )
    steady = _s(1000, 0.4, "Gold", n_flags=1)
    scored({c: (steady, steady) for c in (at_risk, late, on_track, done)}, flags={late: [LONG_GAP]})
    now = timezone.now()
    hour = timedelta(hours=1)
    risky = open_ticket(at_risk, subject="Printer jams")
    Ticket.objects.filter(pk=risky.pk).update(
        first_response_risk_at=now - hour, first_response_due=now + hour
    )
    overdue = open_ticket(late, subject="No invoice")
    Ticket.objects.filter(pk=overdue.pk).update(
        first_response_at=now - 5 * hour, resolution_risk_at=now - 3 * hour,
        resolution_due=now - hour,
    )  # fmt: skip
    fine = open_ticket(on_track, subject="Question")
    Ticket.objects.filter(pk=fine.pk).update(
        first_response_risk_at=now + hour, first_response_due=now + 2 * hour
    )
    closed = open_ticket(done, subject="Solved")
    change_status(closed, "resolved")
    Ticket.objects.filter(pk=closed.pk).update(resolution_due=now - hour)

    items = {i.customer: i for i in worklist_for(sally)}

    assert set(items) == {at_risk, late}
    assert items[at_risk].reason.kind == "sla"
    assert items[at_risk].reason.text.startswith(
        f"SLA at risk on {risky.number}: first response due "
    )
    assert items[at_risk].reason.text.endswith("(Printer jams)")
    assert items[at_risk].ticket == risky
    assert items[late].reason.text.startswith(
        f"SLA breached on {overdue.number}: resolution was due "
    )
    assert [r.kind for r in items[late].more] == ["flag"]


def test_after_the_first_run_only_flags_and_tickets_count(sally, make_customer):
    flagged, risky = make_customer("Flagged Co", owner=sally), make_customer("Risky", owner=sally)
    run = ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=timezone.now())
    for customer, n_flags in ((flagged, 1), (risky, 0)):
        CustomerScore.objects.create(run=run, customer=customer, **_s(500, 0.9, n_flags=n_flags))
    CustomerInsight.objects.create(run=run, customer=flagged, flags=[SPEND_DROP])

    assert [(i.customer, i.reason.kind) for i in worklist_for(sally)] == [(flagged, "flag")]


def test_a_predicted_uplift_is_a_hint_under_the_reasons_never_alone(sally, make_customer, scored):
    rising, keen = make_customer("Rising Co", owner=sally), make_customer("Keen Co", owner=sally)
    steady = _s(900, 0.3)
    scored({rising: (_s(900, 0.1), _s(900, 0.3)), keen: (steady, steady)})
    for customer in (rising, keen):
        ResponseScore.objects.create(
            customer=customer, propensity=0.2, uplift=0.034, scored_at=timezone.now()
        )

    (item,) = worklist_for(sally)

    assert item.customer == rising and item.reason.kind == "churn_rose"
    assert [r.text for r in item.more] == [
        "Likely to respond to an offer: a campaign raises their chance to order by 3.4 "
        "points (predicted from the campaigns so far)"
    ]


def test_ids_in_the_worklist_are_not_grouped(high_ids, sally, make_customer, scored, client_for):
    customer = make_customer("Rising Co", owner=sally)
    assert customer.pk >= 10_000
    scored({customer: (_s(100, 0.2), _s(100, 0.9))})
    client = client_for(sally)

    home = client.get(reverse("home")).content.decode()
    answer = client.post(
        reverse("worklist_call", args=[customer.pk]), headers={"HX-Request": "true"}
    )

    assert f'hx-target="#work-{customer.pk}"' in home
    assert test_record_ids.grouped_machine_values(home) == []
    assert answer.content.decode().startswith(f'<li id="work-{customer.pk}"')
