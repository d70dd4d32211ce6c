"""Number and date formats per locale (FORMAT_MODULE_PATH), the same on every page.

Both languages group digits by three with ``,`` and write ``.`` before decimals (Django's
Chinese formats group by four with no separator, so 1234567 showed ungrouped). Times are
24-hour ``14:05`` in both; English dates are ISO ``2026-06-30`` (the form the analytics
write their dates in, and unambiguous where 03/04 is read two ways), Chinese dates
``2026年6月30日``.
Anything not set here falls back to Django's formats for the locale.
"""
