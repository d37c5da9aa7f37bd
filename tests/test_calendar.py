"""The iCalendar file, read back by two independent parsers: icalendar itself and ``ical``.

``ical`` (allenporter/ical, Home Assistant's calendar library) has its own RFC 5545 parser
and shares no code with icalendar, so a fault in how icalendar writes cannot hide behind
the same fault in how it reads.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from talkfeed.formats.calendar import CALENDAR_NAME, calendar_piece, calendar_times, render_calendar
from talkfeed.formats.calendar_links import event_file_name, event_uid
from talkfeed.formats.web import Item
from talkfeed.model import FeedSettings, Talk, TalkTime, entry_of

from conftest import DEMO_SITE, FIXED_NOW, run_cli

SETTINGS = FeedSettings(
    base_url="https://lab.example/",
    feeds_url="https://lab.example/",
    home_url="https://lab.example/talk/",
    title="Talks — Lab",
    description="Talks from Lab",
    language="en",
    author="Lab",
    generator="talkfeed",
    version="9.8.7",
)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PLUS_TWO = timezone(timedelta(hours=2))
PUBLISHED = datetime(2024, 4, 1, 9, 0, tzinfo=PLUS_TWO)

TALK = Talk(
    path="content/talk/graphs/index.md",
    url_path="talk/graphs/",
    lang="en",
    title="Sparse graphs",
    published=PUBLISHED,
    modified=None,
    expires=None,
    draft=False,
    start=datetime(2024, 5, 1, 14, 0, tzinfo=PLUS_TWO),
    end=datetime(2024, 5, 1, 15, 30, tzinfo=PLUS_TWO),
    event="Statistics Day",
    event_url="https://stats.example/",
    location="Room 101",
    address=("Science Park 123", "Amsterdam", "Netherlands"),
    summary="Screening rules.",
    abstract=None,
    body="",
    authors=("Ada Lovelace",),
    tags=("Graphs", "Sparsity"),
    links=(),
)

CONTROL_CHARACTERS = "".join(map(chr, [*range(0x00, 0x20), 0x7F]))
USER_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=CONTROL_CHARACTERS + "\n")
    | st.sampled_from(["\n", "\t", "\\", "N", "n", ",", ";", ":", '"', " ", "🎤", "ש", "\u2028", "\x85"]),
    min_size=1,
)
"""Text a page may hold, control characters aside (they have their own test)."""


@dataclass(frozen=True)
class ReadEvent:
    """One VEVENT as a parser reads it; times as ISO strings, so offsets are compared too."""

    uid: str
    start: str
    end: str | None
    summary: str | None
    location: str | None
    url: str | None
    description: str | None
    categories: tuple[str, ...]
    stamp: str
    last_modified: str | None


def _talk(**changes: Any) -> Talk:
    return dataclasses.replace(TALK, **changes)


def _item(talk: Talk = TALK, summary_text: str = "Screening rules.") -> Item:
    url = SETTINGS.base_url + talk.url_path
    return Item(talk, url, f"<p>{summary_text}</p>", summary_text, "<p>Content.</p>")


def _render(*items: Item, name: str = SETTINGS.title) -> bytes:
    return render_calendar(
        [entry_of(item.talk, {"ics": calendar_piece(item)}) for item in items], SETTINGS, name
    )


def _iso(value: TalkTime | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_with_icalendar(data: bytes) -> list[ReadEvent]:
    return [
        ReadEvent(
            uid=event.decoded("UID"),
            start=event.decoded("DTSTART").isoformat(),
            end=_iso(event.decoded("DTEND", None)),
            summary=event.decoded("SUMMARY", None),
            location=event.decoded("LOCATION", None),
            url=event.decoded("URL", None),
            description=event.decoded("DESCRIPTION", None),
            categories=tuple(event.decoded("CATEGORIES", ())),
            stamp=event.decoded("DTSTAMP").isoformat(),
            last_modified=_iso(event.decoded("LAST-MODIFIED", None)),
        )
        for event in icalendar.Calendar.from_ical(data).walk("VEVENT")
    ]


def _read_with_ical(data: bytes) -> list[ReadEvent]:
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return [
        ReadEvent(
            uid=str(event.uid),
            start=str(_iso(event.dtstart)),
            end=_iso(event.dtend),
            summary=event.summary,
            location=event.location,
            url=event.url,
            description=event.description,
            categories=tuple(event.categories),
            stamp=str(_iso(event.dtstamp)),
            last_modified=_iso(event.last_modified),
        )
        for event in calendar.events
    ]


def _read(data: bytes) -> list[ReadEvent]:
    """Read the events with both parsers, which must agree on every field."""
    by_icalendar = _read_with_icalendar(data)
    assert _read_with_ical(data) == by_icalendar
    return by_icalendar


def _read_one(data: bytes) -> ReadEvent:
    (event,) = _read(data)
    return event


def _lines(data: bytes) -> list[str]:
    """The content lines, unfolded."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_calendar_starts_with_prodid_version_calscale_and_name() -> None:
    assert _lines(_render())[:6] == [
        "BEGIN:VCALENDAR",
        "PRODID:-//talkfeed//talkfeed 9.8.7//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "NAME:Talks — Lab",
        "X-WR-CALNAME:Talks — Lab",
    ]


