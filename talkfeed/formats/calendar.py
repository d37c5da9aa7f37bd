"""Render the talks as an iCalendar (RFC 5545) file with icalendar: the one module that imports it.

icalendar's defaults are set aside where they would break reproducible or faithful output:
DTSTAMP defaults to the clock, ``add_missing_timezones`` adds zones in set order, and its TEXT
escaping turns a backslash followed by N in the text into a line break.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from icalendar import Calendar, Parameters, Timezone, vDuration
from icalendar.timezone.tzid import is_utc, tzid_from_dt

from talkfeed.formats.calendar_links import event_file_name, event_uid
from talkfeed.formats.format import FeedLink, ViewFiles
from talkfeed.formats.slots import Chunk, Content, Spliced, Version, joined, no_version, slots, token_of
from talkfeed.formats.web import Item
from talkfeed.formats.web.item import place_of
from talkfeed.formats.words import words_for
from talkfeed.model import UNDATED, Entry, FeedSettings, Part, Talk, TalkTime, day_of, own_piece

CALENDAR_NAME = "talks.ics"
UPCOMING_CALENDAR_NAME = "upcoming.ics"
CALENDAR_TYPE = "text/calendar"
_CALENDAR_CLOSE = "END:VCALENDAR\r\n"
_CALENDAR_CLOSE_BYTES = _CALENDAR_CLOSE.encode("utf-8")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""What RFC 5545 forbids in TEXT besides line breaks, which are escaped."""


def calendar_piece(item: Item) -> str:
    """Render one talk's VEVENT and the days it uses each time zone on, as a JSON part.

    The part is ``{"event": text, "zones": [[tzid, first day, last day], …]}``: structured,
    so no text of the event can pose as anything else. A talk without a start has no event:
    its part is empty.
    """
    if item.talk.start is None:
        return ""
    event, days = _event(item, item.talk.start)
    zones = [[tzid, min(used).isoformat(), max(used).isoformat()] for tzid, used in sorted(days.items())]
    return json.dumps({"event": event, "zones": zones}, ensure_ascii=False)


def _fold_ascii(line: str, limit: int) -> str:
    """Fold as ``_fold`` does, for text of one octet per character."""
    parts = []
    start = 0
    while len(line) - start >= limit:
        end = start + limit - 1
        if line[end - 1] in "\\^":
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return "\r\n ".join(part for part in parts if part)


