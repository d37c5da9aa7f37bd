"""Dates, times, ranges, lists, plurals and direction from CLDR, and the Babel quirks talkfeed's one
Babel module (``talkfeed/cldr.py``) works around: each quirk is shown, then what talkfeed makes of it.

CLDR's texts are pinned as Babel 2.19 gives them, thin spaces (U+2009) around its dashes
included; a newer CLDR may change them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from babel import Locale, UnknownLocaleError
from babel.dates import format_interval
from babel.lists import format_list

from talkfeed import cldr

PARIS_SUMMER = timezone(timedelta(hours=2))
START = datetime(2024, 6, 3, 14, 0, tzinfo=PARIS_SUMMER)
END = datetime(2024, 6, 3, 15, 30, tzinfo=PARIS_SUMMER)


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("fr-ca", "fr_CA"),
        ("EN-us", "en_US"),
        ("en_US", "en_US"),
        ("zh-Hans", "zh_Hans"),
        ("zh-tw", "zh_Hant_TW"),
        ("iw", "he_IL"),
        ("klingon", None),
        ("art-x-hugolang", None),
        ("", None),
    ],
)
def test_a_language_code_as_hugo_sites_write_it_names_a_cldr_locale_or_none(
    code: str, locale: str | None
) -> None:
    assert cldr.locale_of(code) == locale


def test_quirk_an_unknown_locale_is_not_a_value_error() -> None:
    with pytest.raises(UnknownLocaleError) as raised:
        Locale.parse("klingon")
    assert not isinstance(raised.value, ValueError)
    with pytest.raises(ValueError):
        Locale.parse("en_US", sep="-")


def test_english_keeps_talkfeeds_own_forms() -> None:
    assert cldr.day(date(2022, 1, 4), "en_US") == "Tue 4 Jan 2022"
    assert cldr.days(date(2019, 5, 13), date(2019, 5, 14), "en") == "Mon 13 May 2019 – Tue 14 May 2019"
    assert cldr.clocks(START, END, "en_US") == "14:00–15:30"
    assert cldr.clock(START, "en_GB") == "14:00"
    assert cldr.offset(START, "en") == "UTC+02:00"
    assert cldr.offset(START.astimezone(UTC), "en") == "UTC"
    assert cldr.offset(START.astimezone(timezone(timedelta(hours=-5, minutes=-30))), "en") == "UTC-05:30"
    assert cldr.listing(["Ada", "Grace", "Hedy"], "en") == "Ada, Grace, Hedy"
    assert cldr.series(["Alice", "Bob", "Carol"], "en") == "Alice, Bob and Carol"


@pytest.mark.parametrize(
    ("locale", "day", "days"),
    [
        ("fr_CA", "lun. 3 juin 2024", "lun. 13\u2009mai –\u2009mar. 14 mai 2019"),
        ("fr", "lun. 3 juin 2024", "lun. 13\u2009–\u2009mar. 14 mai 2019"),
        ("de", "Mo., 3. Juni 2024", "Mo., 13.\u2009–\u2009Di., 14. Mai 2019"),
        ("zh", "2024年6月3日周一", "2019年5月13日周一\u2009–\u20095月14日周二"),
        ("he", "יום ב׳, 3 ביוני 2024", "יום שני 13 במאי – יום שלישי 14 במאי 2019"),
    ],
)
def test_other_languages_take_cldrs_days_and_ranges(locale: str, day: str, days: str) -> None:
    assert cldr.day(date(2024, 6, 3), locale) == day
    assert cldr.days(date(2019, 5, 13), date(2019, 5, 14), locale) == days


def test_quirk_a_literal_h_in_a_24_hour_pattern_is_not_a_12_hour_clock() -> None:
    assert Locale.parse("fr_CA").time_formats["short"].pattern == "HH 'h' mm"
    assert cldr.clocks(START, END, "fr_CA") == "14 h 00\u2009–\u200915 h 30"


def test_quirk_an_interval_with_a_flexible_day_period_cannot_be_formatted() -> None:
    """``zh_Hant`` tells 12-hour times with CLDR's ``B`` (下午), which Babel cannot compare."""
    with pytest.raises(NotImplementedError):
        format_interval(START, END, "hm", tzinfo=PARIS_SUMMER, locale="zh_Hant")
    assert cldr.clocks(START, END, "zh_Hant") == "下午2:00\u2009–\u2009下午3:30"


@pytest.mark.parametrize(
    ("locale", "range_"),
    [
        ("de", "14:00–15:30 Uhr"),
        ("ko", "오후 2:00~3:30"),
        ("ar", "2:00–3:30 م"),
        ("ja", "14時00分～15時30分"),
    ],
)
def test_a_time_range_follows_the_locales_clock(locale: str, range_: str) -> None:
    assert cldr.clocks(START, END, locale) == range_


def test_a_moment_is_its_day_and_time_joined_as_the_locale_joins_them() -> None:
    assert cldr.day_and_time("A", "B", "fr") == "A, B"
    assert cldr.day_and_time("A", "B", "zh") == "A B"
    assert cldr.day_and_time("A", "B", "ar") == "A، B"


def test_quirk_list_styles_but_standard_lack_data() -> None:
    with pytest.raises(KeyError):
        format_list(["A", "B", "C"], style="unit", locale="de")
    assert cldr.listing(["A", "B", "C"], "de") == "A, B und C"
    assert cldr.listing(["A", "B", "C"], "fr") == "A, B et C"
    assert cldr.listing(["A", "B", "C"], "zh") == "A、B和C"


@pytest.mark.parametrize(
    ("locale", "direction"), [("ar", "rtl"), ("he", "rtl"), ("fr_CA", "ltr"), ("zh", "ltr")]
)
def test_direction_is_the_scripts(locale: str, direction: str) -> None:
    assert cldr.direction_of(locale) == direction


@pytest.mark.parametrize(
    ("locale", "count", "category"),
    [("fr", 1, "one"), ("fr", 2, "other"), ("ar", 2, "two"), ("ru", 3, "few"), ("zh", 1, "other")],
)
def test_plural_categories_are_cldrs(locale: str, count: int, category: str) -> None:
    assert cldr.plural_category(locale, count) == category
