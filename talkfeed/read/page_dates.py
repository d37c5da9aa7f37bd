"""A talk page's dates: its talk's start and end, and the four page dates along Hugo's chains."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from talkfeed.model import TalkTime, day_of, moment_of
from talkfeed.read.dates import (
    ACCEPTED_FORMS,
    DEFAULT_DATE_KEYS,
    DateError,
    date_from_file_name,
    hugo_refuses,
    parse_talk_time,
)
from talkfeed.read.notes import Notes


class DateReader:
    """Read a page's date keys, each once, noting each problem once on the key's line.

    ``raw`` gives a key's value (any spelling), ``spelled`` the key as the page writes it,
    ``line`` its line.
    """

    def __init__(
        self,
        raw: Callable[[str], Any],
        spelled: Callable[[str], str],
        line: Callable[[str], int | None],
        notes: Notes,
        zone: tzinfo,
    ) -> None:
        self.raw = raw
        self.spelled = spelled
        self.line = line
        self.notes = notes
        self.zone = zone
        self._times: dict[str, TalkTime | None] = {}
        self._warned: set[str] = set()

    def talk_times(
        self, era_2026: bool, legacy: bool, flag: Callable[[str], bool]
    ) -> tuple[TalkTime | None, TalkTime | None]:
        """The talk's start and end, from the keys of the page's era; ``flag`` reads the all-day key."""
        if era_2026:
            keys, all_day_key = ("event_start", "event_end"), "event_all_day"
        elif legacy:
            keys, all_day_key = ("time_start", "time_end"), "all_day"
        else:
            keys, all_day_key = ("date", "date_end"), "all_day"
        start, end = (self._talk_time(key) for key in keys)
        if legacy and start is None:
            start = self._talk_time("date")
        if flag(all_day_key):
            start = None if start is None else day_of(start)
            end = None if end is None else day_of(end)
        if start is None and end is not None:
            self.notes.warn(f"{keys[1]} is given without {keys[0]}; the end is ignored", self.line(keys[1]))
            end = None
        if start is not None and end is not None and _ends_before(start, end):
            self.notes.warn(
                f"{keys[1]} ({show(end)}) is before {keys[0]} ({show(start)}); "
                "the end is not shown (correct or remove it)",
                self.line(keys[1]),
            )
            end = None
        return start, end

    def _talk_time(self, key: str) -> TalkTime | None:
        """Read a talk time key, warning once where Hugo would refuse its form."""
        value = self.time_of(key)
        raw = self.raw(key)
        if value is not None and hugo_refuses(raw) and key.lower() not in self._warned:
            self._warned.add(key.lower())
            self.notes.warn(
                f'{self.spelled(key)} "{raw}" is read as {show(value)}, but Hugo refuses this form '
                "(write 2024-05-01 or 2024-05-01T14:00:00Z)",
                self.line(key),
            )
        return value

    def time_of(self, key: str) -> TalkTime | None:
        """Read a date key once, noting its errors once, however often it is asked for."""
        lower = key.lower()
        if lower not in self._times:
            self._times[lower] = self._read_time(key)
        return self._times[lower]

    def _read_time(self, key: str) -> TalkTime | None:
        value = self.raw(key)
        name = self.spelled(key)
        if isinstance(value, time):
            self.notes.error(f"{name} is a time of day without a date ({ACCEPTED_FORMS})", self.line(key))
            return None
        try:
            return parse_talk_time(value, self.zone)
        except DateError as error:
            self.notes.error(f"{name} {error} ({ACCEPTED_FORMS})", self.line(key))
            return None

    def unreadable(self, key: str) -> bool:
        """Tell whether a date key holds a text that is no date at all (``019-12-13``): Hugo 0.111
        ignored such a value (current Hugo refuses the site), so it is then read as absent,
        for every use of the key, with no error."""
        value = self.raw(key)
        if not isinstance(value, str) or key.lower() in self._times:
            return False
        try:
            # Kept: ``time_of`` gives it without parsing the text again.
            self._times[key.lower()] = parse_talk_time(value, self.zone)
        except DateError:
            self._times[key.lower()] = None
            return True
        return False

    def warn_date(self, key: str, message: str) -> None:
        """Warn about a date key once, whichever chain reads it first."""
        if key.lower() not in self._warned:
            self._warned.add(key.lower())
            self.notes.warn(f"{self.spelled(key)} {message}", self.line(key))


@dataclass(frozen=True)
class Dates:
    """A page's dates as Hugo resolves them."""

    date: datetime | None
    published: datetime | None
    modified: datetime | None
    expires: datetime | None
    slug: str | None
    """The slug a ``:filename`` date gives, where it gives one."""