def _fold(line: str, limit: int = 75) -> str:
    """Fold a content line as icalendar does: before the octet that would reach ``limit``.

    A TEXT escape (a backslash or caret) is never left at the end of a folded line.
    icalendar walks every character in Python; here a non-ASCII line is cut in its UTF-8
    octets, each cut moved back to the start of the character it falls in.
    """
    if line.isascii():
        return _fold_ascii(line, limit)
    octets = line.encode("utf-8")
    parts = []
    start = 0
    while len(octets) - start >= limit:
        end = start + limit - 1
        while octets[end] & 0xC0 == 0x80:  # inside a character
            end -= 1
        if octets[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        parts.append(octets[start:end].decode("utf-8"))
        start = end
    parts.append(octets[start:].decode("utf-8"))
    return "\r\n ".join(parts)


def render_calendar(
    entries: Sequence[Entry], settings: FeedSettings, name: str, part: Part = own_piece
) -> bytes:
    """Render the calendar whole; see ``calendar_chunks``."""
    return joined(calendar_chunks(entries, settings, name, part))


def calendar_chunks(
    entries: Sequence[Entry],
    settings: FeedSettings,
    name: str,
    part: Part,
    version: Version = no_version,
    notes: Mapping[str, str] | None = None,
    url: str | None = None,
) -> Iterator[Chunk]:
    """Render one VEVENT per talk that has a start, in the order given (each a slot).

    ``name`` is the calendar's display name, written as NAME (RFC 7986) and X-WR-CALNAME;
    builds pass ``settings.title``. Talks without a start are left out.

    Times keep the page's own offset. A datetime in a named zone (a ``ZoneInfo``) is written
    with its TZID, and the calendar carries a VTIMEZONE for that zone covering the talks' days.
    A datetime with only a fixed UTC offset is written in UTC (``...Z``): iCalendar names zones
    only through TZID and a VTIMEZONE, and a made-up zone per offset would help no client.

    With no talk scheduled the calendar holds no component. RFC 5545's grammar asks for one,
    but a subscribed calendar must stay readable when empty, and parsers read it as such.

    The output depends on the items and settings only, never on the clock or hash seeds:
    DTSTAMP and LAST-MODIFIED are the page's modified (else published) date, and the UID is
    made from the permalink, so it survives edits to everything but the talk's URL.

    The time zones each event uses come from ``notes`` (by slot token, as the last run's slots
    left them) where they are, else from its part; each slot keeps them as its note.

    Calendar apps that subscribe are asked to fetch it again after ``settings.calendar_refresh``
    (RFC 7986 REFRESH-INTERVAL, and X-PUBLISHED-TTL, which Outlook reads); ``url``, where
    given, is where the calendar is served (its SOURCE).
    """
    calendar = _calendar(settings)
    calendar.add("name", _Text(name), encode=False)
    calendar.add("x-wr-calname", _Text(name), encode=False)
    if settings.calendar_refresh is not None:
        # icalendar leaves out VALUE=DURATION, which RFC 7986 requires, unless it is given; and
        # it writes a timedelta as an unknown property's value in Python's form (1:00:00).
        calendar.add("refresh-interval", settings.calendar_refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(settings.calendar_refresh))
    if url is not None:
        calendar.add("source", url, parameters={"VALUE": "URI"})
    yield from _with_events(calendar, entries, part, version, notes)


def event_calendar_chunks(
    entry: Entry,
    settings: FeedSettings,
    part: Part,
    version: Version = no_version,
    notes: Mapping[str, str] | None = None,
) -> Iterator[Chunk]:
    """Give one talk's own calendar, for "add to calendar": its VEVENT as the calendars have it
    (the same UID) and its time zones; no name, refresh or source, as nothing subscribes to it.

    A build writes one per talk, so what icalendar renders is rendered once and kept: the head,
    and each zone's VTIMEZONE over whole years (the talk's), which many talks share.
    """
    token = token_of(entry, "ics", version)
    note = (notes or {}).get(token) if token is not None else None
    if note is None:
        piece = part(entry, "ics")
        note = json.dumps(json.loads(piece)["zones"]) if piece else "[]"
    yield _event_head(settings.version, note)
    yield slots("ics", part, version, shape=_event_text)(entry, note)
    yield _CALENDAR_CLOSE_BYTES


@functools.lru_cache(maxsize=1024)
def _event_head(version: str, zones: str) -> bytes:
    """A talk's own calendar up to its event: the head and the VTIMEZONEs ``zones`` (a note) names.

    One bytes object for all talks of the same zones, so the writer knows it at once."""
    return (
        _head_text(version)
        + "".join(
            _zone_text(tzid, date.fromisoformat(first).year, date.fromisoformat(last).year)
            for tzid, first, last in json.loads(zones)
        )
    ).encode("utf-8")


@functools.lru_cache(maxsize=8)
def _head_text(version: str) -> str:
    document: str = _calendar_of(version).to_ical(sorted=False).decode("utf-8")
    return document[: document.rindex(_CALENDAR_CLOSE)]


@functools.lru_cache(maxsize=1024)
def _zone_text(tzid: str, first_year: int, last_year: int) -> str:
    zone = Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1))
    return str(zone.to_ical(sorted=False).decode("utf-8"))


def _calendar(settings: FeedSettings) -> Calendar:
    return _calendar_of(settings.version)


