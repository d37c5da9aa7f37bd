"""Calendars in people's calendar apps: they ask to be refreshed, each talk has its own file, and the
page's links into Google Calendar and Outlook carry the times the files have.

Each calendar is read by icalendar, by ``ical`` and by vobject (three parsers that share no
code), and imported by khal, a calendar app run from the command line: what it lists is what a
person would see. Google's and Outlook's forms cannot be opened here (no network); their links
are decoded and compared with the files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import icalendar
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from talkfeed.durations import read_duration

from conftest import make_site, run_cli

ALL_DAY = """---
title: All-day workshop
date: 2027-03-10
date_end: 2027-03-11
all_day: true
publishDate: 2026-01-01
location: Science Park
---
"""
BERLIN = """---
title: Evening talk in Berlin
date: 2027-03-12T18:30:00
date_end: 2027-03-12T19:15:00
publishDate: 2026-01-02
location: Kino
address:
  city: Berlin
tags: [graphs, "a, b"]
---
"""
UTC_TALK = """---
title: Morning talk in UTC
date: 2027-03-13T09:00:00Z
date_end: 2027-03-13T10:00:00Z
publishDate: 2026-01-03
---
"""
CONFIG = 'baseURL = "https://lab.example/"\ntitle = "Lab"\ntimeZone = "Europe/Berlin"\n'
NOW = "2026-06-01T00:00:00+0000"
KHAL = Path(sys.executable).with_name("khal")


@dataclass(frozen=True)
class Times:
    """A talk's start and end as the files and links give them: dates, or instants in UTC."""

    title: str
    start: date | datetime
    end: date | datetime


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three talks' feeds, with a tag view, built with a refresh of 30 minutes."""
    folder = tmp_path_factory.mktemp("calendars")
    site = make_site(folder, {"allday.md": ALL_DAY, "berlin.md": BERLIN, "utc.md": UTC_TALK}, CONFIG)
    output = folder / "out"
    arguments = ["build", site, "-o", output, "--now", NOW, "--per", "tag", "--calendar-refresh", "30m", "-q"]
    result = run_cli(arguments)
    assert (result.exit_code, result.stderr) == (0, "")
    return output


def _events(output: Path) -> dict[str, Path]:
    """Each talk's own calendar file, by the title of its one event."""
    files = {}
    for path in sorted((output / "events").iterdir()):
        (event,) = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        files[str(event["SUMMARY"])] = path
    return files


def _icalendar_times(data: bytes) -> list[Times]:
    return [
        Times(str(event["SUMMARY"]), _utc(event.decoded("DTSTART")), _utc(event.decoded("DTEND")))
        for event in icalendar.Calendar.from_ical(data).walk("VEVENT")
    ]


def _utc(value: date | datetime) -> date | datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


