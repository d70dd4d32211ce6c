"""Recommendation reasons name products, never their ids (issue 11: "bought with 15"),
in the user's language, on the customer 360 page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kehu.crm.catalog.models import Product
from kehu.crm.intelligence.models import CustomerInsight


def _co_purchase_insight() -> tuple[CustomerInsight, dict]:
    for insight in CustomerInsight.objects.exclude(recommendations=[]).order_by("customer_id"):
        for r in insight.recommendations:
            if r["source"] == "co_purchase":
                return insight, r
    raise AssertionError("no co-purchase recommendation in the scored demo")


def _reasons(html: str) -> str:
    found = re.search(r'<ol id="recommendations">(.*?)</ol>', html, re.S)
    assert found, "no recommendations on the page"
    return found.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"), [("en", "bought with {name} by "), ("zh-hans", "{name} 的买家中有 ")]
)
def test_the_360_page_names_the_product_behind_a_recommendation(
    scored, make_user, client_for, language, words
):
    insight, r = _co_purchase_insight()
    assert 0 < r["share"] <= 1
    because = Product.objects.get(pk=r["because_of"])
    user = make_user("admin", language=language)
    html = client_for(user).get(reverse("customers:detail", args=[insight.customer_id]))
    reasons = _reasons(html.content.decode())
    assert words.format(name=because.name) in reasons
    assert f"{round(100 * r['share'])}%" in reasons
    assert not re.search(r"bought with \d+\b", reasons)
    assert "title=" not in reasons  # the raw English reason is not shown either


@pytest.mark.django_db
def test_popular_picks_say_how_many_customers_bought_them(scored, make_user, client_for):
    insight = next(
        i
        for i in CustomerInsight.objects.exclude(recommendations=[]).order_by("customer_id")
        if any(r["source"] == "popular" for r in i.recommendations)
    )
    html = client_for(make_user("admin")).get(
        reverse("customers:detail", args=[insight.customer_id])
    )
    assert "popular: bought by " in _reasons(html.content.decode())
