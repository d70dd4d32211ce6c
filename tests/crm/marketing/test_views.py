"""The campaign screens: who may see and do what, the campaign form and its errors, a
target list saved from the customer list's filter, the buttons, the preview of any
customer's message, the results against control, the members' CSV, the letters to
print and the suppression list."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.intelligence.models import CustomerScore, Segment, ValueRun
from kehu.crm.marketing import actions, views
from kehu.crm.marketing.models import Campaign, CampaignMember, Suppression, TargetList

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def marketer(make_user):
    return make_user("marketing", username="mia")


@pytest.fixture
def launched(monkeypatch) -> list[int]:
    """The send's detached process is not started: the ids it would have sent."""
    started: list[int] = []
    monkeypatch.setattr(views, "launch_send", lambda campaign: started.append(campaign.pk))
    return started


def _campaign(**fields):
    values = {
        "name": "Spring win-back",
        "goal": Campaign.Goal.WIN_BACK,
        "channels": ["email"],
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=30),
        **fields,
    }
    return actions.create_campaign(**values)


def _form(**fields):
    values = {
        "name": "Autumn care",
        "goal": "retention",
        "channels": ["email", "sms"],
        "order_email": "2",
        "order_sms": "1",
        "budget": "500",
        "cost": "120.50",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=14)).isoformat(),
        "control_share": "20",
        "quiet_days": "5",
        "subject_en": "Hello {{ customer.greeting_name }}",
        "body_en": "Dear {{ customer.name }}",
        "subject_zh": "",
        "body_zh": "",
    }
    values.update(fields)
    return values


# Who may do what


def test_sales_may_view_campaigns_but_not_create_or_send(sales_user, client_for, launched):
    campaign = _campaign()
    c = client_for(sales_user)
    assert c.get(reverse("marketing:campaign_list")).status_code == 200
    page = c.get(campaign.get_absolute_url())
    assert page.status_code == 200
    assert b'id="send"' not in page.content and b"New campaign" not in page.content
    assert c.get(reverse("marketing:campaign_create")).status_code == 403
    assert c.post(reverse("marketing:campaign_send", args=[campaign.pk])).status_code == 403
    assert c.post(reverse("marketing:campaign_cancel", args=[campaign.pk])).status_code == 403
    assert c.get(reverse("marketing:target_list_list")).status_code == 403
    assert launched == []


def test_an_analyst_views_campaigns_and_target_lists_but_changes_nothing(
    analyst_user, admin_user, client_for
):
    target = actions.create_target_list(name="All", filters={}, by=admin_user)
    campaign = _campaign(target_list=target)
    c = client_for(analyst_user)
    assert c.get(campaign.get_absolute_url()).status_code == 200
    assert c.get(target.get_absolute_url()).status_code == 200
    assert c.get(reverse("marketing:target_list_list")).status_code == 200
    assert c.post(reverse("marketing:campaign_enrol", args=[campaign.pk])).status_code == 403
    assert c.get(reverse("marketing:target_list_create")).status_code == 403


def test_the_menu_shows_campaigns_to_marketing(marketer, client_for):
    home = client_for(marketer).get("/")
    assert reverse("marketing:campaign_list").encode() in home.content


# The list


def test_the_list_filters_by_status_and_goal_and_sorts_by_reach(marketer, client_for):
    a = _campaign(name="A win-back")
    b = _campaign(name="B survey", goal=Campaign.Goal.SURVEY)
    actions.cancel_campaign(b)
    c = client_for(marketer)

    def names(**params):
        response = c.get(reverse("marketing:campaign_list"), params)
        assert response.status_code == 200
        return [x.name for x in response.context["page"].object_list]

    assert names(sort="name") == [a.name, b.name]
    assert names(status="cancelled") == [b.name]
    assert names(goal="win_back") == [a.name]
    assert c.get(reverse("marketing:campaign_list"), {"goal": "spam"}).status_code == 400


# The form


def test_a_new_campaign_starts_from_the_goal_s_messages(marketer, client_for):
    page = client_for(marketer).get(reverse("marketing:campaign_create"), {"goal": "survey"})
    assert page.status_code == 200
    assert "How did we do, {{ customer.greeting_name }}?" in page.content.decode()


