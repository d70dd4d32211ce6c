"""Keys the code works with (sales_rep, external_id, ...) are shown by their labels in
the user's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from kehu.crm.intelligence.mining_labels import channel_label, feature_name, segment_name


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
