"""One number and date format per locale, the same whichever filter a template uses:
digits grouped by three with "," in English and in Chinese (Django's own Chinese
formats group by four with no separator); 24-hour times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

LANGUAGES = ["en", "zh-hans"]


def _render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load humanize %}" + source).render(Context(context)).strip()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("source", "value", "shown"),
    [
        ("{{ v|intcomma }}", 12345678, "12,345,678"),
        ("{{ v }}", 12345678, "12,345,678"),
        ('{{ v|floatformat:"2g" }}', Decimal("1234567.5"), "1,234,567.50"),
        ("{{ v|floatformat:2 }}", Decimal("1234567.5"), "1,234,567.50"),
        ("{{ v|floatformat:0|intcomma }}", 98765.4, "98,765"),
        ('{{ v|floatformat:"-3g" }}', Decimal("1500.250"), "1,500.250"),
    ],
)
def test_numbers_are_grouped_by_three_with_commas(
    language: str, source: str, value: object, shown: str
) -> None:
    assert _render(source, language, v=value) == shown


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [("en", "2026-06-30", "2026-06-30 14:05"), ("zh-hans", "2026年6月30日", "2026年6月30日 14:05")],
)
def test_short_dates_and_24_hour_times(language: str, day: str, moment: str) -> None:
    at = timezone.make_aware(datetime(2026, 6, 30, 14, 5))
    assert _render('{{ d|date:"SHORT_DATE_FORMAT" }}', language, d=date(2026, 6, 30)) == day
    assert _render('{{ d|date:"SHORT_DATETIME_FORMAT" }}', language, d=at) == moment


def test_a_date_in_words_follows_the_language() -> None:
    assert _render('{{ d|date:"DATE_FORMAT" }}', "en", d=date(2026, 6, 30)) == "30 Jun 2026"
    assert _render('{{ d|date:"DATE_FORMAT" }}', "zh-hans", d=date(2026, 6, 30)) == (
        "2026年6月30日"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_product_list_shows_a_price_the_same_way_in_both_languages(
    language: str, make_user: Callable[..., object], client_for: Callable[[object], object]
) -> None:
    from kehu.crm.catalog.actions import create_product

    create_product(sku="BIG-1", name="Tea press", unit_price=Decimal("1234567.50"))
    user = make_user("admin", username=f"admin-{language}", language=language)
    html = client_for(user).get("/catalog/products/").content.decode()  # type: ignore[attr-defined]
    assert "1,234,567.50" in html


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "2026-11-28"), ("zh-hans", "2026年11月28日")]
)
def test_a_date_the_analytics_stored_as_text_is_shown_like_every_other_date(
    language: str, shown: str
) -> None:
    source = '{{ v|as_date|date:"SHORT_DATE_FORMAT" }}'
    assert _render(source, language, v="2026-11-28") == shown
    assert _render("{{ v|as_date }}", language, v="not a date") == "not a date"
