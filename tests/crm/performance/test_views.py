"""The performance pages: who may open whose figures, the team table and its CSV, the
target form on the team page and the team management of administrators."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from kehu.crm.accounts.actions import create_team, set_team
from kehu.crm.accounts.models import Team, UserProfile
from kehu.crm.sales.actions import create_order, set_sales_target
from kehu.crm.sales.models import SalesTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(make_user, make_customer, make_product) -> dict[str, Any]:
    """Mia manages North (Sally and Steve); Otto manages South (Olga); Boss is an
    administrator; Sam is in no team. Sally sold 300 and Steve 100 this month."""
    people = {
        name: make_user(role, username=name)
        for name, role in [
            ("mia", "sales"),
            ("sally", "sales"),
            ("steve", "sales"),
            ("otto", "sales"),
            ("olga", "sales"),
            ("sam", "service"),
            ("boss", "admin"),
        ]
    }
    north = create_team("North", manager=people["mia"])
    south = create_team("South", manager=people["otto"])
    for name in ("sally", "steve"):
        set_team(people[name], north)
    set_team(people["olga"], south)
    product = make_product(price="100.00")
    customer = make_customer("Acme")
    for name, quantity in (("sally", 3), ("steve", 1)):
        create_order(customer, [{"product": product, "quantity": quantity}], owner=people[name])
    return people | {"north": north, "south": south}


def _page(client, name: str, *args: Any, **query: str):
    return client.get(reverse(f"performance:{name}", args=args), query)


@pytest.mark.parametrize(
    ("viewer", "person", "status"),
    [
        ("sally", "sally", 200),  # their own
        ("sally", "steve", 403),  # a colleague's
        ("mia", "sally", 200),  # a member of the team they manage
        ("mia", "olga", 403),  # another team's member
        ("otto", "sally", 403),
        ("sam", "sally", 403),
        ("boss", "olga", 200),  # an administrator sees everyone
        ("boss", "sam", 200),
    ],
)
def test_who_may_open_whose_page(north, client_for, viewer, person, status) -> None:
    response = _page(client_for(north[viewer]), "person", north[person].pk)
    assert response.status_code == status


def test_a_team_page_is_for_its_manager_and_administrators(north, client_for) -> None:
    team = north["north"].pk
    assert _page(client_for(north["mia"]), "team", team).status_code == 200
    assert _page(client_for(north["boss"]), "team", team).status_code == 200
    for outsider in ("sally", "otto", "sam"):
        assert _page(client_for(north[outsider]), "team", team).status_code == 403


def test_the_overview_shows_the_people_one_may_see_with_their_total(north, client_for) -> None:
    body = _page(client_for(north["mia"]), "overview").content.decode()
    assert 'data-person="sally"' in body and 'data-person="steve"' in body
    assert 'data-person="olga"' not in body
    assert ">400.00<" in body  # the total revenue (300 + 100)
    alone = _page(client_for(north["sally"]), "overview").content.decode()
    assert 'data-person="sally"' in alone and 'data-person="steve"' not in alone
    # another manager's team cannot be asked for
    assert (
        _page(client_for(north["mia"]), "overview", team=str(north["south"].pk)).status_code == 404
    )


def test_the_table_sorts_by_a_column(north, client_for) -> None:
    body = _page(client_for(north["mia"]), "overview", sort="-revenue").content.decode()
    assert body.index('data-person="sally"') < body.index('data-person="steve"')
    body = _page(client_for(north["mia"]), "overview", sort="revenue").content.decode()
    assert body.index('data-person="steve"') < body.index('data-person="sally"')


def test_the_csv_export_has_every_row_and_the_total(north, client_for) -> None:
    response = _page(client_for(north["mia"]), "export", team=str(north["north"].pk))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"sally", "steve", "Total"}
    assert by_name["sally"]["Revenue"] == "300.00"
    assert by_name["Total"]["Revenue"] == "400.00"
    month = date.today().replace(day=1).isoformat()
    assert f'filename="performance-{month}-' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "query",
    [
        {"period": "fortnight"},
        {"period": "custom"},
        {"period": "custom", "start": "2026-02-01", "end": "2026-01-01"},
        {"period": "custom", "start": "2026-02-30", "end": "2026-03-01"},
        {"sort": "salary"},
    ],
)
def test_a_period_it_cannot_use_is_a_400_that_says_why(north, client_for, query) -> None:
    response = _page(client_for(north["sally"]), "overview", **query)
    assert response.status_code == 400
    assert b"must be" in response.content or "必须".encode() in response.content


def test_a_custom_range(north, client_for) -> None:
    today = date.today().isoformat()
    body = _page(
        client_for(north["sally"]), "overview", period="custom", start=today, end=today
    ).content.decode()
    assert ">300.00<" in body


def _set_target(client, team: Team, **fields: str):
    return client.post(reverse("performance:set_target", args=[team.pk]), fields)


def test_a_manager_sets_a_target_and_sees_attainment(north, client_for) -> None:
    mia = client_for(north["mia"])
    today = date.today()
    start = today.replace(day=1)
    end = date(today.year + (today.month == 12), today.month % 12 + 1, 1).replace(day=1)
    from datetime import timedelta

    end -= timedelta(days=1)
    response = _set_target(
        mia,
        north["north"],
        user=str(north["sally"].pk),
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        amount="600",
    )
    assert response.status_code == 302
    target = SalesTarget.objects.get()
    assert (target.user, target.set_by, target.amount) == (
        north["sally"],
        north["mia"],
        Decimal("600.00"),
    )
    body = _page(mia, "person", north["sally"].pk).content.decode()
    assert 'id="figure-attainment">50%<' in body  # 300 of 600


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"amount": "0"}, "amount", "positive"),
        ({"amount": "-5"}, "amount", "positive"),
        ({"period_end": "2026-01-01"}, "period_end", "end after"),
    ],
)
def test_the_target_form_says_what_to_fix(north, client_for, fields, field, words) -> None:
    data = {
        "user": str(north["sally"].pk),
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "amount": "100",
    } | fields
    response = _set_target(client_for(north["mia"]), north["north"], **data)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-field="{field}"' in body and words in body
    assert not SalesTarget.objects.exists()


def test_the_target_form_refuses_an_overlapping_period(north, client_for) -> None:
    set_sales_target(
        user=north["sally"],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        amount=Decimal("900"),
    )
    data = {"user": str(north["sally"].pk), "period_start": "2026-02-01"}
    response = _set_target(
        client_for(north["mia"]), north["north"], period_end="2026-02-28", amount="1", **data
    )
    assert response.status_code == 400
    assert "overlap" in response.content.decode()
    assert SalesTarget.objects.count() == 1


def test_targets_only_for_the_managers_own_team(north, client_for) -> None:
    data = {"period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "100"}
    # Otto is not North's manager; Sally cannot set her own target
    for who in ("otto", "sally"):
        response = _set_target(
            client_for(north[who]), north["north"], user=str(north["sally"].pk), **data
        )
        assert response.status_code == 403
    # Olga is not in North: the form does not offer her
    response = _set_target(
        client_for(north["mia"]), north["north"], user=str(north["olga"].pk), **data
    )
    assert response.status_code == 400
    assert not SalesTarget.objects.exists()


def test_an_administrator_manages_teams(north, client_for) -> None:
    boss = client_for(north["boss"])
    response = boss.post(
        reverse("performance:team_list"), {"name": "East", "manager": str(north["otto"].pk)}
    )
    east = Team.objects.get(name="East")
    assert response.status_code == 302 and east.manager == north["otto"]
    boss.post(reverse("performance:add_member", args=[east.pk]), {"user": str(north["sam"].pk)})
    assert UserProfile.objects.get(user=north["sam"]).team == east
    boss.post(reverse("performance:remove_member", args=[east.pk, north["sam"].pk]))
    assert UserProfile.objects.get(user=north["sam"]).team is None
    boss.post(reverse("performance:edit_team", args=[east.pk]), {"name": "Far East", "manager": ""})
    east.refresh_from_db()
    assert (east.name, east.manager) == ("Far East", None)
    duplicate = boss.post(reverse("performance:team_list"), {"name": "North"})
    assert duplicate.status_code == 200 and b"errorlist" in duplicate.content


def test_only_administrators_change_teams(north, client_for) -> None:
    mia = client_for(north["mia"])
    team = north["north"]
    assert mia.post(reverse("performance:team_list"), {"name": "Mine"}).status_code == 403
    assert (
        mia.post(
            reverse("performance:add_member", args=[team.pk]), {"user": str(north["sam"].pk)}
        ).status_code
        == 403
    )
    assert mia.post(reverse("performance:delete_team", args=[team.pk])).status_code == 403
    assert Team.objects.count() == 2


def test_the_pages_take_a_fixed_number_of_queries(north, client_for, make_user) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    boss = client_for(north["boss"])
    with CaptureQueriesContext(connection) as before:
        _page(boss, "overview")
    for n in range(6):
        set_team(make_user("sales", username=f"new{n}"), north["north"])
    with CaptureQueriesContext(connection) as after:
        _page(boss, "overview")
    assert len(after) == len(before)


def test_a_manager_in_their_own_team_does_not_set_their_own_target(north, client_for) -> None:
    set_team(north["mia"], north["north"])
    data = {"period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "100"}
    mine = _set_target(client_for(north["mia"]), north["north"], user=str(north["mia"].pk), **data)
    assert mine.status_code == 400 and not SalesTarget.objects.exists()
    boss = client_for(north["boss"])
    assert _set_target(boss, north["north"], user=str(north["mia"].pk), **data).status_code == 302


def test_record_ids_in_links_have_no_thousands_separator(make_user, client_for) -> None:
    from tests.ids import start_ids_at

    start_ids_at(12_345)
    mia = make_user("sales", username="mia")
    team = create_team("North", manager=mia)
    set_team(make_user("sales", username="sally"), team)
    overview = _page(client_for(mia), "overview").content.decode()
    assert f"team={team.pk}" in overview and f"/people/{mia.pk}/" in overview
    page = _page(client_for(mia), "team", team.pk, period="year").content.decode()
    assert f"team={team.pk}" in page and "12,3" not in page