_CHAINS = ("date", "lastmod", "publishdate", "expirydate")
_PUBLISH_KEYS = frozenset({"date", "publishdate", "pubdate", "published"})
_CHAIN_LABELS = {"date": "the page date", "lastmod": "lastmod", "publishdate": "the publish date"}


def page_dates(
    reader: DateReader, chains: Mapping[str, tuple[str, ...]], path: Path, file_name: str
) -> Dates:
    """Resolve a page's four dates along Hugo's ``frontmatter`` ``chains`` (empty: Hugo's defaults)."""
    return _PageDates(reader, chains or DEFAULT_DATE_KEYS, path, file_name).resolve()


class _PageDates:
    """Resolve a page's four dates along Hugo's ``frontmatter`` chains, as Hugo does.

    A chain's first key with a value wins; a key the page does not set stands for the date
    an earlier chain found (``publishDate`` falls back to the page date, which falls back to
    ``lastmod``). A value Hugo cannot parse is skipped, as Hugo 0.111 skipped it (current
    Hugo refuses the site), with a warning naming what was used instead.
    """

    def __init__(
        self, reader: DateReader, chains: Mapping[str, tuple[str, ...]], path: Path, file_name: str
    ) -> None:
        self.reader = reader
        self.chains = chains
        self.path = path
        self.file_name = file_name
        self.resolved: dict[str, datetime] = {}
        self.sources: dict[str, str] = {}
        self.refused: list[tuple[str, str, object, TalkTime | None]] = []
        """The values Hugo cannot read: key, text, value, and what talkfeed reads in it, if anything."""
        self.slug: str | None = None

    def resolve(self) -> Dates:
        for name in _CHAINS:
            for key in self.chains.get(name, ()):
                value = self._value(key)
                if value is not None:
                    self.resolved[name] = value
                    self.sources[name] = key
                    break
        self._report_refused()
        modified = self.resolved.get("lastmod")
        if self.sources.get("lastmod") in _PUBLISH_KEYS:
            modified = None
        return Dates(
            date=self.resolved.get("date"),
            published=self.resolved.get("publishdate"),
            modified=modified,
            expires=self.resolved.get("expirydate"),
            slug=self.slug,
        )

    def _value(self, key: str) -> datetime | None:
        reader, zone = self.reader, self.reader.zone
        if key == ":filename":
            moment, slug = date_from_file_name(self.file_name, zone)
            if moment is not None:
                self.slug = slug or None
            return moment
        if key == ":filemodtime":
            try:
                return datetime.fromtimestamp(self.path.stat().st_mtime, tz=UTC)
            except OSError:
                return None
        if key.startswith(":"):
            return None
        raw = reader.raw(key)
        if raw is None or raw == "":
            return self.resolved.get(key)
        if reader.unreadable(key):
            self.refused.append((key, str(raw), raw, None))
            return None
        parsed = reader.time_of(key)
        if parsed is None:
            return None
        if hugo_refuses(raw):
            self.refused.append((key, str(raw), raw, parsed))
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            reader.warn_date(
                key,
                f"is a bare number ({raw}): Hugo reads it as seconds since 1970 ({show(parsed)}), "
                "and so does talkfeed (write a date such as 2024-05-01)",
            )
        return moment_of(parsed, zone)

    def _report_refused(self) -> None:
        for key, text, _, parsed in self.refused:
            used = [
                f"{self.reader.spelled(self.sources[name])} ({self.resolved[name].isoformat()}) "
                f"for {_CHAIN_LABELS[name]}"
                for name in ("publishdate", "date")
                if name in self.sources and self.sources[name] != key
            ]
            instead = f"uses {used[0]} instead" if used else "has no other date to use instead"
            written = (
                show(parsed) if parsed is not None else "a date such as 2024-05-01 or 2024-05-01T14:00:00Z"
            )
            self.reader.warn_date(
                key,
                f'"{text}" is not a date Hugo can read: current Hugo refuses to build the site and '
                f"Hugo 0.111 ignores the value; talkfeed ignores it too and {instead} (write {written})",
            )


def _ends_before(start: TalkTime, end: TalkTime) -> bool:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return end < start
    return day_of(end) < day_of(start)


def show(value: TalkTime | None) -> str:
    """A talk time as messages show it."""
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value.isoformat()
