"""Keys the code works with (sales_rep, external_id, ...) are shown by their labels in
the user's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from kehu.crm.intelligence.mining_labels import (
    channel_label,
    churn_reason,
    feature_name,
    segment_name,
)


@pytest.mark.parametrize(
    ("language", "segment", "feature"),
    [
        ("en", "Sales representative customers (2)", "share of orders by Store"),
        ("zh-hans", "销售代表 渠道客户 (2)", "门店 订单占比"),
    ],
)
def test_a_channel_segment_and_feature_name_the_channel_by_its_label(
    language: str, segment: str, feature: str
) -> None:
    with translation.override(language):
        assert segment_name("channel_users", "sales_rep", "Sales_rep customers (2)") == segment
        assert feature_name("channel: store") == feature


def test_an_unknown_channel_key_is_kept_as_it_is() -> None:
    assert channel_label("carrier_pigeon") == "carrier_pigeon"


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "days between orders: none yet"), ("zh-hans", "下单间隔天数：暂无")],
)
def test_a_churn_reason_without_a_value_says_none_yet_not_the_missing_marker(
    language: str, shown: str
) -> None:
    with translation.override(language):
        assert churn_reason("days between orders = (missing)") == shown
