"""An analysis stays sound when the newest order is far from the rest: demo data that
end months ago, plus one order entered today and one dated 2099. The run is as of the
dense part of the data and says why (in English and Chinese), churn is learned, sales
forecasts are never negative and name their segments, and P(alive) and the lifecycle
agree with the RFM status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Max
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from kehu.crm.intelligence.labels import dates_text
from kehu.crm.intelligence.mining_labels import skip_text
from kehu.crm.intelligence.models import CustomerScore, Segment, ValueRun

DEMO_ENDS = date(2025, 6, 30)  # long before today


@pytest.fixture(scope="module")
def spoiled_run(django_db_setup: None, django_db_blocker) -> Iterator[ValueRun]:
    from kehu.crm.catalog.models import Product
    from kehu.crm.customers.models import Customer
    from kehu.crm.demo.load import load_demo
    from kehu.crm.intelligence.actions import execute_run, request_run
    from kehu.crm.sales.actions import create_order
    from kehu.crm.sales.models import Order

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        load_demo(300, seed=3, today=DEMO_ENDS)
        customer = Customer.objects.filter(orders__isnull=False).order_by("id").first()
        product = Product.objects.order_by("id").first()
        create_order(customer, [{"product": product, "quantity": 1}])  # today
        typo = create_order(customer, [{"product": product, "quantity": 1}])
        # as an import confirmed it: an order dated 2099
        Order.objects.filter(pk=typo.pk).update(ordered_at=datetime(2099, 1, 1, tzinfo=UTC))
        yield execute_run(request_run())
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_run_is_as_of_the_dense_data_and_records_why(spoiled_run):
    from kehu.crm.sales.models import Order

    run = spoiled_run
    assert run.status == ValueRun.Status.DONE, run.error
    dates = run.analysis_models["dates"]
    dense_end = Order.objects.filter(ordered_at__date__lte=DEMO_ENDS).aggregate(m=Max("ordered_at"))
    assert dates["as_of"] <= DEMO_ENDS.isoformat()
    assert dates["as_of"] >= (dense_end["m"].date() - timedelta(days=1)).isoformat()
    assert (dates["reason"], dates["n_left_out"], dates["n_future"]) == ("sparse_tail", 2, 1)
    assert (
        dates["latest_date"] == "2099-01-01" and dates["today"] == timezone.now().date().isoformat()
    )
    assert run.overview["observation_end"] == dates["as_of"]


@pytest.mark.django_db
def test_the_mining_steps_run_and_forecasts_are_never_negative(spoiled_run):
    mining = spoiled_run.mining
    assert "skipped" not in mining["churn"], mining["churn"]
    assert mining["churn"]["as_of"] <= DEMO_ENDS.isoformat()
    for view in ("total", "region", "segment"):
        assert "series" in mining["sales"][view], mining["sales"][view]
        for series in mining["sales"][view]["series"]:
            assert all(f >= 0 and lo >= 0 for _m, f, lo, _hi in series["forecast"])
            assert series["forecast"][0][0] > series["history"][-1][0]
            assert series["history"][-1][0] < DEMO_ENDS.isoformat()[:7]


@pytest.mark.django_db
def test_segment_forecasts_carry_names_largest_first(spoiled_run):
    series = spoiled_run.mining["sales"]["segment"]["series"]
    names = dict(Segment.objects.filter(run=spoiled_run).values_list("key", "name"))
    assert [s["name"] for s in series] == [names[s["key"]] for s in series]
    recent = [sum(y for _m, y in s["history"][-12:]) for s in series]
    assert recent == sorted(recent, reverse=True)


@pytest.mark.django_db
def test_p_alive_and_lifecycle_agree_with_the_rfm_status(spoiled_run):
    fading = CustomerScore.objects.filter(rfm_segment__in=["Hibernating", "Lost"])
    assert fading.exists()
    assert not fading.filter(p_alive__gte=0.995).exists()
    assert not fading.filter(lifecycle_stage__in=["stability", "exploration"]).exists()
    one_timers = CustomerScore.objects.filter(frequency=0)
    assert one_timers.exists() and not one_timers.filter(p_alive__gte=0.995).exists()
    choice = spoiled_run.analysis_models["purchase_model"]
    assert choice["p_alive_model"] in {"mbg_nbd", "pareto_nbd"}
    marked_lost = CustomerScore.objects.filter(customer__status="lost", p_alive__isnull=False)
    assert marked_lost.exists()
    assert not marked_lost.filter(
        lifecycle_stage__in=["stability", "formation", "exploration"]
    ).exists()
    assert not marked_lost.filter(p_alive__gte=0.995).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "left out"), ("zh-hans", "已被排除")])
def test_the_intelligence_page_says_why_in_the_users_language(
    spoiled_run, admin_user, client_for, language, words
):
    page = client_for(admin_user).get(
        reverse("intelligence:overview"), HTTP_ACCEPT_LANGUAGE=language
    )
    text = page.content.decode()
    with override(language):
        expected = dates_text(spoiled_run.analysis_models["dates"])
    assert words in expected and 'id="analysis-dates"' in text
    assert 'id="purchase-model"' in text and "MBG/NBD" in text
    assert spoiled_run.analysis_models["dates"]["note"] not in text  # no English note


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_skipped_step_is_phrased_in_the_users_language_not_the_exception(language):
    summary = {
        "skipped": "3-fold cross-validation needs at least 3 rows of each outcome",
        "skip_code": "churn_one_outcome",
        "skip_params": {"came_back": 0, "churned": 120, "days": 90, "cutoff": "2026-09-03"},
    }
    with override(language):
        text = skip_text(summary)
        unknown = skip_text({"skipped": "boom", "skip_code": "failed"})
    assert "cross-validation" not in text and "120" in text and "2026-09-03" in text
    assert "boom" not in unknown
    if language != "en":
        assert "流失" in text and "无法" in unknown


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_hibernating_customers_360_page_shows_a_p_alive_below_one_and_its_model(
    spoiled_run, admin_user, client_for, language
):
    score = CustomerScore.objects.filter(rfm_segment="Hibernating").order_by("customer_id")[0]
    page = client_for(admin_user).get(
        reverse("customers:detail", args=[score.customer_id]), HTTP_ACCEPT_LANGUAGE=language
    )
    text = page.content.decode()
    model = {"mbg_nbd": "MBG/NBD", "pareto_nbd": "Pareto/NBD"}[
        spoiled_run.analysis_models["purchase_model"]["p_alive_model"]
    ]
    assert f"{score.p_alive:.2f}" in text and score.p_alive < 0.995
    assert model in text
