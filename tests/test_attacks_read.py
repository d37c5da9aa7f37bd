"""Hostile sites: links out, control characters, odd dates, FIFOs, huge pages; what build reads stays safe."""

from __future__ import annotations

import html
import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import feedparser
import icalendar
import pytest
from lxml import etree

from talkfeed.write.journal import needs_recovery
from talkfeed.write.lock import LOCK_NAME, locked

from _crash_helpers import CLI, kill_after_first_switch, leftovers, read_set, snapshot, wait_until_opened
from conftest import FIXED_NOW, make_site, run_cli

CONFIG = 'baseURL = "https://example.org/"\ntitle = "Lab"\n'
GOOD = "---\ntitle: Good talk\ndate: 2024-05-01T10:00:00Z\nsummary: Fine.\n---\nBody.\n"
SECRET = b"SECRET-OUTSIDE-THE-SITE " * 521
"""Someone else's file: its text and its size (12,504 bytes) must reach no output."""
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HOSTILE_CONTROLS = "\x07\x1b\x0b"
YAML_CONTROLS = r"\a\e\v"
"""``HOSTILE_CONTROLS`` written as escapes in a YAML double-quoted string."""


def _site(tmp_path: Path, pages: dict[str, str], config: str = CONFIG, name: str = "site") -> Path:
    return make_site(tmp_path, pages, config, name)


def _page(title: str = "Good talk", extra: str = "", body: str = "Body.") -> str:
    return f"---\ntitle: {title}\ndate: 2024-05-01T10:00:00Z\nsummary: Fine.\n{extra}---\n{body}\n"


def _build(site: Path, output: Path, *options: str) -> Any:
    return run_cli(["build", site, "-o", output, "--now", FIXED_NOW, "--no-cache", *options])


def _secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    secret = outside / "secret.jpg"
    secret.write_bytes(SECRET)
    return secret


def _environment() -> dict[str, str]:
    """This test's environment (its private cache folder included), for a real talkfeed process."""
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def _run_process(*arguments: object) -> subprocess.CompletedProcess[str]:
    """Run talkfeed in a fresh interpreter; a hang fails the test after 60 s instead of blocking it."""
    return subprocess.run(
        [*CLI, *(str(argument) for argument in arguments)],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=60,
        check=False,
    )


def _errors(stderr: str) -> list[str]:
    """The error lines about pages, without the run's closing summary (``talkfeed: error: …``)."""
    return [line for line in stderr.splitlines() if ": error: " in line and not line.startswith("talkfeed:")]


def _assert_nothing_leaks(output: Path, *secrets: bytes) -> None:
    for name, data in read_set(output).items():
        for secret in secrets:
            assert secret not in data, f"{name} holds {secret!r}"


def _link_featured(site: Path, secret: Path) -> None:
    (site / "content" / "talk" / "a" / "featured.jpg").symlink_to(secret)


def _name_pdf_with_escaped_dots(site: Path, secret: Path) -> None:
    climb = "%2e%2e/" * len((site / "content" / "talk" / "a").relative_to(secret.parent.parent).parts)
    page = site / "content" / "talk" / "a" / "index.md"
    page.write_text(_page(extra=f'url_pdf: "{climb}outside/secret.jpg"\n'), encoding="utf-8")


def _name_image_with_escaped_dots(site: Path, secret: Path) -> None:
    climb = "%2e%2e/" * len((site / "content" / "talk" / "a").relative_to(secret.parent.parent).parts)
    page = site / "content" / "talk" / "a" / "index.md"
    page.write_text(_page(extra=f'image:\n  filename: "{climb}outside/secret.jpg"\n'), encoding="utf-8")


REACHES_OUT = {
    "featured-links-outside": _link_featured,
    "url-pdf-climbs-percent-encoded": _name_pdf_with_escaped_dots,
    "image-filename-climbs-percent-encoded": _name_image_with_escaped_dots,
}


