"""Turn every date form Hugo front matter holds into an aware ``datetime`` or a ``date``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import TypeVar

from talkfeed.model import TalkTime

_T = TypeVar("_T")

ACCEPTED_FORMS = "use 2024-05-01 or 2024-05-01T14:00:00Z"

_ISO = re.compile(
    r"""
    (?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
    (?:
        (?P<sep>[Tt ]|:)                      # ':' is a typo seen in real pages
        (?P<hour>\d{1,2}):(?P<minute>\d{1,2})
        (?::(?P<second>\d{1,2})(?:[.,](?P<fraction>\d+))?)?
        \s*(?P<zone>[Zz]|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?
    )?
    """,
    re.VERBOSE,
)
_DAY_MONTH_YEAR = re.compile(r"(?P<day>\d{1,2}) (?P<month>[A-Za-z]{3}) (?P<year>\d{4})")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


_HUGO_DATE_CHAINS: Mapping[str, tuple[str, ...]] = {
    "date": ("date", "publishdate", "lastmod"),
    "lastmod": (":git", "lastmod", "date", "publishdate"),
    "publishdate": ("publishdate", "date"),
    "expirydate": ("expirydate",),
}
"""Hugo's default ``frontmatter`` chains: where each page date comes from, in order."""
_DATE_KEY_ALIASES: Mapping[str, tuple[str, ...]] = {
    "lastmod": ("modified",),
    "publishdate": ("pubdate", "published"),
    "expirydate": ("unpublishdate",),
}


def date_chains(settings: Mapping[str, object]) -> Mapping[str, tuple[str, ...]]:
    """Expand a site's ``frontmatter`` settings as Hugo does: ``:default`` and each key's aliases."""
    chains: dict[str, tuple[str, ...]] = {}
    for name, default in _HUGO_DATE_CHAINS.items():
        written = settings.get(name)
        if written is None:
            items = list(default)
        else:
            items = [str(item).lower() for item in (written if isinstance(written, list) else [written])]
        expanded: list[str] = []
        for item in items:
            for key in default if item == ":default" else (item,):
                for one in (key, *_DATE_KEY_ALIASES.get(key, ())):
                    if one not in expanded:
                        expanded.append(one)
        chains[name] = tuple(expanded)
    return chains


DEFAULT_DATE_KEYS = date_chains({})


class DateError(ValueError):
    """A front-matter value that is not a date; the message says what it was."""


def parse_talk_time(value: object, zone: tzinfo) -> TalkTime | None:
    """Read a front-matter date value as Hugo would.

    A value with a time becomes an aware ``datetime``: its own offset when it has one,
    else ``zone``. A value without a time stays a ``date``. ``None`` and blank strings
    mean absent. Raises ``DateError`` for anything else, and for a moment outside the years
    1 to 9998 in UTC or in its own offset (so a day after it, or its UTC time, always exists).
    """
    moment = _parse_value(value, zone)
    if moment is not None and not _in_range(moment, zone):
        raise DateError(f"{_as_written(value)} is out of the range talkfeed publishes (years 1 to 9998)")
    return moment


def _as_written(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return f'"{value}"' if isinstance(value, str) else str(value)


def _in_range(moment: TalkTime, zone: tzinfo) -> bool:
    if not 1 <= moment.year <= 9998:
        return False
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=zone)
    if isinstance(moment, datetime):
        try:
            return 1 <= moment.astimezone(UTC).year <= 9998
        except (OverflowError, ValueError):
            return False
    return True


def _parse_value(value: object, zone: tzinfo) -> TalkTime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise DateError(f"{value!r} is not a date")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise DateError(f"{value!r} is not a date (as seconds since 1970 it is out of range)") from None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        return _parse_text(text, zone)
    raise DateError(f"a {type(value).__name__} is not a date")


def hugo_refuses(value: object) -> bool:
    """Tell whether Hugo cannot parse a front-matter string that talkfeed reads as meant.

    Hugo (Go's time layouts) wants two-digit months, days, minutes and seconds, seconds
    whenever a time is given, ``T`` or a space between date and time, and a numeric offset
    or ``Z``: real pages hold ``2023-6-11``, ``2021-09-08:16:00:00`` and ``2019-11-1T10:35:00Z``.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    match = _ISO.fullmatch(text)
    if match is None:
        return False
    if match["hour"] is None:
        return _HUGO_DAY.fullmatch(text) is None
    return _HUGO_DATETIME.fullmatch(text) is None


_HUGO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HUGO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|[ ]\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:\d{2}|[ ][+-]\d{2}:?\d{2})?)"
)


def date_from_file_name(name: str, zone: tzinfo) -> tuple[datetime | None, str]:
    """Read a date at the start of a file name as Hugo's ``:filename`` does, with the slug after it.

    ``2024-05-01-my-talk`` gives midnight of 1 May 2024 in ``zone`` and ``my-talk``;
    ``2024-05-01-14-30-00-my-talk`` gives 14:30 too.
    """
    delimiters = " -_"
    if len(name) >= 19:
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2}).(\d{2})-(\d{2})-(\d{2})", name[:19])
        if match is not None:
            with contextlib.suppress(ValueError):
                year, month, day, hour, minute, second = (int(group) for group in match.groups())
                moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
                return moment, name[19:].strip(delimiters)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", name[:10])
    if match is not None:
        with contextlib.suppress(ValueError):
            year, month, day = (int(group) for group in match.groups())
            return datetime(year, month, day, tzinfo=zone), name[10:].strip(delimiters)
    return None, ""


def day_after(value: date) -> date:
    return value + timedelta(days=1)


def _parse_text(text: str, zone: tzinfo) -> TalkTime:
    match = _ISO.fullmatch(text)
    if match is not None:
        return _from_iso_match(text, match, zone)
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is not None and match["month"].lower() in _MONTHS:
        month = _MONTHS.index(match["month"].lower()) + 1
        return _checked(text, lambda: date(int(match["year"]), month, int(match["day"])))
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise DateError(f'"{text}" is not a date') from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _from_iso_match(text: str, match: re.Match[str], zone: tzinfo) -> TalkTime:
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if match["hour"] is None:
        return _checked(text, lambda: date(year, month, day))
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    offset = _offset(text, match["zone"], zone)
    return _checked(
        text,
        lambda: datetime(
            year,
            month,
            day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int(fraction),
            tzinfo=offset,
        ),
    )


def _offset(text: str, written: str | None, zone: tzinfo) -> tzinfo:
    if written is None:
        return zone
    if written.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if written[0] == "-" else 1
    digits = written[1:].replace(":", "")
    hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
    if hours > 23 or minutes > 59:
        raise DateError(f'"{text}" has an impossible UTC offset')
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _checked(text: str, build: Callable[[], _T]) -> _T:
    try:
        return build()
    except ValueError:
        raise DateError(f'"{text}" is not a real date') from None
