"""The intelligence page on a scored demo CRM: overview, indices, models, history, CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kehu.crm.intelligence.models import CustomerValue

pytestmark = pytest.mark.django_db


def test_overview_shows_the_latest_run(
    scored, analyst_user, client_for, django_assert_max_num_queries
):
    c = client_for(analyst_user)
    # 12, plus the schedule (its form) and the run's segments, and one per chart that
    # reads the scores: the Pareto curve, P(alive), CLV and the main churn reasons
    with django_assert_max_num_queries(18):
        response = c.get(reverse("intelligence:overview"))
    assert response.context["run"] == scored.second
    page = response.content.decode()
    for part in ('id="indices"', 'id="pyramid"', 'id="cohorts"', 'id="models"', "Platinum"):
        assert part in page, part
    assert "BG/NBD" in page and "Gamma-Gamma" in page and "Champions" in page
    history = response.context["runs"]
    assert [r.pk for r in history] == [scored.second.pk, scored.first.pk]


def test_an_earlier_run_has_its_own_page(scored, analyst_user, client_for):
    c = client_for(analyst_user)
    response = c.get(reverse("intelligence:run", args=[scored.first.pk]))
    assert response.status_code == 200 and response.context["run"] == scored.first


def test_run_csv_has_one_row_per_scored_customer(scored, analyst_user, client_for):
    response = client_for(analyst_user).get(
        reverse("intelligence:run_export", args=[scored.second.pk])
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == CustomerValue.objects.filter(run=scored.second).count()
    assert {"customer_code", "tier", "p_alive", "predicted_clv", "loyalty_stage"} <= set(rows[0])


def test_sales_managers_cannot_download_run_scores(scored, make_user, client_for):
    c = client_for(make_user("sales", manager=True))
    url = reverse("intelligence:run_export", args=[scored.second.pk])
    assert c.get(url).status_code == 403
