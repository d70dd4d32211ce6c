"""Service levels on the pages: badges and the SLA filter on the ticket list, the panel
of the ticket page, the attainment page (/service/sla/) in both languages, and the
policies and calendar edited in the admin reaching the open tickets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.service.actions import add_comment, change_status, open_ticket
from kehu.crm.service.models import BusinessCalendar, SlaPolicy, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sla_defaults")]

LIST = reverse("service:ticket_list")
SLA = reverse("service:sla_dashboard")


@pytest.fixture
def round_the_clock():
    """Every hour of every day is working time, so that targets are plain hours."""
    BusinessCalendar.objects.update(
        saturday=True, sunday=True, start_hour=0, end_hour=24, time_zone="UTC"
    )


@pytest.fixture
def desk(round_the_clock, make_customer, service_user):
    """Any tier, normal priority (16 h to first response, 80 h to resolution): one
    breached ticket, one at risk, one on track, one answered in time and resolved late."""
    customer = make_customer("Hangzhou Tea House")
    now = timezone.now()

    def opened(subject, hours_ago, **fields):
        return open_ticket(
            customer, subject=subject, opened_at=now - timedelta(hours=hours_ago), **fields
        )

    tickets = {
        "late": opened("Late reply", 20),
        "soon": opened("Reply due soon", 13),
        "fresh": opened("Fresh question", 1),
        "done": opened("Answered", 100, assignee=service_user),
    }
    Ticket.objects.filter(pk=tickets["done"].pk).update(
        first_response_at=now - timedelta(hours=99),
        resolved_at=now - timedelta(hours=5),
        status=Ticket.Status.RESOLVED,
    )
    return tickets


def _subjects(response) -> set[str]:
    return {t.subject for t in response.context["page"].object_list}


def test_the_list_filters_breached_and_at_risk_tickets(desk, client_for, service_user):
    c = client_for(service_user)
    assert _subjects(c.get(LIST, {"sla": "breached"})) == {"Late reply"}
    assert _subjects(c.get(LIST, {"sla": "at_risk"})) == {"Reply due soon"}
    assert len(_subjects(c.get(LIST))) == 4


def test_a_bad_sla_filter_is_a_400_that_names_it(client_for, service_user):
    response = client_for(service_user).get(LIST, {"sla": "late"})
    assert response.status_code == 400
    assert "sla" in response.content.decode()


def test_list_rows_carry_the_badges(desk, client_for, service_user, django_assert_max_num_queries):
    c = client_for(service_user)
    page = c.get(LIST).content.decode()
    assert page.count('class="badge sla-breached"') == 1
    assert page.count('class="badge sla-at-risk"') == 1
    assert page.count('class="badge sla-missed"') == 1  # answered in time, resolved late
    assert reverse("service:sla_dashboard") in page
    # the badges read the stored times: the rows cost no more queries with more tickets
    with django_assert_max_num_queries(12) as before:
        c.get(LIST, HTTP_HX_REQUEST="true")
    for i in range(5):
        open_ticket(desk["late"].customer, subject=f"more {i}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        c.get(LIST, HTTP_HX_REQUEST="true")


def test_the_ticket_page_shows_due_times_and_working_time_left(desk, client_for, service_user):
    c = client_for(service_user)
    page = c.get(reverse("service:ticket_detail", args=[desk["soon"].pk])).content.decode()
    assert 'id="ticket-sla"' in page
    assert 'data-sla="first_response" data-state="at_risk"' in page
    assert "2 h 59 min working time left" in page or "3 h 0 min working time left" in page
    late = c.get(reverse("service:ticket_detail", args=[desk["late"].pk])).content.decode()
    assert 'data-sla="first_response" data-state="breached"' in late
    assert "working time late" in late


def test_a_reply_on_the_ticket_page_stops_the_first_response_clock(desk, client_for, service_user):
    c = client_for(service_user)
    url = reverse("service:ticket_comment", args=[desk["soon"].pk])
    page = c.post(
        url, {"message": "Looking at it", "to_customer": "on"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-sla="first_response" data-state="met"' in page


def test_the_attainment_page_counts_met_and_missed_by_tier_type_and_agent(
    desk, client_for, service_user
):
    response = client_for(service_user).get(SLA)
    assert response.status_code == 200
    figures = response.context["figures"]
    # decided: late (missed first response), done (met first response, missed resolution)
    assert (figures.total.n, figures.total.n_response, figures.total.n_response_met) == (4, 2, 1)
    assert (figures.total.n_resolution, figures.total.n_resolution_met) == (1, 0)
    (tier,) = figures.by_tier
    assert (tier.label, tier.n, tier.response_rate) == ("No tier", 4, 0.5)
    agents = {row.label: row for row in figures.by_agent}
    assert agents[service_user.username].n_response_met == 1
    assert agents["Unassigned"].n_response == 1
    assert response.context["now"] == {"breached": 1, "at_risk": 1}
    page = response.content.decode()
    assert 'id="sla-response-rate">50%' in page
    assert "Platinum" in page  # the policies in force


def test_the_attainment_period_is_checked(desk, client_for, service_user):
    c = client_for(service_user)
    assert c.get(SLA, {"days": "7"}).context["figures"].total.n == 4
    response = c.get(SLA, {"days": "12"})
    assert response.status_code == 400


def test_the_attainment_page_in_chinese(desk, make_user, client_for):
    user = make_user("service", language="zh-hans")
    page = client_for(user).get(SLA).content.decode()
    assert "服务级别" in page and "按客户等级" in page and "首次响应按时率" in page
    assert "By customer tier" not in page


def test_only_service_readers_see_the_attainment_page(client, make_user, client_for):
    assert client.get(SLA).status_code == 302
    nobody = make_user("sales")
    nobody.user_permissions.clear()
    from django.contrib.auth.models import Group

    nobody.groups.set(Group.objects.none())
    assert client_for(nobody).get(SLA).status_code == 403


def test_an_admin_edit_of_a_policy_reaches_open_tickets(desk, admin_user, client_for):
    policy = SlaPolicy.objects.get(tier="", priority="normal")
    url = reverse("admin:service_slapolicy_change", args=[policy.pk])
    response = client_for(admin_user).post(
        url,
        {"tier": "", "priority": "normal", "first_response_hours": "30", "resolution_hours": "80"},
    )
    assert response.status_code == 302
    fresh = Ticket.objects.get(pk=desk["fresh"].pk)
    assert fresh.first_response_due == fresh.opened_at + timedelta(hours=30)
    done = Ticket.objects.get(pk=desk["done"].pk)  # resolved: keeps its due times
    assert done.first_response_due == done.opened_at + timedelta(hours=16)


def test_an_admin_calendar_without_working_days_is_refused(round_the_clock, admin_user, client_for):
    calendar = BusinessCalendar.objects.get()
    url = reverse("admin:service_businesscalendar_change", args=[calendar.pk])
    response = client_for(admin_user).post(
        url, {"start_hour": "9", "end_hour": "8", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "end_hour" in errors or "__all__" in errors
    calendar.refresh_from_db()
    assert calendar.start_hour == 0


def test_a_late_reply_shows_as_missed_on_the_ticket_page(desk, client_for, service_user):
    add_comment(desk["late"], "Sorry for the wait", to_customer=True)
    change_status(desk["late"], "resolved")
    url = reverse("service:ticket_detail", args=[desk["late"].pk])
    page = client_for(service_user).get(url).content.decode()
    assert 'data-sla="first_response" data-state="missed"' in page
    assert 'data-sla="resolution" data-state="met"' in page


def test_the_ticket_page_in_chinese_names_the_tier(make_customer, make_user, client_for):
    from kehu.crm.intelligence.models import CustomerScore, ValueRun

    customer = make_customer("Lotus Tea")
    run = ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=timezone.now())
    CustomerScore.objects.create(run=run, customer=customer, tier="Platinum")
    ticket = open_ticket(customer, subject="Line down", priority="urgent")
    user = make_user("service", language="zh-hans")
    page = client_for(user).get(reverse("service:ticket_detail", args=[ticket.pk]))
    text = page.content.decode()
    assert "服务级别" in text and "铂金" in text and "首次响应到期" in text
    assert "Platinum" not in text


def test_the_csv_export_has_the_due_times_of_the_filtered_tickets(desk, client_for, service_user):
    response = client_for(service_user).get(reverse("service:ticket_export"), {"sla": "breached"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[-3:] == ["sla_tier", "first_response_due", "resolution_due"]
    assert len(lines) == 2 and "Late reply" in lines[1]
    due = Ticket.objects.get(pk=desk["late"].pk).first_response_due
    assert due.strftime("%Y-%m-%d %H:%M") in lines[1].replace("T", " ")


def test_an_admin_picks_a_policys_tier_from_the_analysis_tiers(admin_user, client_for):
    url = reverse("admin:service_slapolicy_add")
    c = client_for(admin_user)
    typed = c.post(
        url,
        {
            "tier": "platinum",
            "priority": "low",
            "first_response_hours": "1",
            "resolution_hours": "2",
        },
    )
    assert typed.status_code == 200
    assert "tier" in typed.context["adminform"].form.errors
    SlaPolicy.objects.filter(tier="Gold", priority="low").delete()
    ok = c.post(
        url,
        {
            "tier": "Gold",
            "priority": "low",
            "first_response_hours": "1.5",
            "resolution_hours": "20",
        },
    )
    assert ok.status_code == 302
    assert SlaPolicy.objects.get(tier="Gold", priority="low").first_response_hours == Decimal("1.5")


def test_working_time_is_told_in_hours_and_minutes_and_not_under_a_minute():
    from kehu.crm.service.templatetags.service_sla import _hours_text, sla_percent

    assert _hours_text(2.5) == "2 h 30 min"
    assert _hours_text(-0.25) == "15 min"
    assert _hours_text(0.0) == ""  # due last evening, read before the morning
    assert _hours_text(None) == ""
    assert (sla_percent(0.934), sla_percent(None)) == ("93%", "–")
