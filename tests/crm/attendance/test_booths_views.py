"""The booths page: the floor, adding, booking and assigning booths, revenue totals."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from kehu.crm.attendance import actions


def test_booths_are_added_booked_assigned_and_counted(event, make_user, client_for):
    client = client_for(make_user("marketing"))
    url = reverse("events:booths", args=[event.pk])
    client.post(url, {"code": "A-01", "hall": "Hall 1", "size_m2": "18", "price": "9000"})
    client.post(url, {"code": "A-02", "hall": "Hall 1", "size_m2": "9", "price": "4500"})
    a01, a02 = event.booths.order_by("code")
    jade = actions.add_participant(event, name="Jade Imports", kind="exhibitor")
    action = reverse("events:booth_action", args=[event.pk, a01.pk])
    response = client.post(action, {"do": "assign", "exhibitor": jade.pk}, follow=True)
    assert "Book booth A-01 before assigning it." in response.content.decode()
    client.post(action, {"do": "book"})
    response = client.post(action, {"do": "assign", "exhibitor": jade.pk}, follow=True)
    assert "Booth A-01 assigned to Jade Imports." in response.content.decode()
    a01.refresh_from_db()
    assert (a01.status, a01.exhibitor) == ("assigned", jade)
    totals = client.get(url).context["totals"]
    assert (totals.n, totals.n_available, totals.revenue, totals.potential) == (
        2,
        1,
        Decimal(9000),
        Decimal(13500),
    )
    assert totals.booked_area_m2 == Decimal(18)


def test_a_booth_code_twice_is_refused_on_the_form(event, make_user, client_for):
    actions.create_booth(event, code="A-01", size_m2=Decimal(9))
    client = client_for(make_user("marketing"))
    response = client.post(
        reverse("events:booths", args=[event.pk]), {"code": "A-01", "size_m2": "9", "price": "1"}
    )
    assert response.status_code == 422
    assert "already has a booth with this code" in response.content.decode()


def test_a_visitor_cannot_get_a_booth(event, make_user, client_for):
    booth = actions.book_booth(actions.create_booth(event, code="B-1", size_m2=Decimal(9)))
    visitor = actions.add_participant(event, name="Wang", kind="general")
    response = client_for(make_user("marketing")).post(
        reverse("events:booth_action", args=[event.pk, booth.pk]),
        {"do": "assign", "exhibitor": visitor.pk},
        follow=True,
    )
    assert "Choose an exhibitor of this event." in response.content.decode()
    booth.refresh_from_db()
    assert booth.exhibitor is None


def test_sales_see_the_floor_but_do_not_change_it(event, make_user, client_for):
    booth = actions.create_booth(event, code="B-1", size_m2=Decimal(9))
    client = client_for(make_user("sales"))
    assert client.get(reverse("events:booths", args=[event.pk])).status_code == 200
    response = client.post(
        reverse("events:booth_action", args=[event.pk, booth.pk]), {"do": "book"}
    )
    assert response.status_code == 403
    response = client.post(reverse("events:booths", args=[event.pk]), {"code": "X", "size_m2": "1"})
    assert response.status_code == 403