def test_both_parsers_read_the_calendar_properties() -> None:
    data = _render(_item())
    by_icalendar = icalendar.Calendar.from_ical(data)
    by_ical = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    expected = ("-//talkfeed//talkfeed 9.8.7//EN", "2.0", "GREGORIAN", "Talks — Lab")
    assert (by_ical.prodid, by_ical.version, by_ical.calscale, by_ical.name[0]) == expected
    assert (
        tuple(str(by_icalendar[key]) for key in ("PRODID", "VERSION", "CALSCALE", "X-WR-CALNAME")) == expected
    )


def test_calendar_name_is_escaped_text() -> None:
    data = _render(name="Talks, seminars; 🎤 \\N")
    assert r"X-WR-CALNAME:Talks\, seminars\; 🎤 \\N" in _lines(data)
    assert IcsCalendarStream.calendar_from_ics(data.decode("utf-8")).name == ["Talks, seminars; 🎤 \\N"]


def test_one_event_per_talk_with_a_start_in_the_order_given() -> None:
    slugs = ["b", "a", "unscheduled", "c"]
    items = [
        _item(_talk(url_path=f"talk/{slug}/", start=None if slug == "unscheduled" else TALK.start))
        for slug in slugs
    ]
    urls = [event.url for event in _read(_render(*items))]
    assert urls == [
        "https://lab.example/talk/b/",
        "https://lab.example/talk/a/",
        "https://lab.example/talk/c/",
    ]


