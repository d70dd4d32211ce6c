from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kehu.crm.sales.models import Opportunity
from kehu.crm.sales.queries import BOARD_CARDS_PER_COLUMN

pytestmark = pytest.mark.django_db


def column(response, stage):
    return next(c for c in response.context["columns"] if c.stage == stage)


def test_sales_user_sees_and_moves_only_opportunities_of_owned_customers(
    make_user, make_customer, make_opportunity, client_for
):
    sally, steve = make_user("sales"), make_user("sales")
    mine = make_opportunity(make_customer("Mine Co", owner=sally), name="Mine")
    theirs = make_opportunity(make_customer("Theirs Co", owner=steve), name="Theirs")
    c = client_for(sally)

    listed = c.get(reverse("sales:opportunity_list")).context["page"].object_list
    assert [o.name for o in listed] == ["Mine"]
    board = c.get(reverse("sales:opportunity_board"))
    assert [o.name for o in column(board, "qualification").cards] == ["Mine"]
    for name in ("opportunity_detail", "opportunity_edit"):
        assert c.get(reverse(f"sales:{name}", args=[theirs.pk])).status_code == 404
    move = c.post(reverse("sales:opportunity_move", args=[theirs.pk]), {"stage": "won"})
    assert move.status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == "qualification" and mine.stage == "qualification"


def test_opportunity_list_query_count_does_not_grow_with_rows(
    admin_user, make_customer, make_opportunity, client_for, django_assert_max_num_queries
):
    customer = make_customer()
    for i in range(30):
        make_opportunity(customer, name=f"Deal {i}", owner=admin_user, amount=Decimal(i))
    c = client_for(admin_user)
    with django_assert_max_num_queries(10):
        response = c.get(reverse("sales:opportunity_list"))
    assert len(response.context["page"].object_list) == 25


def test_list_shows_weighted_pipeline_of_open_opportunities(
    admin_user, make_customer, make_opportunity, client_for
):
    customer = make_customer()
    make_opportunity(customer, name="A", amount=Decimal("1000"), stage="proposal")  # 50 %
    make_opportunity(customer, name="B", amount=Decimal("200"), stage="qualification")  # 10 %
    make_opportunity(customer, name="C", amount=Decimal("999"), stage="won")
    response = client_for(admin_user).get(reverse("sales:opportunity_list"), {"state": "open"})
    assert sorted(o.name for o in response.context["page"].object_list) == ["A", "B"]
    totals = response.context["totals"]
    assert totals["n"] == 2
    assert totals["total"] == Decimal("1200")
    assert totals["weighted"] == Decimal("520")
    assert b"520.00" in response.content


def test_board_caps_cards_and_aggregates_in_constant_queries(
    admin_user, make_customer, make_opportunity, client_for, django_assert_max_num_queries
):
    customer = make_customer()
    n = BOARD_CARDS_PER_COLUMN + 5
    for i in range(n):
        make_opportunity(customer, name=f"Lead {i}", amount=Decimal("10"), stage="qualification")
    make_opportunity(customer, name="Big", amount=Decimal("100"), stage="negotiation")
    c = client_for(admin_user)

    with django_assert_max_num_queries(16):
        response = c.get(reverse("sales:opportunity_board"))

    qualification = column(response, "qualification")
    assert qualification.n == n and len(qualification.cards) == BOARD_CARDS_PER_COLUMN
    assert qualification.n_more == 5 and qualification.amount == Decimal(10 * n)
    assert column(response, "negotiation").weighted == Decimal("75")
    assert [c.stage for c in response.context["columns"]] == list(Opportunity.Stage.values)
    assert b"+5 more" in response.content
    assert reverse("sales:opportunity_list").encode() + b"?stage=qualification" in response.content


