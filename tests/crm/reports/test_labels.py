"""Members the warehouse stores as English or as codes read in the page's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from kehu.crm.reports.labels import member_label


@pytest.mark.parametrize(
    ("level", "member", "chinese"),
    [
        ("segment", "Typical customers", "普通客户"),
        ("segment", "Service-heavy (2)", "高服务需求 (2)"),
        ("segment", "Tea buyers", "Tea 买家"),
        ("segment", "Champions", "冠军客户"),
        ("segment", "Our best ones", "Our best ones"),  # a name a user gave stays
        ("tier", "Gold", "黄金"),
        ("channel", "web", "网店"),
        ("region", "(none)", "未设置"),
        ("customer", "Other", "其他"),
        ("region", "North", "North"),
    ],
)
def test_members_in_chinese(level, member, chinese):
    with translation.override("zh-hans"):
        assert str(member_label(level, member)) == chinese