def test_no_talks_make_an_empty_calendar_both_parsers_read() -> None:
    assert _read(_render()) == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            datetime(2024, 5, 1, 14, 0, tzinfo=PLUS_TWO),
            datetime(2024, 5, 1, 15, 30, tzinfo=PLUS_TWO),
            ("2024-05-01T12:00:00+00:00", "2024-05-01T13:30:00+00:00"),
        ),
        (
            datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
            datetime(2024, 5, 1, 13, 0, tzinfo=UTC),
            ("2024-05-01T12:00:00+00:00", "2024-05-01T13:00:00+00:00"),
        ),
        (
            datetime(2024, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
            None,
            ("2024-05-01T18:30:00+00:00", None),
        ),
        (
            datetime(2024, 6, 12, 10, 30, tzinfo=AMSTERDAM),
            datetime(2024, 6, 12, 11, 15, tzinfo=AMSTERDAM),
            ("2024-06-12T10:30:00+02:00", "2024-06-12T11:15:00+02:00"),
        ),
        (
            datetime(2024, 10, 26, 23, 0, tzinfo=AMSTERDAM),
            datetime(2024, 10, 27, 4, 0, tzinfo=AMSTERDAM),
            ("2024-10-26T23:00:00+02:00", "2024-10-27T04:00:00+01:00"),
        ),
        (
            datetime(2024, 1, 15, 18, 0, tzinfo=ZoneInfo("Europe/London")),
            datetime(2024, 1, 15, 19, 0, tzinfo=ZoneInfo("Europe/London")),
            ("2024-01-15T18:00:00+00:00", "2024-01-15T19:00:00+00:00"),
        ),
        (
            datetime(2024, 5, 1, 10, 0, tzinfo=AMSTERDAM),
            datetime(2024, 5, 1, 10, 0, tzinfo=AMSTERDAM),
            ("2024-05-01T10:00:00+02:00", None),
        ),
        (
            datetime(2024, 5, 1, 10, 0, tzinfo=AMSTERDAM),
            date(2024, 5, 3),
            ("2024-05-01T10:00:00+02:00", "2024-05-04T00:00:00+02:00"),
        ),
        (
            datetime(2024, 5, 1, 10, 0, tzinfo=PLUS_TWO),
            date(2024, 5, 1),
            ("2024-05-01T08:00:00+00:00", None),
        ),
        (date(2024, 5, 1), None, ("2024-05-01", "2024-05-02")),
        (date(2024, 5, 1), date(2024, 5, 1), ("2024-05-01", "2024-05-02")),
        (date(2024, 5, 1), date(2024, 5, 3), ("2024-05-01", "2024-05-04")),
        (date(2024, 2, 28), date(2024, 2, 29), ("2024-02-28", "2024-03-01")),
        (date(2023, 12, 31), None, ("2023-12-31", "2024-01-01")),
        (date(2024, 5, 1), datetime(2024, 5, 2, 18, 0, tzinfo=PLUS_TWO), ("2024-05-01", "2024-05-03")),
    ],
    ids=[
        "fixed-offset-in-utc",
        "utc",
        "fixed-half-hour-offset-no-end",
        "named-zone-keeps-offset",
        "named-zone-across-dst-change",
        "named-zone-at-utc-offset-zero",
        "end-equal-to-start-left-out",
        "timed-until-a-date-ends-at-next-midnight",
        "timed-until-its-own-date-has-no-end",
        "all-day-one-day-without-end",
        "all-day-one-day-with-end",
        "all-day-three-days",
        "all-day-ending-leap-day",
        "all-day-ending-year",
        "all-day-until-a-datetime",
    ],
)
def test_start_and_end_read_back_exactly(
    start: TalkTime, end: TalkTime | None, expected: tuple[str, str | None]
) -> None:
    event = _read_one(_render(_item(_talk(start=start, end=end))))
    assert (event.start, event.end) == expected


def test_fixed_offset_is_written_in_utc_without_a_vtimezone() -> None:
    lines = _lines(_render(_item()))
    assert {"DTSTART:20240501T120000Z", "DTEND:20240501T133000Z"} <= set(lines)
    assert "BEGIN:VTIMEZONE" not in lines


def test_named_zone_is_written_with_its_tzid_and_a_vtimezone() -> None:
    talk = _talk(start=datetime(2024, 6, 12, 10, 30, tzinfo=AMSTERDAM), end=None)
    data = _render(_item(talk))
    assert "DTSTART;TZID=Europe/Amsterdam:20240612T103000" in _lines(data)
    timezones = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in timezones] == ["Europe/Amsterdam"]
    (by_icalendar,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    by_ical = IcsCalendarStream.calendar_from_ics(data.decode("utf-8")).events[0]
    starts = [by_icalendar.decoded("DTSTART"), by_ical.dtstart]
    assert [getattr(start, "tzinfo", None) for start in starts] == [AMSTERDAM, AMSTERDAM]


def test_vtimezone_alone_gives_the_right_offsets() -> None:
    # Renamed, the zone is no IANA name, so the parser must use the VTIMEZONE's rules.
    # Only icalendar is asked: ical (14.3) skips an observance's onset unless an RRULE
    # or RDATE repeats it, and so reads any single-onset observance as UTC.
    talk = _talk(
        start=datetime(2024, 10, 26, 23, 0, tzinfo=AMSTERDAM), end=datetime(2024, 10, 27, 4, tzinfo=AMSTERDAM)
    )
    data = _render(_item(talk)).replace(b"Europe/Amsterdam", b"Lab/Local")
    (event,) = _read_with_icalendar(data)
    assert (event.start, event.end) == ("2024-10-26T23:00:00+02:00", "2024-10-27T04:00:00+01:00")


def test_each_zone_has_one_vtimezone_in_tzid_order() -> None:
    zones = ["Pacific/Auckland", "Europe/Amsterdam", "Asia/Tokyo", "America/New_York", "Europe/Amsterdam"]
    items = [
        _item(_talk(url_path=f"talk/{index}/", start=datetime(2024, 5, 1, 10, tzinfo=ZoneInfo(zone))))
        for index, zone in enumerate(zones)
    ]
    timezones = icalendar.Calendar.from_ical(_render(*items)).walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in timezones] == sorted(set(zones))