def test_creating_a_campaign_keeps_the_channel_order_and_the_control_share(
    marketer, client_for, admin_user
):
    target = actions.create_target_list(name="All", filters={}, by=admin_user)
    response = client_for(marketer).post(
        reverse("marketing:campaign_create"), _form(target_list=target.pk, owner=marketer.pk)
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == campaign.get_absolute_url()
    assert campaign.channels == ["sms", "email"]
    assert campaign.control_share == pytest.approx(0.2)
    assert campaign.cost == Decimal("120.50") and campaign.quiet_days == 5
    assert campaign.target_list == target and campaign.owner == marketer


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"channels": []}, "channels", "required"),
        (
            {"ends_on": (TODAY - timedelta(days=1)).isoformat()},
            "ends_on",
            "cannot end before",
        ),
        ({"body_en": "{% for x in %}"}, "body_en", "does not work"),
        ({"channels": ["email"], "subject_en": ""}, "subject_en", "needs a subject"),
        ({"control_share": "80"}, "control_share", "50"),
        ({"order_sms": "9"}, "order_sms", "4"),
    ],
)
def test_a_bad_campaign_is_a_form_error_on_its_field(marketer, client_for, fields, field, words):
    response = client_for(marketer).post(reverse("marketing:campaign_create"), _form(**fields))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert not Campaign.objects.exists()


def test_once_enrolled_the_audience_is_fixed_but_the_message_may_change(
    marketer, client_for, make_reachable, admin_user
):
    make_reachable(3)
    target = actions.create_target_list(name="All", filters={}, by=admin_user)
    campaign = _campaign(target_list=target, control_share=0.1)
    actions.enrol_target_list(campaign)
    c = client_for(marketer)
    form = c.get(reverse("marketing:campaign_edit", args=[campaign.pk])).context["form"]
    assert form.fields["target_list"].disabled and form.fields["channels"].disabled
    response = c.post(
        reverse("marketing:campaign_edit", args=[campaign.pk]),
        _form(name="Spring win-back", control_share="40", body_en="New text", channels=["sms"]),
    )
    assert response.status_code == 302, response.context["form"].errors
    campaign.refresh_from_db()
    assert campaign.body_en == "New text"
    assert campaign.control_share == pytest.approx(0.1) and campaign.channels == ["email"]


# Target lists


@pytest.fixture
def scored(make_customer):
    run = ValueRun.objects.create(status=ValueRun.Status.DONE)
    Segment.objects.create(
        run=run, key=3, name="Big spenders", name_key="", size=2, share=0.5, value_share=0.5
    )
    customers = []
    for i, tier in enumerate(["Gold", "Gold", "Lead"]):
        customer = make_customer(f"Scored {i}", email=f"s{i}@example.com", consent_email=True)
        CustomerScore.objects.create(customer=customer, run=run, tier=tier, segment=3)
        customers.append(customer)
    return customers


