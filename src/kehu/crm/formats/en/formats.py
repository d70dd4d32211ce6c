"""English number and date formats (see kehu.crm.formats)."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

DATE_FORMAT = "j M Y"  # 30 Jun 2026
DATETIME_FORMAT = "j M Y, H:i"  # 30 Jun 2026, 14:05
TIME_FORMAT = "H:i"  # 14:05
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-06-30
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-06-30 14:05
YEAR_MONTH_FORMAT = "F Y"  # June 2026
MONTH_DAY_FORMAT = "j F"  # 30 June
FIRST_DAY_OF_WEEK = 1  # Monday