def test_all_day_talk_is_written_as_date_values() -> None:
    lines = _lines(_render(_item(_talk(start=date(2024, 5, 1), end=date(2024, 5, 2)))))
    assert {"DTSTART;VALUE=DATE:20240501", "DTEND;VALUE=DATE:20240503"} <= set(lines)


def test_second_render_is_byte_identical() -> None:
    items = [_item(), _item(_talk(url_path="talk/zoned/", start=datetime(2024, 3, 31, 10, tzinfo=AMSTERDAM)))]
    assert _render(*items) == _render(*items)


def test_uid_is_stable_when_title_times_and_text_change() -> None:
    edited = _talk(title="Sparse graphs, revised", start=date(2025, 1, 1), end=None, location="Hall", tags=())
    before = _read_one(_render(_item()))
    after = _read_one(_render(_item(edited, summary_text="New summary")))
    assert after.uid == before.uid


def test_uid_differs_per_permalink() -> None:
    events = _read(_render(_item(), _item(_talk(url_path="talk/other/"))))
    assert events[0].uid != events[1].uid


def test_event_reads_back_title_location_url_and_tags() -> None:
    event = _read_one(_render(_item()))
    assert (event.summary, event.location, event.url, event.categories) == (
        "Sparse graphs",
        "Room 101, Science Park 123, Amsterdam, Netherlands",
        "https://lab.example/talk/graphs/",
        ("Graphs", "Sparsity"),
    )


@pytest.mark.parametrize(
    ("location", "address", "expected"),
    [
        (None, ("Amsterdam", "Netherlands"), "Amsterdam, Netherlands"),
        ("Online", (), "Online"),
        (None, (), None),
    ],
    ids=["address-only", "location-only", "neither"],
)
def test_location_joins_what_the_page_gives(
    location: str | None, address: tuple[str, ...], expected: str | None
) -> None:
    assert _read_one(_render(_item(_talk(location=location, address=address)))).location == expected


@pytest.mark.parametrize(
    ("event_name", "summary_text", "expected"),
    [
        ("Statistics Day", "Screening rules.", "Statistics Day\n\nScreening rules."),
        (None, "Screening rules.", "Screening rules."),
        ("Statistics Day", "", "Statistics Day"),
        (None, "", None),
    ],
    ids=["event-and-summary", "summary-only", "event-only", "neither"],
)
def test_description_is_event_name_then_plain_summary(
    event_name: str | None, summary_text: str, expected: str | None
) -> None:
    event = _read_one(_render(_item(_talk(event=event_name), summary_text=summary_text)))
    assert event.description == expected


@pytest.mark.parametrize(
    ("modified", "expected"),
    [
        (datetime(2024, 4, 20, 18, 0, tzinfo=AMSTERDAM), "2024-04-20T16:00:00+00:00"),
        (None, "2024-04-01T07:00:00+00:00"),
    ],
    ids=["modified", "published-only"],
)
def test_dtstamp_and_last_modified_come_from_the_page_in_utc(
    modified: datetime | None, expected: str
) -> None:
    event = _read_one(_render(_item(_talk(modified=modified))))
    assert (event.stamp, event.last_modified) == (expected, expected)


