"""Dates, times, ranges, lists, plurals and writing direction of a language, from CLDR through Babel:
the one module that imports it.

A locale is named by Babel's identifier (``fr_CA``, ``zh_Hant``), which ``locale_of`` makes from
the language codes a Hugo site writes (``fr-ca``, ``zh-Hant``). English keeps the forms talkfeed
has always written ("Tue 4 Jan 2022", "14:00 UTC+02:00", a 24-hour clock, "Ada, Grace"), so
English feeds read as before; every other language takes CLDR's.

Babel's quirks, each pinned by ``tests/test_cldr.py``:

- ``Locale.parse`` takes ``-`` only when told (``sep="-"``); it raises ``ValueError`` for a code
  that is not an identifier and ``UnknownLocaleError`` (not a ``ValueError``) for one CLDR lacks.
- ``format_interval`` raises ``NotImplementedError`` for a pattern holding CLDR's flexible day
  period ``B`` (``zh_Hant``'s 12-hour times): two times are then joined by the locale's own
  interval pattern.
- A locale's 12- or 24-hour clock is in its short time pattern's fields, not its text:
  ``fr_CA``'s ``HH 'h' mm`` holds the letter h as a literal.
- ``format_list`` styles other than ``standard`` lack data in many locales (``KeyError``); only
  ``standard`` is used.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from babel import Locale, UnknownLocaleError

# babel.dates and babel.lists are imported where a text is formatted: a run that formats none
# (nothing changed since the last build) does not pay for them.

ENGLISH = "en"
_DAY_SKELETON = "yMMMEd"
"""Year, abbreviated month, day and abbreviated weekday: "lun. 13 mai 2019", "2019年5月13日周一"."""
_ENGLISH_DAY = "EEE d MMM y"
"""talkfeed's English day: "Mon 13 May 2019", the same for every English reader."""


def locale_of(code: str) -> str | None:
    """Babel's identifier of the locale a language code names (``fr-ca`` → ``fr_CA``), or ``None``
    when CLDR has no such locale or the code is not one (``art-x-hugolang``, ``klingon``)."""
    written = code.strip().replace("_", "-")
    if not written:
        return None
    try:
        return str(Locale.parse(written, sep="-"))
    except (ValueError, UnknownLocaleError):
        return None


def language_of(locale: str) -> str:
    """The language a locale is of: ``fr_CA`` → ``fr``."""
    return _locale(locale).language


def script_of(locale: str) -> str | None:
    """The script a locale names, if it names one: ``zh_Hant_TW`` → ``Hant``."""
    return _locale(locale).script


def direction_of(locale: str) -> str:
    """The writing direction of a locale's script: ``"rtl"`` (Arabic, Hebrew, …) or ``"ltr"``."""
    return "rtl" if _locale(locale).text_direction == "rtl" else "ltr"


def plural_category(locale: str, count: int) -> str:
    """The CLDR plural category of ``count`` in the locale: ``one``, ``two``, ``few``, ``many``, ``other``…"""
    return str(_locale(locale).plural_form(count))


def day(value: date, locale: str) -> str:
    """A day with its weekday: "Mon 13 May 2019", "lun. 13 mai 2019", "Mo., 13. Mai 2019"."""
    from babel.dates import format_date, format_skeleton

    if _english(locale):
        return format_date(value, _ENGLISH_DAY, locale=ENGLISH)
    return str(format_skeleton(_DAY_SKELETON, value, locale=_locale(locale)))


def days(first: date, last: date, locale: str) -> str:
    """A range of days, both ends in full in English, as CLDR shortens them elsewhere (French
    gives "lun. 13" and "mar. 14 mai 2019" joined by a dash)."""
    from babel.dates import format_interval

    if _english(locale):
        return f"{day(first, locale)} – {day(last, locale)}"
    return str(format_interval(first, last, _DAY_SKELETON, locale=_locale(locale)))


def clock(value: datetime, locale: str) -> str:
    """A time of day in its own offset: "14:00", "14 h 00", "오후 2:00"."""
    from babel.dates import format_time

    if _english(locale):
        return f"{value:%H:%M}"
    return str(format_time(value, "short", tzinfo=value.tzinfo, locale=_locale(locale)))


def clocks(start: datetime, end: datetime, locale: str) -> str:
    """Two times of one day and offset, as a range ("14:00" to "15:30", with "Uhr" in German)."""
    from babel.dates import format_interval

    if _english(locale):
        return f"{start:%H:%M}–{end:%H:%M}"
    parsed = _locale(locale)
    skeleton = "hm" if _twelve_hours(locale) else "Hm"
    try:
        return str(format_interval(start, end, skeleton, tzinfo=start.tzinfo, locale=parsed))
    except NotImplementedError:
        return span(clock(start, locale), clock(end, locale), locale)


def offset(value: datetime, locale: str) -> str:
    """A time's UTC offset as the locale names it: "UTC+02:00" in English and French, "GMT+02:00"
    in German."""
    from babel.dates import get_timezone_gmt

    shift = value.utcoffset() or timedelta()
    if _english(locale):
        if not shift:
            return "UTC"
        minutes = int(shift.total_seconds() // 60)
        hours, minutes = divmod(abs(minutes), 60)
        return f"UTC{'+' if shift >= timedelta() else '-'}{hours:02d}:{minutes:02d}"
    return str(get_timezone_gmt(value, width="long", locale=_locale(locale)))


def day_and_time(day_text: str, time_text: str, locale: str) -> str:
    """Join a day and a time as the locale does: "Mon 3 Jun 2024, 14:00", "2024年6月3日周一 14:00"."""
    pattern = str(_locale(locale).datetime_formats["medium"])
    return pattern.replace("{1}", day_text).replace("{0}", time_text)


def span(first: str, last: str, locale: str) -> str:
    """Join the two ends of a range, with the locale's own dash and spaces."""
    if _english(locale):
        return f"{first} – {last}"
    pattern = str(_locale(locale).interval_formats[None])
    return pattern.replace("{0}", first).replace("{1}", last)


def listing(items: Sequence[str], locale: str) -> str:
    """Name several things in a line: "Ada, Grace" (English), "Ada, Grace et Hedy", "Ada、Grace和Hedy"."""
    from babel.lists import format_list

    if _english(locale):
        return ", ".join(items)
    return str(format_list(list(items), locale=_locale(locale)))


def keywords(items: Sequence[str], locale: str) -> str:
    """Name several keywords (tags) in a line, each joined as the middle of the locale's lists:
    "r, data-science", "graphs、sparsity"; no "and" before the last."""
    if _english(locale) or not items:
        return ", ".join(items)
    middle = str(_locale(locale).list_patterns["standard"]["middle"])
    joined = items[-1]
    for item in reversed(items[:-1]):
        joined = middle.replace("{0}", item).replace("{1}", joined)
    return joined


def series(items: Sequence[str], locale: str) -> str:
    """Name several sites in a title: "Alice, Bob and Carol" (English), "Alice, Bob et Carol"."""
    if _english(locale):
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return listing(items, locale)


def _english(locale: str) -> bool:
    return locale == ENGLISH or locale.startswith(ENGLISH + "_")


def _twelve_hours(locale: str) -> bool:
    """Whether the locale tells the time on a 12-hour clock, from its short time pattern's fields."""
    from babel.dates import parse_pattern

    fields = str(parse_pattern(_locale(locale).time_formats["short"].pattern).format)
    return "%(h" in fields or "%(K" in fields


@functools.cache
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)