def test_move_from_board_with_htmx_returns_the_updated_board(
    sales_user, make_customer, make_opportunity, client_for
):
    opportunity = make_opportunity(make_customer(owner=sales_user), amount=Decimal("100"))
    response = client_for(sales_user).post(
        reverse("sales:opportunity_move", args=[opportunity.pk]),
        {"stage": "proposal"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "sales/partials/board.html"
    assert [o.pk for o in column(response, "proposal").cards] == [opportunity.pk]
    opportunity.refresh_from_db()
    assert opportunity.stage == "proposal" and opportunity.probability == 50


def test_move_without_javascript_redirects_back(
    admin_user, make_customer, make_opportunity, client_for
):
    opportunity = make_opportunity(make_customer())
    c = client_for(admin_user)
    url = reverse("sales:opportunity_move", args=[opportunity.pk])
    back = reverse("sales:opportunity_board") + "?mine=1"
    response = c.post(url, {"stage": "won", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    opportunity.refresh_from_db()
    assert opportunity.stage == "won" and opportunity.closed_at is not None

    elsewhere = c.post(url, {"stage": "lost", "next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("sales:opportunity_board")
    assert c.post(url, {"stage": "nonsense"}).status_code == 400
    assert c.get(url).status_code == 405


def test_analyst_may_look_but_not_create_or_move(
    analyst_user, make_customer, make_opportunity, client_for
):
    opportunity = make_opportunity(make_customer())
    c = client_for(analyst_user)
    assert c.get(reverse("sales:opportunity_board")).status_code == 200
    assert c.get(reverse("sales:opportunity_detail", args=[opportunity.pk])).status_code == 200
    assert c.get(reverse("sales:opportunity_create")).status_code == 403
    assert c.get(reverse("sales:opportunity_edit", args=[opportunity.pk])).status_code == 403
    move = c.post(reverse("sales:opportunity_move", args=[opportunity.pk]), {"stage": "won"})
    assert move.status_code == 403


def test_create_opportunity_for_preselected_customer_takes_stage_probability(
    sales_user, make_customer, client_for
):
    customer = make_customer(owner=sales_user)
    c = client_for(sales_user)
    form = c.get(reverse("sales:opportunity_create"), {"customer": customer.pk}).context["form"]
    assert str(form["customer"].value()) == str(customer.pk)
    assert "owner" not in form.fields

    response = c.post(
        reverse("sales:opportunity_create"),
        {
            "name": "Tea for the canteen",
            "customer": customer.pk,
            "stage": "negotiation",
            "probability": "",
            "amount": "12000",
            "expected_close_date": "2026-06-30",
        },
    )
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302 and response["Location"] == opportunity.get_absolute_url()
    assert opportunity.owner == sales_user and opportunity.probability == 75


def test_edit_records_history_and_stage_change_resets_untouched_probability(
    admin_user, make_customer, make_opportunity, client_for
):
    customer = make_customer()
    opportunity = make_opportunity(customer, name="Old", amount=Decimal("10"))
    c = client_for(admin_user)
    data = {
        "name": "New",
        "customer": customer.pk,
        "stage": "proposal",
        "probability": "10",
        "amount": "10",
    }
    response = c.post(reverse("sales:opportunity_edit", args=[opportunity.pk]), data)
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.name == "New" and opportunity.probability == 50

    page = c.get(reverse("sales:opportunity_detail", args=[opportunity.pk]))
    change = page.context["history"][0]
    assert change.by == "boss"
    assert ("name", "Old", "New") in change.fields
    assert ("stage", "Qualification", "Proposal") in change.fields


def test_lost_needs_a_reason_and_contact_must_belong_to_customer(
    admin_user, make_customer, make_opportunity, client_for
):
    from kehu.crm.customers.actions import add_contact

    acme, zeta = make_customer("Acme"), make_customer("Zeta")
    stranger = add_contact(zeta, name="Wang Fang")
    opportunity = make_opportunity(acme)
    response = client_for(admin_user).post(
        reverse("sales:opportunity_edit", args=[opportunity.pk]),
        {
            "name": "Deal",
            "customer": acme.pk,
            "stage": "lost",
            "amount": "1",
            "contact": stranger.pk,
        },
    )
    assert response.status_code == 200
    assert {"lost_reason", "contact"} <= set(response.context["form"].errors)
    opportunity.refresh_from_db()
    assert opportunity.stage == "qualification"


def test_opportunity_export_has_every_filtered_row(
    admin_user, make_customer, make_opportunity, client_for
):
    customer = make_customer()
    for i in range(12):
        make_opportunity(customer, name=f"Deal {i}", stage="won" if i % 4 == 0 else "proposal")
    response = client_for(admin_user).get(reverse("sales:opportunity_export"), {"stage": "won"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("id,name,customer_code,customer,stage,probability,amount")
    assert len(lines) == 1 + 3