def test_a_target_list_is_saved_from_the_customer_list_filter(marketer, client_for, scored):
    c = client_for(marketer)
    listing = c.get(reverse("customers:list"), {"tier": "Gold"})
    assert reverse("marketing:target_list_create").encode() in listing.content
    page = c.get(reverse("marketing:target_list_create"), {"tier": "Gold", "cluster": "3"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Tier: Gold" in html and "Segment: Big spenders" in html
    assert "2 customers match now." in html
    response = c.post(
        reverse("marketing:target_list_create"),
        {"name": "Gold spenders", "filters": "tier=Gold&cluster=3", "dynamic": ""},
    )
    target = TargetList.objects.get()
    assert response.status_code == 302 and response.url == target.get_absolute_url()
    assert target.filters == {"tier": "Gold", "cluster": "3"} and target.size == 2
    detail = c.get(target.get_absolute_url()).content.decode()
    assert "Tier: Gold" in detail
    assert reverse("customers:list") + "?tier=Gold&amp;cluster=3" in detail


def test_the_live_count_follows_the_top_n_box(marketer, client_for, scored):
    page = client_for(marketer).get(
        reverse("marketing:target_list_create"),
        {"filters": "tier=Gold", "rank_by_uplift": "1", "name": "x"},
    )
    assert page.context["count"] == 0  # nobody has a predicted uplift yet


def test_a_bad_filter_for_a_target_list_is_a_400_naming_it(marketer, client_for):
    c = client_for(marketer)
    response = c.get(reverse("marketing:target_list_create"), {"tier": "Diamond"})
    assert response.status_code == 400
    assert "tier" in response.content.decode()
    response = c.post(reverse("marketing:target_list_create"), {"name": "", "filters": ""})
    assert response.status_code == 200 and "name" in response.context["form"].errors


# The buttons


def test_enrol_then_send_launches_kehu_campaign_send(
    marketer, client_for, make_reachable, admin_user, launched
):
    make_reachable(4)
    target = actions.create_target_list(name="All", filters={}, by=admin_user)
    campaign = _campaign(target_list=target)
    c = client_for(marketer)
    c.post(reverse("marketing:campaign_enrol", args=[campaign.pk]))
    assert campaign.members.count() == 4
    response = c.post(reverse("marketing:campaign_send", args=[campaign.pk]))
    assert launched == [campaign.pk]
    assert response.url == f"{campaign.get_absolute_url()}?launched=1"
    page = c.get(response.url)
    assert b"every 2s" in page.content  # the progress polls until the process claims it


def test_send_is_refused_without_a_target_list_and_after_a_cancel(marketer, client_for, launched):
    campaign = _campaign()
    c = client_for(marketer)
    page = c.post(reverse("marketing:campaign_send", args=[campaign.pk]), follow=True)
    assert "Choose a target list first." in page.content.decode()
    c.post(reverse("marketing:campaign_cancel", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CANCELLED
    page = c.post(reverse("marketing:campaign_send", args=[campaign.pk]), follow=True)
    assert "This campaign is cancelled." in page.content.decode()
    assert launched == []


def test_the_progress_fragment_reloads_the_page_when_the_send_ends(marketer, client_for):
    campaign = _campaign()
    actions.cancel_campaign(campaign)
    response = client_for(marketer).get(
        reverse("marketing:campaign_progress", args=[campaign.pk]), HTTP_HX_REQUEST="true"
    )
    assert response["HX-Refresh"] == "true"


# Preview and results


def test_the_preview_shows_any_customer_s_message_in_both_languages(
    marketer, client_for, make_customer
):
    campaign = _campaign(subject_en="Hi {{ customer.name }}", subject_zh="您好 {{ customer.name }}")
    wang = make_customer("王小明", country="China")
    page = client_for(marketer).get(campaign.get_absolute_url(), {"customer": wang.pk})
    preview = page.context["preview"]
    assert preview["language"] == "zh-hans"
    subjects = {code: (theirs, m.subject) for code, theirs, m in preview["messages"]}
    assert subjects == {"en": (False, "Hi 王小明"), "zh-hans": (True, "您好 王小明")}
    assert "/u/preview/" in preview["messages"][0][2].text  # nothing tracked in a preview


def test_a_sales_user_previews_only_their_own_customers(
    sales_user, client_for, make_customer, make_user
):
    other = make_customer("Not mine", owner=make_user("sales"))
    page = client_for(sales_user).get(_campaign().get_absolute_url(), {"customer": other.pk})
    assert page.status_code == 200 and "preview" not in page.context
    assert page.context["preview_form"].errors


def _members(campaign, rows):
    """Members as enrolment leaves them: (group, converted, revenue, tier)."""
    from kehu.crm.customers.actions import create_customer

    customers = [create_customer(name=f"M{i}", email=f"m{i}@example.com") for i in range(len(rows))]
    actions.enrol(campaign, customers)  # all skipped (no consent); set the experiment
    for customer, (group, converted, revenue, tier) in zip(customers, rows, strict=True):
        CampaignMember.objects.filter(campaign=campaign, customer=customer).update(
            group=group,
            status="sent" if group == "treated" else "held_out",
            skip_reason="",
            converted=converted,
            revenue=Decimal(revenue),
            tier=tier,
            sent_at=timezone.now() if group == "treated" else None,
        )


def test_the_results_show_uplift_roi_and_a_too_small_control_group(marketer, client_for):
    campaign = _campaign(cost=Decimal("100"))
    rows = [("treated", i % 2 == 0, "300" if i % 2 == 0 else "0", "Gold") for i in range(10)]
    rows += [("control", False, "0", "Gold")] * 3
    _members(campaign, rows)
    page = client_for(marketer).get(campaign.get_absolute_url())
    html = page.content.decode()
    assert "The control group has only 3 customers" in html
    results = page.context["results"]
    assert results.overall.conversion_uplift.value == pytest.approx(0.5)
    assert results.roi.value == pytest.approx((10 * 150 - 100) / 100)
    assert "1400%" in html  # the ROI
    assert "50.0%" in html  # the uplift in points
    assert "Gold" in html  # by tier


def test_no_control_group_says_uplift_cannot_be_measured(marketer, client_for):
    campaign = _campaign()
    _members(campaign, [("treated", True, "10", "")])
    html = client_for(marketer).get(campaign.get_absolute_url()).content.decode()
    assert "The control group is too small to measure the uplift" in html


def test_skip_reasons_are_said_in_words(marketer, client_for, make_customer):
    campaign = _campaign()
    actions.enrol(campaign, [make_customer("No consent", email="n@example.com")])
    html = client_for(marketer).get(campaign.get_absolute_url()).content.decode()
    assert "no consent for any of the campaign&#x27;s channels" in html


def test_the_members_csv_is_safe_from_formulas_and_limited_to_visible_customers(
    marketer, sales_user, client_for, make_customer
):
    campaign = _campaign()
    mine = make_customer('=HYPERLINK("x")', owner=sales_user, email="a@example.com")
    other = make_customer("Other", email="b@example.com")
    actions.enrol(campaign, [mine, other])
    response = client_for(marketer).get(
        reverse("marketing:campaign_members_export", args=[campaign.pk])
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["customer_code", "customer", "group", "status"]
    assert {r[1] for r in rows[1:]} == {'\'=HYPERLINK("x")', "Other"}
    response = client_for(sales_user).get(
        reverse("marketing:campaign_members_export", args=[campaign.pk])
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ['\'=HYPERLINK("x")']


def test_the_letters_page_has_one_letter_per_member_with_the_address(
    marketer, client_for, make_customer
):
    from kehu.crm.marketing.sending import send_campaign

    campaign = _campaign(channels=["letter"], control_share=0.0, body_en="Dear {{ customer.name }}")
    customers = [
        make_customer(f"Post {i}", address=f"{i} Harbour Road", city="Ningbo") for i in range(2)
    ]
    actions.enrol(campaign, customers)
    send_campaign(campaign)
    page = client_for(marketer).get(reverse("marketing:campaign_letters", args=[campaign.pk]))
    html = page.content.decode()
    assert html.count('<article class="letter"') == 2
    assert "1 Harbour Road" in html and "Dear Post 1" in html
    assert "page-break-after:always" in html


# Suppression


def test_an_address_is_suppressed_by_hand(marketer, client_for):
    c = client_for(marketer)
    response = c.post(
        reverse("marketing:suppressions"),
        {"channel": "email", "address": " Someone@Example.COM ", "reason": "manual"},
    )
    assert response.status_code == 302
    assert Suppression.objects.get().address == "someone@example.com"
    page = c.get(reverse("marketing:suppressions"), {"channel": "email"})
    assert "someone@example.com" in page.content.decode()
    bad = c.post(reverse("marketing:suppressions"), {"channel": "fax", "address": "1"})
    assert bad.status_code == 200 and "channel" in bad.context["form"].errors
    blank = c.post(reverse("marketing:suppressions"), {"channel": "sms", "address": "no digits"})
    assert "address" in blank.context["form"].errors


def test_a_sales_user_cannot_see_the_suppression_list(sales_user, client_for):
    assert client_for(sales_user).get(reverse("marketing:suppressions")).status_code == 403


# Chinese


def test_the_campaign_pages_read_in_chinese(make_user, client_for, admin_user):
    user = make_user("marketing", language="zh-hans")
    target = actions.create_target_list(name="全部", filters={}, by=admin_user)
    campaign = _campaign(target_list=target)
    c = client_for(user)
    for url in (
        reverse("marketing:campaign_list"),
        campaign.get_absolute_url(),
        reverse("marketing:campaign_edit", args=[campaign.pk]),
        reverse("marketing:campaign_create"),
        target.get_absolute_url(),
        reverse("marketing:target_list_list"),
        reverse("marketing:suppressions"),
        reverse("marketing:target_list_create") + "?tier=Gold",
    ):
        html = c.get(url).content.decode()
        for english in ("Campaign", "Target list", "Control group", "Send on", "Channel"):
            assert f">{english}" not in html, (url, english)


# Query counts


def test_the_list_and_the_campaign_page_do_not_query_per_row(
    marketer, client_for, make_reachable, admin_user, django_assert_max_num_queries
):
    make_reachable(30)
    target = actions.create_target_list(name="All", filters={}, by=admin_user)
    campaigns = [_campaign(name=f"C{i}", target_list=target, owner=marketer) for i in range(12)]
    actions.enrol_target_list(campaigns[0])
    c = client_for(marketer)
    c.get(reverse("marketing:campaign_list"))  # the session and permissions, cached
    with django_assert_max_num_queries(8):
        assert c.get(reverse("marketing:campaign_list")).status_code == 200
    with django_assert_max_num_queries(20):
        assert c.get(campaigns[0].get_absolute_url()).status_code == 200


def test_a_message_that_fails_only_when_written_is_said_in_the_preview(
    marketer, client_for, make_customer
):
    # saving refuses such a message (test_actions); one stored before that rule existed
    # still previews with the reason instead of a 500
    campaign = _campaign(body_zh="")
    Campaign.objects.filter(pk=campaign.pk).update(body_en='{% include "nowhere.html" %}')
    page = client_for(marketer).get(
        campaign.get_absolute_url(), {"customer": make_customer("Ann").pk}
    )
    assert page.status_code == 200
    assert "This message cannot be written" in page.content.decode()
