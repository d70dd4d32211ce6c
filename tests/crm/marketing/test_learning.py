"""The loop closed: a campaign's outcomes teach the next analysis run whom campaigns
move, and every customer gets a response propensity and a predicted uplift that a
target list can rank by."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.test import override_settings
from django.utils import timezone

from kehu.crm.marketing import actions
from kehu.crm.marketing.learning import learn
from kehu.crm.marketing.models import Campaign, CampaignMember, ResponseLearning, ResponseScore
from kehu.crm.marketing.sending import send_campaign

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_a_campaign_with_a_control_group_teaches_the_next_run_whom_to_target(make_user):
    from kehu.crm.demo.load import load_demo
    from kehu.crm.intelligence.actions import execute_run, request_run
    from kehu.crm.sales.actions import create_order
    from kehu.crm.sales.models import Order

    load_demo(1500, seed=11)
    execute_run(request_run())
    # nothing to learn from yet: the run says why instead of failing
    assert ResponseLearning.objects.get().skipped.startswith("0 campaign members")
    today = timezone.localdate()
    campaign = actions.create_campaign(
        name="Letters to everyone",
        goal=Campaign.Goal.WIN_BACK,
        channels=["letter"],
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        control_share=0.5,
        cost=Decimal("300"),
    )
    from kehu.crm.customers.models import Customer

    actions.enrol(campaign, Customer.objects.all())
    send_campaign(campaign)
    members = list(
        CampaignMember.objects.filter(campaign=campaign)
        .exclude(group="")
        .select_related("customer")
        .order_by("id")
    )
    assert len(members) >= 400
    # the letter moves customers the analysis thinks likely to be alive; the control
    # group orders at a base rate whatever their P(alive)
    rng = np.random.default_rng(5)
    product_line = Order.objects.filter(kind=Order.Kind.SALE).first().lines.first()
    for member in members:
        p_alive = member.features.get("p_alive") or 0.0
        treated = member.group == CampaignMember.Group.TREATED
        chance = 0.05 + (0.6 * p_alive if treated else 0.0)
        if rng.random() < chance:
            create_order(
                member.customer,
                [{"product": product_line.product, "quantity": Decimal(1)}],
                ordered_at=timezone.now(),
            )
    execute_run(request_run())  # the run tells marketing; marketing learns
    learning = ResponseLearning.objects.first()
    assert learning.skipped == "", learning.skipped
    assert learning.members == len(members)
    assert learning.summary["uplift"]["chosen"] in ("two_model", "class_transformation")
    scored = ResponseScore.objects.filter(uplift__isnull=False)
    assert scored.count() == learning.scored > 0
    # who the model ranks first are the likely-alive customers the letter moved
    p_alive = "customer__score__p_alive"
    top = [p or 0.0 for p in scored.order_by("-uplift").values_list(p_alive, flat=True)[:50]]
    bottom = [p or 0.0 for p in scored.order_by("uplift").values_list(p_alive, flat=True)[:50]]
    assert np.mean(top) > np.mean(bottom) + 0.2, learning.summary
    # and a target list keeps the top ones by predicted uplift
    admin = make_user("admin")
    ranked = actions.create_target_list(name="Best bets", filters={}, by=admin, rank_by_uplift=40)
    assert ranked.size == 40
    best = set(scored.order_by("-uplift", "customer_id").values_list("customer_id", flat=True)[:40])
    assert set(actions.evaluate(ranked).values_list("pk", flat=True)) == best


def test_learning_from_too_few_members_records_why(make_reachable):
    c = actions.create_campaign(
        name="Tiny",
        goal=Campaign.Goal.SURVEY,
        channels=["email"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
    )
    actions.enrol(c, make_reachable(5))
    Campaign.objects.filter(pk=c.pk).update(status=Campaign.Status.SENT)
    learning = learn()
    assert learning.members == 5 and "need 200" in learning.skipped
    assert not ResponseScore.objects.exists()