def _calendar_of(version: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//talkfeed//talkfeed {version}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _with_events(
    calendar: Calendar,
    entries: Sequence[Entry],
    part: Part,
    version: Version,
    notes: Mapping[str, str] | None,
) -> Iterator[Chunk]:
    """Give ``calendar`` with one VEVENT per talk that has a start, each a slot, after the
    time zones they use."""
    # The first and last day each zone is used on, as ISO dates (which sort as the days do).
    spans: dict[str, tuple[str, str]] = {}
    known = notes or {}
    seen: set[str] = {"[]"}
    scheduled: list[tuple[Entry, str]] = []
    for entry in entries:
        if entry.start is None:
            continue  # no start, no event: its part is empty
        token = token_of(entry, "ics", version)
        note = known.get(token) if token is not None else None
        if note is None:
            piece = part(entry, "ics")
            note = json.dumps(json.loads(piece)["zones"]) if piece else "[]"
        scheduled.append((entry, note))
        if note in seen:
            continue  # talks share zones and days: each note counts once
        seen.add(note)
        for tzid, first, last in json.loads(note):
            earliest, latest = spans.get(tzid, (first, last))
            spans[tzid] = (min(earliest, first), max(latest, last))
    days = {
        tzid: [date.fromisoformat(first), date.fromisoformat(last)] for tzid, (first, last) in spans.items()
    }
    for zone in _timezones(days):
        calendar.add_component(zone)
    document: str = calendar.to_ical(sorted=False).decode("utf-8")
    yield document[: document.rindex(_CALENDAR_CLOSE)].encode("utf-8")
    # The time zones come before the events: the events are read when they are written.
    slot = slots("ics", part, version, shape=_event_text)
    for entry, note in scheduled:
        yield slot(entry, note)
    yield _CALENDAR_CLOSE.encode("utf-8")


class _Calendar:
    """iCalendar (see ``Format``): ``talks.ics`` and ``upcoming.ics`` of the main set, each
    ``--per`` view's own ``talks.ics``, and each talk's own calendar (``events/…``)."""

    name = "ics"
    feed_file = None
    styled = False

    def piece(self, item: Item) -> str:
        return calendar_piece(item)

    def links(self, settings: FeedSettings, main: bool, upcoming_title: str) -> Sequence[FeedLink]:
        words = words_for(settings.wording)
        calendar = settings.feeds_url + CALENDAR_NAME
        links = [FeedLink(words("talkfeed_calendar"), calendar, CALENDAR_TYPE, settings.title)]
        if main:
            # Named as the calendar names itself: the title of the upcoming view's feeds.
            upcoming = settings.feeds_url + UPCOMING_CALENDAR_NAME
            title = words("talkfeed_upcoming_calendar")
            links.append(FeedLink(title, upcoming, CALENDAR_TYPE, upcoming_title))
        return links

    def files(self, view: ViewFiles) -> Iterator[tuple[str, Content]]:
        kind = view.view.kind
        if kind in ("all", "upcoming"):
            name = CALENDAR_NAME if kind == "all" else UPCOMING_CALENDAR_NAME
            yield name, _calendar_file(view, view.root.feeds_url + name)
        if view.own_set:
            yield (
                view.view.folder + CALENDAR_NAME,
                _calendar_file(view, view.settings.feeds_url + CALENDAR_NAME),
            )
        for entry in view.view.talks:
            if entry.start is not None:
                event = partial(event_calendar_chunks, entry, view.root, view.part, view.version)
                yield event_file_name(view.ids(entry), entry.url_path), Spliced(event)


CALENDAR = _Calendar()


def _calendar_file(view: ViewFiles, url: str) -> Spliced:
    """A calendar file served at ``url``, which takes its events' time zones from the last run's
    notes where it can."""
    settings, talks, part, version = view.settings, view.view.talks, view.part, view.version
    return Spliced(lambda notes: calendar_chunks(talks, settings, settings.title, part, version, notes, url))


def _event_text(piece: str) -> str:
    return str(json.loads(piece)["event"]) if piece else ""


def calendar_times(start: TalkTime, end: TalkTime | None) -> tuple[TalkTime, TalkTime | None]:
    """Turn a talk's start and end into DTSTART and DTEND values, DTEND ``None`` for none.

    An all-day talk (a date start) ends the day after its last day, as DTEND is exclusive;
    a one-day talk ends the day after its start. A timed talk has no DTEND without a later
    end. When its end is a later date, it lasts until the midnight after that day in its own
    zone; an end date on its own day tells nothing, so it has no DTEND then.
    """
    if not isinstance(start, datetime):
        last = start if end is None else max(start, day_of(end))
        return start, last + timedelta(days=1)
    if end is not None and not isinstance(end, datetime):
        after = end + timedelta(days=1)
        end = datetime.combine(after, time(), tzinfo=start.tzinfo) if end > start.date() else None
    if end is None or end <= start:
        return _named_zone_or_utc(start), None
    return _named_zone_or_utc(start), _named_zone_or_utc(end)


