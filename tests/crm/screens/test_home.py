"""The home page: it opens for every role and counts only what its user may see
(customers, their own open pipeline by stage, their own open activities). Each role's
dashboard is tested in ``test_dashboards*.py``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.crm.choices import Role
from kehu.crm.sales.actions import complete_activity, create_activity, create_opportunity

pytestmark = pytest.mark.django_db


def test_home_page_renders_for_every_role(make_user, client_for):
    for role in Role.values:
        response = client_for(make_user(role)).get(reverse("home"))
        assert response.status_code == 200, role


def test_the_dashboard_counts_what_its_user_may_see(make_user, make_customer, client_for):
    sally, steve = make_user("sales", username="sally"), make_user("sales", username="steve")
    hers, other = make_customer("Hers Co", owner=sally), make_customer("Hers Too", owner=sally)
    his = make_customer("His Co", owner=steve)
    create_opportunity(hers, name="Teapots", stage="proposal", amount=Decimal(500), owner=sally)
    create_opportunity(other, name="Cups", stage="proposal", amount=Decimal(100), owner=sally)
    create_opportunity(hers, name="Won", stage="won", amount=Decimal(900), owner=sally)  # not open
    create_opportunity(his, name="His", stage="proposal", amount=Decimal(7000), owner=steve)
    now = timezone.now()
    create_activity(owner=sally, subject="Later", due_at=now + timedelta(days=3))
    create_activity(owner=sally, subject="Sooner", due_at=now + timedelta(days=1))
    complete_activity(create_activity(owner=sally, subject="Done", due_at=now))
    create_activity(owner=steve, customer=hers, subject="Steve's", due_at=now)

    context = client_for(sally).get(reverse("home")).context
    assert context["n_customers"] == 2
    ((sales, charts),) = context["dashboards"]
    pipeline = {
        str(p.label): (p.count, p.value) for p in sales.panel("sales-pipeline").series[0].points
    }
    assert pipeline["Proposal"] == (2, Decimal(600))
    assert pipeline["Qualification"] == (0, 0)
    assert "Won" not in pipeline
    assert sales.figure("open-activities").value == 2  # hers, not Steve's nor the done one
    assert [chart.key for chart in charts] == [p.key for p in sales.panels]