def test_a_featured_image_inside_the_bundle_is_an_enclosure(tmp_path: Path) -> None:
    """The control for the tests below: a real bundle image does reach the feeds, with its size."""
    site = _site(tmp_path, {"a/index.md": GOOD})
    (site / "content" / "talk" / "a" / "featured.jpg").write_bytes(SECRET)

    result = _build(site, tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    rss = (tmp_path / "out" / "index.xml").read_bytes()
    assert b"<enclosure" in rss and str(len(SECRET)).encode() in rss


@pytest.mark.parametrize("reach_out", REACHES_OUT.values(), ids=REACHES_OUT.keys())
def test_a_file_outside_the_site_gives_no_enclosure_image_or_size(tmp_path: Path, reach_out: Any) -> None:
    site = _site(tmp_path, {"a/index.md": GOOD})
    secret = _secret(tmp_path)
    reach_out(site, secret)

    result = _build(site, tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    files = read_set(tmp_path / "out")
    assert b"<enclosure" not in files["index.xml"]
    assert b'rel="enclosure"' not in files["atom.xml"]
    items = json.loads(files["feed.json"])["items"]
    assert [item for item in items if "image" in item or "attachments" in item] == []
    # A link the page writes may stay a link (its text is the page's own); what the file holds may not.
    _assert_nothing_leaks(tmp_path / "out", b"SECRET-OUTSIDE", str(len(SECRET)).encode())


@pytest.mark.parametrize("reach_out", REACHES_OUT.values(), ids=REACHES_OUT.keys())
def test_outputs_are_the_same_whether_or_not_the_file_outside_exists(tmp_path: Path, reach_out: Any) -> None:
    site = _site(tmp_path, {"a/index.md": GOOD})
    secret = _secret(tmp_path)
    reach_out(site, secret)

    present = _build(site, tmp_path / "present")
    secret.unlink()
    absent = _build(site, tmp_path / "absent")

    assert (present.exit_code, absent.exit_code) == (0, 0), present.stderr + absent.stderr
    assert read_set(tmp_path / "present") == read_set(tmp_path / "absent")


@pytest.mark.parametrize("target_exists", [True, False], ids=["target-exists", "target-missing"])
def test_a_page_linked_from_outside_the_site_is_skipped_with_a_warning(
    tmp_path: Path, target_exists: bool
) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    outside = tmp_path / "outside"
    outside.mkdir()
    if target_exists:
        (outside / "index.md").write_text(_page("OUTSIDE-TITLE", body="OUTSIDE-BODY"), encoding="utf-8")
    (site / "content" / "talk" / "linked").mkdir()
    (site / "content" / "talk" / "linked" / "index.md").symlink_to(outside / "index.md")

    result = _build(site, tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    assert "content/talk/linked/index.md: warning: links outside the site; not followed" in result.stderr
    _assert_nothing_leaks(tmp_path / "out", b"OUTSIDE-TITLE", b"OUTSIDE-BODY")
    assert b"Good talk" in read_set(tmp_path / "out")["index.xml"]


def test_a_talk_section_linked_to_a_folder_outside_is_not_walked(tmp_path: Path) -> None:
    site = _site(tmp_path, {})
    (site / "content" / "talk").rmdir()
    (site / "content" / "event" / "good").mkdir(parents=True)
    (site / "content" / "event" / "good" / "index.md").write_text(GOOD, encoding="utf-8")
    outside = tmp_path / "outside"
    (outside / "secret-talk").mkdir(parents=True)
    (outside / "secret-talk" / "index.md").write_text(_page("OUTSIDE-TITLE"), encoding="utf-8")
    (site / "content" / "talk").symlink_to(outside)

    result = _build(site, tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    assert "content/talk: warning: is a link to a folder; not followed" in result.stderr
    _assert_nothing_leaks(tmp_path / "out", b"OUTSIDE-TITLE", b"secret-talk")
    assert b"Good talk" in read_set(tmp_path / "out")["index.xml"]


def test_a_symbolic_link_loop_is_named_a_loop_not_a_link_outside(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    (site / "content" / "talk" / "loop").mkdir()
    (site / "content" / "talk" / "loop" / "index.md").symlink_to("index.md")

    result = _build(site, tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "content/talk/loop/index.md" in line]
    assert len(lines) == 1, result.stderr
    assert "is a symbolic link loop" in lines[0]
    assert "outside" not in lines[0]


def _control_in_site_title(tmp_path: Path) -> Path:
    return _site(tmp_path, {"a/index.md": GOOD}, CONFIG.replace('"Lab"', r'"Lab\u0007\u001b\u000b"'))


def _control_in_language_code(tmp_path: Path) -> Path:
    return _site(tmp_path, {"a/index.md": GOOD}, CONFIG + 'languageCode = "en\\u0007\\u001b\\u000b"\n')


def _control_in_author_profile(tmp_path: Path) -> Path:
    site = _site(tmp_path, {"a/index.md": _page(extra="authors: [ada]\n")})
    profile = site / "content" / "authors" / "ada" / "_index.md"
    profile.parent.mkdir(parents=True)
    profile.write_text(f'---\ntitle: "Ada{YAML_CONTROLS} Lovelace"\n---\n', encoding="utf-8")
    return site


def _control_in_tag(tmp_path: Path) -> Path:
    return _site(tmp_path, {"a/index.md": _page(extra=f'tags: ["ml{YAML_CONTROLS}"]\n')})


def _control_in_talk_title(tmp_path: Path) -> Path:
    return _site(tmp_path, {"a/index.md": _page(title=f'"Talk{YAML_CONTROLS}"')})


def _control_in_slides_file_name(tmp_path: Path) -> Path:
    site = _site(tmp_path, {"a/index.md": _page(extra=f'url_slides: "slides{YAML_CONTROLS}.pdf"\n')})
    (site / "content" / "talk" / "a" / f"slides{HOSTILE_CONTROLS}.pdf").write_bytes(b"%PDF-1.4\n")
    return site


CONTROLLED = {
    "site-title": _control_in_site_title,
    "language-code": _control_in_language_code,
    "author-profile-name": _control_in_author_profile,
    "tag": _control_in_tag,
    "talk-title": _control_in_talk_title,
    "slides-file-name": _control_in_slides_file_name,
}


@pytest.mark.parametrize("make_site", CONTROLLED.values(), ids=CONTROLLED.keys())
def test_control_characters_in_site_values_never_reach_an_output(tmp_path: Path, make_site: Any) -> None:
    site = make_site(tmp_path)

    result = _build(site, tmp_path / "out", "--per", "tag", "--per", "author")

    assert result.exit_code == 0, result.stderr
    files = read_set(tmp_path / "out")
    for name, data in files.items():
        assert CONTROL.search(data) is None, f"{name}: {CONTROL.search(data)}"
        assert CONTROL.search(name.encode()) is None, name
        if name.endswith(".xml"):
            etree.fromstring(data)


@pytest.mark.parametrize(
    ("summary", "body"),
    [
        ("Fine.", "Ring &#x1b;[2J &#7; the bell."),
        ('"Ring &#7; the bell."', "Body."),
        ("Fine.", "Tab &#11; here."),
    ],
    ids=["escape-in-the-body", "bell-in-the-summary", "vertical-tab-in-the-body"],
)
def test_a_character_reference_to_a_control_character_is_cleaned_not_a_page_error(
    tmp_path: Path, summary: str, body: str
) -> None:
    """Markdown turns ``&#x1b;`` into the character itself; it must be cleaned like a raw one."""
    page = f"---\ntitle: Talk\ndate: 2024-05-01T10:00:00Z\nsummary: {summary}\n---\n{body}\n"
    site = _site(tmp_path, {"a/index.md": page})

    result = _build(site, tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    assert _errors(result.stderr) == []
    for name, data in read_set(tmp_path / "out").items():
        assert CONTROL.search(data) is None, f"{name}: {CONTROL.search(data)}"
        if name.endswith(".xml"):
            etree.fromstring(data)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--title", "Talks\x07"),
        ("--title", "Talks\nX-Injected: yes"),
        ("--author", "Ada\x1b[2J"),
        ("--author", "Ada\nLovelace"),
        ("--base-url", "https://example.org/\r\nX-Injected: yes"),
    ],
    ids=["title-bell", "title-newline", "author-escape", "author-newline", "base-url-crlf"],
)
def test_an_option_with_a_control_character_is_one_error_line_and_writes_nothing(
    tmp_path: Path, option: str, value: str
) -> None:
    site = _site(tmp_path, {"a/index.md": GOOD})

    result = _build(site, tmp_path / "out", option, value)

    assert (result.exit_code, result.stdout) == (1, "")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert (option if option != "--base-url" else "base URL") in result.stderr
    assert not (tmp_path / "out").exists() or read_set(tmp_path / "out") == {}


@pytest.mark.parametrize(
    "extra",
    [
        'event_url: "javascript:alert(1)"\n',
        'event_url: "JavaScript:alert(1)"\n',
        'links:\n  - name: Click\n    url: "javascript:alert(1)"\n',
        'links:\n  - name: Click\n    url: "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="\n',
        'url_slides: "data:text/html,<script>alert(1)</script>"\n',
    ],
    ids=["event-url", "event-url-mixed-case", "links-javascript", "links-data", "url-slides-data"],
)
def test_a_script_or_data_url_is_a_warning_and_reaches_no_output(tmp_path: Path, extra: str) -> None:
    site = _site(tmp_path, {"a/index.md": _page(extra=extra)})

    result = _build(site, tmp_path / "out", "--per", "tag")

    assert result.exit_code == 0, result.stderr
    assert re.search(r"^content/talk/a/index\.md(:\d+)?: warning: ", result.stderr, re.MULTILINE), (
        result.stderr
    )
    for name, data in read_set(tmp_path / "out").items():
        assert b"javascript:" not in data.lower(), name
        assert b"data:" not in data.lower(), name


def test_a_tag_name_with_markup_shows_as_text_in_its_channel_description(tmp_path: Path) -> None:
    """Readers render an RSS channel ``<description>`` as HTML, so its text must escape the tag name.

    The description's text, as an XML parser gives it, is the HTML a reader renders. That HTML
    must hold ``&lt;b&gt;bold&lt;/b&gt;`` (shown as ``<b>bold</b>``), never a ``<b>`` element:
    the text has no ``<`` at all, and one HTML unescape, the reader's rendering, gives back the
    name exactly as written.
    """
    site = _site(tmp_path, {"a/index.md": _page(extra='tags: ["<b>bold</b>"]\n')})

    result = _build(site, tmp_path / "out", "--per", "tag")

    assert result.exit_code == 0, result.stderr
    feeds = list((tmp_path / "out" / "tags").rglob("index.xml"))
    assert len(feeds) == 1, feeds
    data = feeds[0].read_bytes()
    description = etree.fromstring(data).findtext("channel/description")
    assert description is not None
    assert "<" not in description and "&lt;b&gt;bold&lt;/b&gt;" in description
    assert "<b>bold</b>" in html.unescape(description)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.bozo_exception
    assert "<b>" not in parsed.feed.subtitle and "&lt;b&gt;bold" in parsed.feed.subtitle


HOSTILE_DATES = {
    "year-one-with-a-positive-offset": "date: 0001-01-01T00:00:00+05:00\n",
    "last-day-of-year-9999": "date: 9999-12-31\n",
    "last-second-of-year-9999-as-a-number": "publishDate: 253402300799\n",
}


def _dated(line: str) -> str:
    return f"---\ntitle: Edge of time\n{line}summary: Odd.\n---\nBody.\n"


@pytest.mark.parametrize("line", HOSTILE_DATES.values(), ids=HOSTILE_DATES.keys())
def test_a_date_at_the_edge_of_time_is_one_error_naming_the_file(tmp_path: Path, line: str) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD, "edge/index.md": _dated(line)})

    result = _build(site, tmp_path / "out")

    assert (result.exit_code, result.stdout) == (1, "")
    assert "Traceback" not in result.stderr
    errors = _errors(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("content/talk/edge/index.md:3: error: ")
    assert "datetime" not in errors[0], "the message shows Python's repr instead of the value as written"
    assert not (tmp_path / "out").exists() or read_set(tmp_path / "out") == {}


@pytest.mark.parametrize("line", HOSTILE_DATES.values(), ids=HOSTILE_DATES.keys())
def test_a_date_at_the_edge_of_time_is_skipped_with_skip_invalid(tmp_path: Path, line: str) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD, "edge/index.md": _dated(line)})

    result = _build(site, tmp_path / "out", "--skip-invalid", "--per", "past", "--per", "tag")

    assert result.exit_code == 0, result.stderr
    files = read_set(tmp_path / "out")
    assert b"Good talk" in files["index.xml"]
    for data in files.values():
        assert b"Edge of time" not in data


def test_check_reports_exactly_the_pages_build_refuses(tmp_path: Path) -> None:
    pages = {f"edge-{name}/index.md": _dated(line) for name, line in HOSTILE_DATES.items()}
    pages |= {
        "good/index.md": GOOD,
        "bad-yaml/index.md": "---\ntitle: [unclosed\ndate: 2024-05-01\n---\n",
        "bad-date.md": "---\ntitle: Bad\ntime_start: next tuesday\n---\n",
        "empty/index.md": "",
    }
    site = _site(tmp_path, pages)

    built = _build(site, tmp_path / "out")
    checked = run_cli(["check", site, "--no-cache"])

    assert (built.exit_code, checked.exit_code) == (1, 1)
    refused = {line.split(":")[0] for line in _errors(built.stderr)}
    reported = {line.split(":")[0] for line in _errors(checked.stderr)}
    assert refused == reported
    assert len(refused) == len(pages) - 1, refused


def test_calendar_keywords_in_titles_stay_inside_their_events(tmp_path: Path) -> None:
    """The calendar's cached pieces carry their zones after a separator; a title cannot forge one."""
    titles = {
        "zones": '"X-TALKFEED-ZONES:Europe/Nowhere"',
        "zones-on-a-line": '"Talk\\nX-TALKFEED-ZONES:{}\\r\\nEND:VEVENT"',
        "end": '"END:VCALENDAR"',
        "end-on-a-line": '"Talk\\r\\nEND:VCALENDAR\\r\\nBEGIN:VCALENDAR"',
    }
    site = _site(tmp_path, {f"{name}/index.md": _page(title=title) for name, title in titles.items()})

    result = _build(site, tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    calendar = icalendar.Calendar.from_ical((tmp_path / "out" / "talks.ics").read_bytes())
    summaries = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert len(summaries) == len(titles), summaries
    assert "X-TALKFEED-ZONES:Europe/Nowhere" in summaries and "END:VCALENDAR" in summaries
    lines = (tmp_path / "out" / "talks.ics").read_bytes().split(b"\r\n")
    assert [line for line in lines if line.startswith((b"X-TALKFEED", b"END:VEVENT", b"END:VCALENDAR"))] == [
        *[b"END:VEVENT"] * len(titles),
        b"END:VCALENDAR",
    ]


def _fifo_page(site: Path) -> str:
    (site / "content" / "talk" / "fifo").mkdir()
    os.mkfifo(site / "content" / "talk" / "fifo" / "index.md")
    return "content/talk/fifo/index.md: warning: is not a regular file"


def _fifo_featured_image(site: Path) -> str:
    os.mkfifo(site / "content" / "talk" / "good" / "featured.jpg")
    return ""


def _fifo_slides(site: Path) -> str:
    os.mkfifo(site / "content" / "talk" / "good" / "slides.pdf")
    (site / "content" / "talk" / "good" / "index.md").write_text(
        _page(extra="url_slides: slides.pdf\n"), encoding="utf-8"
    )
    return ""


FIFOS = {"page": _fifo_page, "featured-image": _fifo_featured_image, "slides": _fifo_slides}


@pytest.mark.parametrize("plant", FIFOS.values(), ids=FIFOS.keys())
def test_a_fifo_in_a_bundle_does_not_hang_the_build(tmp_path: Path, plant: Any) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    warning = plant(site)

    result = _run_process("build", site, "-o", tmp_path / "out", "--no-cache")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert warning in result.stderr
    rss = (tmp_path / "out" / "index.xml").read_bytes()
    assert b"Good talk" in rss and b"<enclosure" not in rss


CONFIG_NAMES = ["hugo.toml", "config.toml", "config/_default/params.toml"]


def _site_with_fifo_config(tmp_path: Path, name: str) -> Path:
    site = _site(tmp_path, {"good/index.md": GOOD})
    if name != "config/_default/params.toml":
        (site / "hugo.toml").unlink()
    (site / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(site / name)
    return site


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_a_fifo_as_the_site_config_does_not_hang_the_build(tmp_path: Path, name: str) -> None:
    site = _site_with_fifo_config(tmp_path, name)

    result = _run_process("build", site, "-o", tmp_path / "out", "--no-cache", "-q")

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists() or read_set(tmp_path / "out") == {}


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_a_fifo_as_the_site_config_is_named_not_skipped_silently(tmp_path: Path, name: str) -> None:
    """A config file that cannot be read is a problem to report, even when ``--base-url`` makes up for it."""
    site = _site_with_fifo_config(tmp_path, name)

    result = _run_process(
        "build", site, "-o", tmp_path / "out", "--no-cache", "-q", "--base-url", "https://example.org/"
    )

    assert "Traceback" not in result.stderr
    assert name in result.stderr, (result.returncode, result.stderr)


def test_ten_thousand_tags_keep_the_first_hundred_with_a_warning(tmp_path: Path) -> None:
    tags = "".join(f"  - tag{number}\n" for number in range(10_000))
    site = _site(tmp_path, {"many/index.md": _page(extra=f"tags:\n{tags}")})

    result = _run_process("build", site, "-o", tmp_path / "out", "--no-cache", "--per", "tag")

    assert result.returncode == 0, result.stderr
    assert "the first 100 are kept" in result.stderr
    assert len(list((tmp_path / "out" / "tags").iterdir())) == 100


@pytest.mark.parametrize(
    ("body", "message"),
    [(">" * 200_000, "nests 200000 levels"), ("word " * 780_000, "file is 3.7 MiB")],
    ids=["200-kb-of-quote-markers", "3.9-mb-page"],
)
def test_a_hostile_body_is_an_error_on_its_page_in_bounded_time(
    tmp_path: Path, body: str, message: str
) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD, "huge/index.md": _page(title="Huge", body=body)})

    result = _run_process("build", site, "-o", tmp_path / "out", "--no-cache", "--max-page-size", "1MiB")

    assert (result.returncode, result.stdout) == (1, "")
    errors = _errors(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("content/talk/huge/index.md") and message in errors[0]


def test_a_run_waiting_for_the_lock_publishes_the_site_as_it_is_when_it_gets_it(tmp_path: Path) -> None:
    site = _site(tmp_path, {"a/index.md": _page(title="Old title")})
    output = tmp_path / "out"
    with locked(output, 0):
        waiting = subprocess.Popen(
            [*CLI, "build", str(site), "-o", str(output), "--now", FIXED_NOW, "--wait", "30", "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
        )
        try:
            wait_until_opened(waiting, output / LOCK_NAME)
            (site / "content" / "talk" / "a" / "index.md").write_text(
                _page(title="New title, longer"), encoding="utf-8"
            )
        except BaseException:
            waiting.kill()
            raise
    _, stderr = waiting.communicate(timeout=60)
    assert (waiting.returncode, stderr) == (0, "")
    assert b"New title, longer" in (output / "index.xml").read_bytes()

    again = run_cli(["build", site, "-o", output, "--now", FIXED_NOW])

    assert again.exit_code == 0, again.stderr
    assert {line.split(" ", 1)[0] for line in again.stdout.splitlines()} == {"unchanged"}
    files = read_set(output)
    assert b"New title, longer" in files["index.xml"] and b"Old title" not in files["index.xml"]


def _killed_run(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A site with a bad page, and its output folder as a run killed mid-rename left it.

    Returns the site, the folder and the set the killed run was writing.
    """
    site = _site(tmp_path, {"a/index.md": _page(title="First")})
    output = tmp_path / "out"
    assert _build(site, output).exit_code == 0
    (site / "content" / "talk" / "a" / "index.md").write_text(_page(title="Second"), encoding="utf-8")
    assert _build(site, tmp_path / "reference").exit_code == 0
    new = read_set(tmp_path / "reference")
    kill_after_first_switch(output, new)
    assert needs_recovery(output) and read_set(output) != new
    (site / "content" / "talk" / "bad.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    return site, output, new


def test_a_failing_build_first_finishes_the_writes_of_a_killed_run(tmp_path: Path) -> None:
    site, output, new = _killed_run(tmp_path)

    result = _build(site, output)

    assert result.exit_code == 1
    assert _errors(result.stderr) and all("content/talk/bad.md" in line for line in _errors(result.stderr))
    assert read_set(output) == new
    assert leftovers(output) == []
    assert not needs_recovery(output)


def test_check_finishes_the_writes_of_a_killed_run_in_the_configured_output(tmp_path: Path) -> None:
    site, output, new = _killed_run(tmp_path)
    (site / "talkfeed.toml").write_text('output = "../out"\n', encoding="utf-8")

    result = run_cli(["check", site, "--no-cache", "--config", site / "talkfeed.toml"])

    assert result.exit_code == 1
    assert f"talkfeed: finished the writes of a stopped run in {output}" in result.stderr
    assert read_set(output) == new
    assert leftovers(output) == []
    assert not needs_recovery(output)


def test_building_an_empty_folder_over_good_feeds_fails_and_keeps_them(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert _build(_site(tmp_path, {"a/index.md": GOOD}), output).exit_code == 0
    (tmp_path / "empty").mkdir()
    before = snapshot(tmp_path)

    result = _build(tmp_path / "empty", output, "--base-url", "https://example.org/")

    assert (result.exit_code, result.stdout) == (1, "")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert snapshot(tmp_path) == before


def test_a_talk_section_with_no_page_is_no_valid_talk(tmp_path: Path) -> None:
    site = _site(tmp_path, {})

    result = _build(site, tmp_path / "out")

    assert (result.exit_code, result.stdout) == (1, "")
    assert "no valid talk" in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists() or read_set(tmp_path / "out") == {}


def test_allow_empty_publishes_empty_feeds(tmp_path: Path) -> None:
    site = _site(tmp_path, {})

    result = _build(site, tmp_path / "out", "--allow-empty")

    assert result.exit_code == 0, result.stderr
    files = read_set(tmp_path / "out")
    assert etree.fromstring(files["index.xml"]).findall("channel/item") == []
    assert json.loads(files["feed.json"])["items"] == []


def test_a_language_the_site_does_not_configure_is_an_error(tmp_path: Path) -> None:
    site = _site(tmp_path, {"a/index.md": GOOD})

    result = _build(site, tmp_path / "out", "--lang", "de")

    assert (result.exit_code, result.stdout) == (1, "")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists() or read_set(tmp_path / "out") == {}


def test_check_of_a_site_with_no_talk_fails(tmp_path: Path) -> None:
    site = _site(tmp_path, {})

    result = run_cli(["check", site, "--no-cache"])

    assert result.exit_code == 1
    assert "no valid talk" in result.stderr


def test_list_piped_into_a_reader_that_stops_after_one_line_ends_quietly(tmp_path: Path) -> None:
    """More than a pipe's buffer (64 KiB) of rows, so ``list`` is still writing when the reader leaves."""
    pages = {
        f"talk-{number:03d}.md": _page(title=f"Talk {number} {'about many things ' * 20}")
        for number in range(300)
    }
    site = _site(tmp_path, pages)
    listing = subprocess.Popen(
        [*CLI, "list", str(site), "--now", FIXED_NOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    assert listing.stdout is not None and listing.stderr is not None

    first = listing.stdout.readline()
    listing.stdout.close()
    stderr = listing.stderr.read()
    listing.wait(timeout=60)
    listing.stderr.close()

    assert first.startswith(b"2024-05-01T10:00:00+00:00\thttps://example.org/talk/")
    assert (listing.returncode, stderr) == (0, b"")


def test_a_build_under_a_strict_umask_writes_readable_files_and_folders(tmp_path: Path) -> None:
    site = _site(tmp_path, {"a/index.md": _page(extra="tags: [ml, nlp]\nauthors: [Ada]\n")})
    output = tmp_path / "new" / "out"
    previous = os.umask(0o077)
    try:
        result = _build(site, output, "--per", "tag", "--per", "author")
    finally:
        os.umask(previous)

    assert result.exit_code == 0, result.stderr
    created = [tmp_path / "new", *(tmp_path / "new").rglob("*")]
    assert output / "tags" / "ml" / "index.xml" in created and output / LOCK_NAME in created
    wrong = {
        path.relative_to(tmp_path).as_posix(): oct(stat.S_IMODE(path.stat().st_mode))
        for path in created
        if stat.S_IMODE(path.stat().st_mode) != (0o755 if path.is_dir() else 0o644)
    }
    assert wrong == {}


def test_a_line_break_in_the_config_base_url_is_cleaned_where_it_enters(tmp_path: Path) -> None:
    config = 'baseURL = "https://example.org/\\r\\nX-Injected: yes"\ntitle = "Lab"\n'
    site = _site(
        tmp_path, {"a/index.md": "---\ntitle: Talk\ndate: 2024-05-01T10:00:00Z\n---\nBody.\n"}, config
    )

    result = run_cli(["build", site, "-o", tmp_path / "out", "--no-cache", "--now", FIXED_NOW, "-q"])

    assert result.exit_code == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "is not an absolute http(s) URL" in result.stderr
    assert not (tmp_path / "out" / "talks.ics").exists()


FORGED_TITLE = r'"Real\n2099-12-31T23:59:59+00:00\thttps://evil.example/\tForged"'


def test_a_title_with_a_line_break_and_tabs_stays_one_line_of_list(tmp_path: Path) -> None:
    site = _site(tmp_path, {"real/index.md": _page(title=FORGED_TITLE)})
    result = run_cli(["list", site, "--now", FIXED_NOW])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2024-05-01T10:00:00+00:00\thttps://example.org/talk/real/\t"
        r"Real\n2099-12-31T23:59:59+00:00\thttps://evil.example/\tForged"
    ]


def test_a_title_with_a_line_break_is_kept_whole_in_the_json_list(tmp_path: Path) -> None:
    site = _site(tmp_path, {"real/index.md": _page(title=FORGED_TITLE)})
    result = run_cli(["list", site, "--now", FIXED_NOW, "--json"])
    [talk] = json.loads(result.stdout)
    assert talk["title"] == "Real\n2099-12-31T23:59:59+00:00\thttps://evil.example/\tForged"


def test_a_file_name_with_a_line_break_stays_one_line_of_check(tmp_path: Path) -> None:
    first = _site(
        tmp_path, {"a\nb/index.md": _page(title="Shared", extra="publishDate: 2024-01-01\n")}, name="a"
    )
    second = _site(
        tmp_path, {"c/index.md": _page(title="Shared")}, CONFIG.replace("example.org", "b.example"), "b"
    )
    result = run_cli(["check", first, second])
    [line] = [line for line in result.stderr.splitlines() if "published once" in line]
    assert r"content/talk/a\nb/index.md" in line


@pytest.mark.parametrize("reference", ["&#xFFFE;", "&#xFFFF;"])
def test_a_reference_to_a_noncharacter_shows_the_replacement_character_as_hugo_does(
    tmp_path: Path, reference: str
) -> None:
    site = _site(tmp_path, {"odd/index.md": _page(body=f"Before {reference} after.")})
    result = _build(site, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    [item] = json.loads((tmp_path / "out" / "feed.json").read_text(encoding="utf-8"))["items"]
    assert "<p>Before \ufffd after.</p>" in item["content_html"]
