"""Simplified Chinese number and date formats (see kehu.crm.formats)."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

DATE_FORMAT = "Y年n月j日"  # 2026年6月30日
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年6月30日 14:05
TIME_FORMAT = "H:i"  # 14:05
SHORT_DATE_FORMAT = "Y年n月j日"  # 2026年6月30日
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年6月30日 14:05
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年6月
MONTH_DAY_FORMAT = "n月j日"  # 6月30日
FIRST_DAY_OF_WEEK = 1  # Monday