EXPECTED = [
    Times("All-day workshop", date(2027, 3, 10), date(2027, 3, 12)),
    Times("Evening talk in Berlin", datetime(2027, 3, 12, 17, 30, tzinfo=UTC),
          datetime(2027, 3, 12, 18, 15, tzinfo=UTC)),
    Times("Morning talk in UTC", datetime(2027, 3, 13, 9, tzinfo=UTC),
          datetime(2027, 3, 13, 10, tzinfo=UTC)),
]  # fmt: skip
"""The talks' DTSTART and DTEND: an all-day talk ends the day after its last day."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1h", timedelta(hours=1), id="hours"),
        pytest.param("30m", timedelta(minutes=30), id="minutes"),
        pytest.param("1h30m", timedelta(minutes=90), id="units-add-up"),
        pytest.param("1d", timedelta(days=1), id="day"),
        pytest.param("2w", timedelta(weeks=2), id="weeks"),
        pytest.param(" 2H ", timedelta(hours=2), id="any-case-and-spaces"),
        pytest.param("PT2H", timedelta(hours=2), id="iso"),
        pytest.param("pt45m", timedelta(minutes=45), id="iso-lower-case"),
        pytest.param("P1DT12H", timedelta(days=1, hours=12), id="iso-days-and-time"),
        pytest.param("P1W", timedelta(weeks=1), id="iso-week"),
    ],
)
def test_a_refresh_interval_is_read_in_short_or_iso_form(text: str, expected: timedelta) -> None:
    assert read_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "1", "h", "1x", "1.5h", "P", "PT", "P1Y", "P1M", "PT30S", "0m", "53w", "1h 30m", "-1h", "P1DT"],
)
def test_anything_else_is_refused_saying_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration|between 1 minute and 52 weeks"):
        read_duration(text)


@pytest.mark.parametrize("name", ["talks.ics", "upcoming.ics", "tags/graphs/talks.ics"])
def test_every_calendar_asks_to_be_refreshed_and_names_its_own_address(built: Path, name: str) -> None:
    data = (built / name).read_bytes()
    lines = data.decode("utf-8").split("\r\n")
    url = f"https://lab.example/{name}"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT30M" in lines
    assert "X-PUBLISHED-TTL:PT30M" in lines
    assert f"SOURCE;VALUE=URI:{url}" in lines
    by_ical = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert (by_ical.refresh_interval, by_ical.source) == (timedelta(minutes=30), url)
    by_icalendar = icalendar.Calendar.from_ical(data)
    assert (by_icalendar.refresh_interval, str(by_icalendar.source)) == (timedelta(minutes=30), url)
    by_vobject = vobject.readOne(data.decode("utf-8"))
    assert by_vobject.contents["refresh-interval"][0].params == {"VALUE": ["DURATION"]}
    assert by_vobject.contents["x-published-ttl"][0].value == "PT30M"


def test_the_refresh_defaults_to_an_hour_and_can_be_set_in_talkfeed_toml(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"utc.md": UTC_TALK}, CONFIG)
    run_cli(["build", site, "-o", tmp_path / "default", "--now", NOW, "-q"])
    (site / "talkfeed.toml").write_text('calendar-refresh = "P1D"\n', encoding="utf-8")
    run_cli(["build", site, "-o", tmp_path / "daily", "--now", NOW, "-q"])

    hourly, daily = ((tmp_path / name / "talks.ics").read_bytes() for name in ("default", "daily"))
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in hourly
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:P1D\r\n" in daily


def test_a_refresh_that_is_not_a_duration_is_a_usage_error(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"utc.md": UTC_TALK}, CONFIG)
    result = run_cli(["build", site, "-o", tmp_path / "out", "--calendar-refresh", "hourly"])
    assert result.exit_code == 2
    assert "'hourly' is not a duration (use 1h, 30m" in result.stderr
    assert not (tmp_path / "out").exists()


def test_each_talk_has_its_own_calendar_with_the_uid_talks_ics_gives_it(built: Path) -> None:
    main = icalendar.Calendar.from_ical((built / "talks.ics").read_bytes())
    uids = {str(event["SUMMARY"]): str(event["UID"]) for event in main.walk("VEVENT")}
    files = _events(built)
    assert sorted(files) == sorted(uids)
    for title, path in files.items():
        assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}\.ics", path.name)
        (event,) = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        assert str(event["UID"]) == uids[title]
        assert path.name.endswith(f"-{uids[title][:8]}.ics")


def test_a_talks_own_calendar_is_its_event_with_nothing_to_subscribe_to(built: Path) -> None:
    data = _events(built)["Evening talk in Berlin"].read_bytes()
    lines = data.decode("utf-8").split("\r\n")
    assert lines[:4] == ["BEGIN:VCALENDAR", "PRODID:-//talkfeed//talkfeed 0.1.0//EN", "VERSION:2.0",
                         "CALSCALE:GREGORIAN"]  # fmt: skip
    assert not [line for line in lines if line.startswith(("NAME", "X-WR-CALNAME", "REFRESH", "SOURCE"))]
    assert "TZID:Europe/Berlin" in lines
    assert "URL:https://lab.example/talk/berlin/" in lines
    assert "CATEGORIES:graphs,a\\, b" in lines


def test_three_parsers_read_the_same_times_from_each_talks_file_and_the_calendar(built: Path) -> None:
    files = _events(built)
    from_files = [_icalendar_times(files[times.title].read_bytes())[0] for times in EXPECTED]
    assert from_files == EXPECTED
    assert _icalendar_times((built / "talks.ics").read_bytes()) == EXPECTED[::-1]
    for path in [*files.values(), built / "talks.ics"]:
        text = path.read_text(encoding="utf-8")
        by_ical = sorted(
            (event.summary, _utc(event.dtstart), _utc(event.dtend))
            for event in IcsCalendarStream.calendar_from_ics(text).events
        )
        by_vobject = sorted(
            (event.summary.value, _utc(event.dtstart.value), _utc(event.dtend.value))
            for event in vobject.readOne(text).vevent_list
        )
        by_icalendar = sorted((each.title, each.start, each.end) for each in _icalendar_times(text.encode()))
        assert by_ical == by_vobject == by_icalendar


def _khal(tmp_path: Path, zone: str, files: list[Path]) -> list[str]:
    """Import ``files`` into a fresh khal calendar shown in ``zone``; what ``khal list`` shows."""
    if not KHAL.is_file():
        pytest.skip("khal is not installed (pip install '.[test]' brings it)")
    folder = tmp_path / f"khal-{zone.replace('/', '-')}"
    (folder / "calendar").mkdir(parents=True)
    config = folder / "config"
    config.write_text(
        f"[calendars]\n[[talks]]\npath = {folder / 'calendar'}\ntype = calendar\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        f"local_timezone = {zone}\ndefault_timezone = {zone}\n[sqlite]\npath = {folder / 'khal.db'}\n",
        encoding="utf-8",
    )
    for path in files:
        imported = subprocess.run(
            [KHAL, "-c", config, "import", "--batch", "-a", "talks", path],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        )  # fmt: skip
        assert (imported.returncode, imported.stderr) == (0, ""), imported.stderr
    listed = subprocess.run(
        [KHAL, "-c", config, "list", "--format", "{start} -> {end} | {title} | {location}",
         "--day-format", "", "2027-03-01", "30d"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=True,
    )  # fmt: skip
    return [line for line in listed.stdout.splitlines() if line.strip()]


KHAL_IN_BERLIN = [
    # Listed on each of its two days, from its first to its last day (DTEND is the day after).
    "2027-03-10 -> 2027-03-11 | All-day workshop | Science Park",
    "2027-03-10 -> 2027-03-11 | All-day workshop | Science Park",
    "2027-03-12 18:30 -> 2027-03-12 19:15 | Evening talk in Berlin | Kino, Berlin",
    "2027-03-13 10:00 -> 2027-03-13 11:00 | Morning talk in UTC | ",
]
KHAL_IN_NEW_YORK = [
    "2027-03-10 -> 2027-03-11 | All-day workshop | Science Park",
    "2027-03-10 -> 2027-03-11 | All-day workshop | Science Park",
    "2027-03-12 12:30 -> 2027-03-12 13:15 | Evening talk in Berlin | Kino, Berlin",
    "2027-03-13 04:00 -> 2027-03-13 05:00 | Morning talk in UTC | ",
]
"""New York is on summer time from 14 March 2027, Berlin from 28 March: both on standard time here."""


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("Europe/Berlin", KHAL_IN_BERLIN), ("America/New_York", KHAL_IN_NEW_YORK)],
    ids=["berlin", "new-york"],
)
def test_khal_shows_each_talks_own_file_at_the_right_time(
    built: Path, tmp_path: Path, zone: str, expected: list[str]
) -> None:
    assert _khal(tmp_path, zone, list(_events(built).values())) == expected


def test_khal_shows_the_whole_calendar_as_the_talks_own_files(built: Path, tmp_path: Path) -> None:
    assert _khal(tmp_path, "Europe/Berlin", [built / "talks.ics"]) == KHAL_IN_BERLIN


def _article_links(page: Path) -> dict[str, dict[str, str]]:
    """Each article's "add to calendar" links on a page, by the talk's title: service → href."""
    html = page.read_text(encoding="utf-8")
    links: dict[str, dict[str, str]] = {}
    for article in re.findall(r"<article>.*?</article>", html, re.DOTALL):
        title = re.search(r"<h3[^>]*><a [^>]*>(.*?)</a>", article)
        adding = re.search(r"<p class=\"quiet\">Add to your calendar:(.*?)</p>", article, re.DOTALL)
        if title is None or adding is None:
            continue
        found = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', adding.group(1))
        links[title.group(1)] = {label: href.replace("&amp;", "&") for href, label in found}
    return links


def _form_times(href: str) -> Times:
    """The title, start and end a Google Calendar or Outlook link fills its form with."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}
    if "dates" in query:
        first, last = query["dates"].split("/")
        return Times(query["text"], _read_form_time(first), _read_form_time(last))
    assert query["path"] == "/calendar/action/compose" and query["rru"] == "addevent"
    return Times(query["subject"], _read_form_time(query["startdt"]), _read_form_time(query["enddt"]))