def _description(item: Item) -> str:
    """Say what the DESCRIPTION holds: the event (each venue of a list on its line, each link's
    address after its text), then the summary as plain text."""
    return "\n\n".join(part for part in (item.event_lines, item.summary_text) if part)


class _Text:
    """A TEXT value escaped as RFC 5545 section 3.3.11 says, several joined by commas.

    icalendar's ``vText`` reads a backslash followed by N as a line break, so text such as
    ``C:\\Notes`` would come back changed.
    """

    def __init__(self, *values: str) -> None:
        self.values = values
        self.params = Parameters()

    def to_ical(self) -> bytes:
        return b",".join(_escape(value).encode("utf-8") for value in self.values)


def _escape(text: str) -> str:
    lines = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return lines.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _event(item: Item, talk_start: TalkTime) -> tuple[str, dict[str, list[date]]]:
    """Write a talk's VEVENT as icalendar would write its ``Event``, and the days per TZID it uses.

    The content lines are written here, not through icalendar's objects, which cost a quarter
    of a build; ``tests/test_calendar.py`` checks them against icalendar's own output.
    """
    talk = item.talk
    start, end = calendar_times(talk_start, talk.end)
    stamp = _utc_stamp(_stamped(talk, start).astimezone(UTC))
    days: dict[str, list[date]] = {}
    lines = ["BEGIN:VEVENT", f"UID:{event_uid(item.id)}", f"DTSTAMP:{stamp}", f"LAST-MODIFIED:{stamp}"]
    lines.append(_date_line("DTSTART", start, days))
    if end is not None:
        lines.append(_date_line("DTEND", end, days))
    lines.append(f"SUMMARY:{_escape(talk.title)}")
    location = _location(talk)
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    lines.append(f"URL:{item.url}")
    description = _description(item)
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    if talk.tags:
        lines.append("CATEGORIES:" + ",".join(_escape(tag) for tag in talk.tags))
    lines.append("END:VEVENT")
    return "".join(_fold(line) + "\r\n" for line in lines), days


def _stamped(talk: Talk, start: TalkTime) -> datetime:
    """When the event was last changed: the page's lastmod, else its publish date; for a page
    without a date (dated year 1 as Hugo dates it), the talk's start, which no reader doubts."""
    if talk.modified not in (None, UNDATED) or talk.published != UNDATED:
        return talk.modified if talk.modified not in (None, UNDATED) else talk.published
    return start if isinstance(start, datetime) else datetime.combine(start, time(), UTC)


def _date_line(name: str, value: TalkTime, days: dict[str, list[date]]) -> str:
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{value:%Y%m%d}"
    tzid = None if is_utc(value) else tzid_from_dt(value)
    if tzid is None:
        return f"{name}:{_utc_stamp(value.astimezone(UTC))}"
    days.setdefault(tzid, []).append(value.date())
    return f"{name};TZID={tzid}:{value:%Y%m%dT%H%M%S}"


def _utc_stamp(value: datetime) -> str:
    # strftime writes a year before 1000 with fewer than four digits.
    return f"{value.year:04d}{value:%m%dT%H%M%S}Z"


def _location(talk: Talk) -> str:
    return ", ".join(place_of(talk))


def _timezones(days: dict[str, list[date]]) -> list[Timezone]:
    """Make a VTIMEZONE for each TZID the events use, in TZID order, over the days they use it."""
    return [
        Timezone.from_tzid(tzid, first_date=min(used), last_date=max(used) + timedelta(days=1))
        for tzid, used in sorted(days.items())
    ]


def _named_zone_or_utc(value: datetime) -> datetime:
    """Keep a time in a named zone (written with TZID); move a fixed offset to UTC."""
    if isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key is not None:
        return value
    return value.astimezone(UTC)
