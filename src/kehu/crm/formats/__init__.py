"""Number and date formats per locale (FORMAT_MODULE_PATH), the same on every page.

Both languages group digits by three with ``,`` and write ``.`` before decimals (Django's
Chinese formats group by four with no separator, so 1234567 showed ungrouped). Dates
shown in tables are ISO ``2026-06-30`` and times 24-hour ``14:05`` in both, the form the
analytics write their dates in; a date in running text is written out in words.
Anything not set here falls back to Django's formats for the locale.
"""