def test_event_has_exactly_the_documented_properties() -> None:
    (event,) = icalendar.Calendar.from_ical(_render(_item())).walk("VEVENT")
    assert list(event) == [
        "UID",
        "DTSTAMP",
        "LAST-MODIFIED",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "LOCATION",
        "URL",
        "DESCRIPTION",
        "CATEGORIES",
    ]


SPECIAL_TEXTS = {
    "commas-semicolons": "Graphs, trees; forests",
    "newlines": "Line one\nLine two\n\nLine four",
    "backslashes": "Backslash \\ and C:\\Notes\\new",
    "quotes-colons": 'Quotes "like this": and colons',
    "emoji": "Emoji 🎤🧪👩🏽‍🔬 and a flag 🇳🇱",
    "right-to-left": "עברית ועוד · العربية، نعم",
    "tab": "Tab\there",
}


@pytest.mark.parametrize("text", SPECIAL_TEXTS.values(), ids=SPECIAL_TEXTS.keys())
def test_special_text_reads_back_identically(text: str) -> None:
    talk = _talk(title=text, location=text, address=(), event=None)
    event = _read_one(_render(_item(talk, summary_text=text)))
    assert (event.summary, event.location, event.description) == (text, text, text)


@pytest.mark.parametrize(
    "tag",
    [text.replace(",", "") for text in SPECIAL_TEXTS.values()],
    ids=SPECIAL_TEXTS.keys(),
)
def test_special_tag_reads_back_identically(tag: str) -> None:
    assert _read_one(_render(_item(_talk(tags=(tag, "plain"))))).categories == (tag, "plain")


def test_tag_with_a_comma_is_one_escaped_category() -> None:
    # Checked with icalendar only: ical (14.3) splits CATEGORIES on every comma, escaped or not.
    data = _render(_item(_talk(tags=("Graphs, trees", "plain"))))
    assert "CATEGORIES:Graphs\\, trees,plain" in _lines(data)
    (event,) = _read_with_icalendar(data)
    assert event.categories == ("Graphs, trees", "plain")


def test_carriage_returns_become_line_breaks_and_controls_are_dropped() -> None:
    event = _read_one(_render(_item(_talk(title="a\r\nb\rc\x00d\x1be\x7ff\x0cg"))))
    assert event.summary == "a\nb\ncdefg"


@settings(deadline=None)
@given(title=USER_TEXT, tag=USER_TEXT.map(lambda text: text.replace(",", "")).filter(bool))
def test_any_page_text_reads_back_identically(title: str, tag: str) -> None:
    event = _read_one(_render(_item(_talk(title=title, tags=(tag,)))))
    assert (event.summary, event.categories) == (title, (tag,))


def test_lines_are_crlf_and_folded_at_75_octets_between_characters() -> None:
    title = "Speech 🎤 across עברית and العربية, " * 12
    data = _render(_item(_talk(title=title)))
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\r" not in line and b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert sum(line.startswith(b" ") for line in lines) >= 5
    for line in lines:
        line.decode("utf-8")
    assert _read_one(data).summary == title


def test_icalendar_vtext_still_reads_backslash_n_as_a_line_break() -> None:
    # Why talkfeed escapes TEXT itself: when this fails, icalendar's vText is safe to use.
    assert icalendar.vText("C:\\Notes").to_ical() == b"C:\\notes"


def _cli_calendar(folder: Path) -> bytes:
    written = folder / CALENDAR_NAME
    if not written.exists():
        pytest.skip(f"this build of the CLI writes no {CALENDAR_NAME}")
    return written.read_bytes()