def _read_form_time(text: str) -> date | datetime:
    if re.fullmatch(r"\d{8}", text):
        return datetime.strptime(text, "%Y%m%d").date()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return date.fromisoformat(text)
    assert text.endswith("Z"), "form times are in UTC"
    compact = text.replace("-", "").replace(":", "")
    return datetime.strptime(compact, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


@pytest.mark.parametrize("page", ["index.html", "tags/graphs/index.html"])
def test_google_and_outlook_links_carry_the_times_of_the_talks_own_file(built: Path, page: str) -> None:
    expected = {times.title: times for times in EXPECTED}
    files = _events(built)
    links = _article_links(built / page)
    assert links and set(links) <= set(expected)
    for title, services in links.items():
        assert list(services) == ["iCalendar file", "Google Calendar", "Outlook.com", "Microsoft 365"]
        assert services["iCalendar file"] == "https://lab.example/events/" + files[title].name
        for service in ("Google Calendar", "Outlook.com", "Microsoft 365"):
            assert _form_times(services[service]) == expected[title], service
        outlook = parse_qs(urlsplit(services["Outlook.com"]).query)
        assert (outlook.get("allday") == ["true"]) == (title == "All-day workshop")


def test_the_forms_are_filled_with_the_place_and_the_talks_page(built: Path) -> None:
    services = _article_links(built / "index.html")["Evening talk in Berlin"]
    google = parse_qs(urlsplit(services["Google Calendar"]).query)
    outlook = parse_qs(urlsplit(services["Outlook.com"]).query)
    assert urlsplit(services["Google Calendar"]).netloc == "calendar.google.com"
    assert (google["location"], google["details"]) == (["Kino, Berlin"], ["https://lab.example/talk/berlin/"])
    assert (outlook["location"], outlook["body"]) == (["Kino, Berlin"], ["https://lab.example/talk/berlin/"])
    assert urlsplit(services["Microsoft 365"]).netloc == "outlook.office.com"


def _subscribe_links(html: str, calendar: str) -> dict[str, str]:
    """The subscribe links a page gives for one calendar: link text → href."""
    item = re.search(rf'<li><a href="{re.escape(calendar)}"[^>]*>.*?</li>', html, re.DOTALL)
    assert item is not None, calendar
    found = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', item.group())
    return {label: unquote(href.replace("&amp;", "&")) for href, label in found}


@pytest.mark.parametrize(
    ("page", "calendar", "name"),
    [
        ("index.html", "https://lab.example/talks.ics", "Talks — Lab"),
        ("index.html", "https://lab.example/upcoming.ics", "Upcoming talks — Lab"),
        ("about.html", "https://lab.example/talks.ics", "Talks — Lab"),
        ("tags/graphs/index.html", "https://lab.example/tags/graphs/talks.ics", "Talks tagged graphs — Lab"),
    ],
)
def test_every_calendar_has_a_subscribe_link_for_each_kind_of_app(
    built: Path, page: str, calendar: str, name: str
) -> None:
    html = (built / page).read_text(encoding="utf-8")
    links = _subscribe_links(html, calendar)
    webcal = "webcal://" + calendar.removeprefix("https://")
    assert links == {
        next(iter(links)): calendar,
        "Apple Calendar or Thunderbird": webcal,
        "Google Calendar": f"https://calendar.google.com/calendar/r?cid={webcal}",
        "Outlook.com": f"https://outlook.live.com/calendar/0/addfromweb?url={calendar}&name={name}",
        "Microsoft 365": f"https://outlook.office.com/calendar/0/addfromweb?url={calendar}&name={name}",
    }
    assert f"<code>{calendar}</code>" in html
    assert (built / calendar.removeprefix("https://lab.example/")).is_file()


def test_the_subscribe_snippet_offers_the_same_links(built: Path, tmp_path: Path) -> None:
    site = make_site(tmp_path, {"utc.md": UTC_TALK}, CONFIG)
    snippet = run_cli(["snippet", "subscribe", site, "-o", tmp_path / "out"]).stdout
    links = _subscribe_links(
        snippet.replace("&#123;", "{").replace("&#125;", "}"), "webcal://lab.example/talks.ics"
    )
    assert (
        links["Google Calendar"]
        == "https://calendar.google.com/calendar/r?cid=webcal://lab.example/talks.ics"
    )
    assert links["Outlook.com"].startswith(
        "https://outlook.live.com/calendar/0/addfromweb?url=https://lab.example"
    )


def test_a_build_without_calendars_links_no_talk_file(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"utc.md": UTC_TALK}, CONFIG)
    output = tmp_path / "out"
    assert run_cli(["build", site, "-o", output, "--now", NOW, "--format", "html", "-q"]).exit_code == 0
    services = _article_links(output / "index.html")["Morning talk in UTC"]
    assert list(services) == ["Google Calendar", "Outlook.com", "Microsoft 365"]
    assert not (output / "events").exists()


def test_removing_a_talk_removes_its_own_calendar(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"utc.md": UTC_TALK, "allday.md": ALL_DAY}, CONFIG)
    output = tmp_path / "out"
    run_cli(["build", site, "-o", output, "--now", NOW, "-q"])
    assert len(list((output / "events").iterdir())) == 2
    (site / "content" / "talk" / "allday.md").unlink()
    result = run_cli(["build", site, "-o", output, "--now", NOW])
    removed = [line for line in result.stdout.splitlines() if line.startswith("removed ")]
    assert len(removed) == 1 and "/events/allday-" in removed[0]
    assert len(list((output / "events").iterdir())) == 1


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.text(max_size=40), max_size=5))
def test_links_are_encoded_as_urlencode_encodes_them(values: dict[str, str]) -> None:
    from urllib.parse import quote, urlencode

    from talkfeed.formats.calendar_links import _query

    assert _query(values) == urlencode(values, quote_via=quote, safe="")
