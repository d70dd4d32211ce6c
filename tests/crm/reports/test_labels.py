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


def test_a_pivot_too_large_to_show_says_how_to_narrow_it():
    from kehu.crm.reports.state import error_message
    from kehu.insight.olap.run import _too_many

    with translation.override("en"):
        assert error_message(_too_many()).startswith("The pivot has more than 20,000 cells")
    with translation.override("zh-hans"):
        assert error_message(_too_many()).startswith("透视表超过 20,000 个单元格")