def _moment(text: str) -> date:
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def test_cli_calendar_has_the_scheduled_talks_of_the_cli_json_feed(demo_output: Path) -> None:
    events = _read(_cli_calendar(demo_output))
    feed = json.loads((demo_output / "feed.json").read_text(encoding="utf-8"))
    scheduled = [entry for entry in feed["items"] if "start" in entry["_talk"]]
    assert events, "the demo site has scheduled talks"
    assert [(event.url, event.summary) for event in events] == [
        (entry["url"], entry["title"]) for entry in scheduled
    ]
    assert [_moment(event.start) for event in events] == [
        _moment(entry["_talk"]["start"]) for entry in scheduled
    ]


def test_cli_calendar_is_byte_identical_on_a_second_build(demo_output: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = run_cli(["build", str(DEMO_SITE), "-o", str(again), "--now", FIXED_NOW, "-q"])
    assert result.exit_code == 0, result.stderr
    assert _cli_calendar(again) == _cli_calendar(demo_output)


def _icalendar_event(item: Item) -> str:
    """The VEVENT icalendar itself writes for a talk, from the values talkfeed chooses."""
    talk = item.talk
    assert talk.start is not None
    event = icalendar.Event()
    start, end = calendar_times(talk.start, talk.end)
    stamp = (talk.modified or talk.published).astimezone(UTC)
    event.add("uid", str(uuid5(NAMESPACE_URL, item.id)))
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("dtstart", start)
    if end is not None:
        event.add("dtend", end)
    event.add("summary", talk.title)
    location = ", ".join(part for part in (talk.location, *talk.address) if part)
    if location:
        event.add("location", location)
    event.add("url", item.url)
    description = "\n\n".join(part for part in (talk.event, item.summary_text) if part)
    if description:
        event.add("description", description)
    if talk.tags:
        event.add("categories", list(talk.tags))
    return event.to_ical(sorted=False).decode("utf-8")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2024, 5, 1, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), None),
        (
            datetime(2024, 5, 1, 10, 0, tzinfo=ZoneInfo("America/New_York")),
            datetime(2024, 5, 1, 11, 30, tzinfo=ZoneInfo("America/New_York")),
        ),
        (datetime(2024, 5, 1, 10, 0, tzinfo=ZoneInfo("UTC")), None),
        (datetime(2024, 5, 1, 10, 0, tzinfo=ZoneInfo("Africa/Abidjan")), None),
        (datetime(2024, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))), None),
        (datetime(2024, 5, 1, 10, 0, 7, 123, tzinfo=UTC), datetime(2024, 5, 2, 9, 0, tzinfo=UTC)),
        (date(2024, 5, 1), date(2024, 5, 3)),
    ],
    ids=[
        "named-zone",
        "named-zone-with-end",
        "utc-zone",
        "utc-equivalent-zone",
        "fixed-offset",
        "utc",
        "days",
    ],
)
def test_an_event_is_written_as_icalendar_writes_it(start: TalkTime, end: TalkTime | None) -> None:
    talk = _talk(
        start=start,
        end=end,
        title="Ünïcode; commas, and \\ backslashes — " + "long " * 20,
        tags=("a,b", "c;d"),
        location="Room 1",
    )
    item = _item(talk, summary_text="Line one.\nLine two: C:\\data")
    assert json.loads(calendar_piece(item))["event"] == _icalendar_event(item)


@settings(max_examples=300, deadline=None)
@given(
    lasting_id=st.text(st.characters(exclude_categories=("Cs",)), max_size=80),
    path=st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=20), max_size=4),
)
def test_event_file_name_is_the_permalinks_slug_and_the_uids_first_digits(
    lasting_id: str, path: list[str]
) -> None:
    """Each talk's own calendar is named by its permalink's last part, kept to letters and digits
    joined by hyphens, and the first eight digits of its UID: the name a build of any earlier
    version gave it, so links people kept still work."""
    url_path = "/".join(path)
    last = next((part for part in reversed(url_path.split("/")) if part), "")
    words = "".join(char if char.isalnum() else " " for char in last.lower()).split()
    expected = f"events/{'-'.join(words) or 'talk'}-{str(uuid5(NAMESPACE_URL, lasting_id))[:8]}.ics"
    assert event_file_name(lasting_id, url_path) == expected
    assert event_uid(lasting_id).startswith(expected[-12:-4])
