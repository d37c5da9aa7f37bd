"""What a person sees: plain-text summaries, every speaker, feed length, removals, own links."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import icalendar
import pytest

from talkfeed.formats.web.text import html_text

from conftest import FIXED_NOW, make_site, run_cli


def _page(summary: str, authors: str = "", extra: str = "") -> str:
    return (
        f"---\ntitle: Sloths\npublishDate: 2024-05-01T10:00:00Z\ndate: 2024-06-01T10:00:00Z\n"
        f"summary: {json.dumps(summary)}\n{authors}{extra}---\nBody.\n"
    )


def _build(site: Path, output: Path, *options: str) -> str:
    result = run_cli(["build", site, "-o", output, "--now", FIXED_NOW, "--no-cache", *options])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("On *Bradypus*.", "On Bradypus."),
        ("See [Biology on Tap](https://example.org/tap), then more.", "See Biology on Tap, then more."),
        ("Slides (https://example.org/slides) online.", "Slides (https://example.org/slides) online."),
        ("**Bold**, _italic_ and `code`; done!", "Bold, italic and code; done!"),
        ("When WER < 5% & more", "When WER < 5% & more"),
        ("First paragraph.\n\nSecond *one*.", "First paragraph.\n\nSecond one."),
    ],
    ids=[
        "emphasis-before-full-stop",
        "link-before-comma",
        "autolink-in-parentheses",
        "inline-run",
        "entities",
        "paragraphs",
    ],
)
def test_a_summary_with_inline_markup_reads_as_written_in_json_and_calendar(
    tmp_path: Path, markdown: str, text: str
) -> None:
    site = make_site(tmp_path, {"sloths/index.md": _page(markdown)})
    _build(site, tmp_path / "out")
    item = json.loads((tmp_path / "out" / "feed.json").read_text())["items"][0]
    assert item["summary"] == text
    event = next(
        iter(icalendar.Calendar.from_ical((tmp_path / "out" / "talks.ics").read_bytes()).walk("VEVENT"))
    )
    assert str(event["DESCRIPTION"]) == text


def test_html_text_separates_blocks_and_lines_but_joins_inline_elements() -> None:
    html = (
        "<h2>Title</h2><p>A <em>b</em>, c.</p><ul><li>one</li><li><strong>two</strong></li></ul><p>x<br>y</p>"
    )
    assert html_text(html) == "Title\n\nA b, c.\n\none\ntwo\n\nx\ny"


def test_every_reader_sees_every_speaker(tmp_path: Path) -> None:
    authors = "authors:\n- Ada Lovelace\n- Grace Hopper\n- Alan Turing\n"
    site = make_site(tmp_path, {"sloths/index.md": _page("Fine.", authors)})
    _build(site, tmp_path / "out")
    rss = (tmp_path / "out" / "index.xml").read_text()
    assert rss.count("<dc:creator>") == 1
    names = "Ada Lovelace, Grace Hopper, Alan Turing"
    assert feedparser.parse(rss).entries[0].author == names
    atom = feedparser.parse((tmp_path / "out" / "atom.xml").read_text())
    assert [author.name for author in atom.entries[0].authors] == names.split(", ")
    item = json.loads((tmp_path / "out" / "feed.json").read_text())["items"][0]
    assert [author["name"] for author in item["authors"]] == names.split(", ")


def _three_talks() -> dict[str, str]:
    return {
        f"t{day}/index.md": f"---\ntitle: Talk {day}\npublishDate: 2024-05-0{day}T10:00:00Z\n"
        f"date: 2024-06-0{day}T10:00:00Z\n---\nBody.\n"
        for day in (1, 2, 3)
    }


@pytest.mark.parametrize(
    ("setting", "options", "kept"),
    [
        ("rssLimit = 2\n", (), 2),
        ("[services.rss]\nlimit = 1\n", (), 1),
        ("rssLimit = -1\n", (), 3),
        ("rssLimit = 2\n", ("--limit", "1"), 1),
    ],
    ids=["rss-limit", "services-rss-limit", "unlimited", "limit-option-wins"],
)
def test_hugo_feed_length_limits_the_feeds_but_not_the_calendar_or_page(
    tmp_path: Path, setting: str, options: tuple[str, ...], kept: int
) -> None:
    config = f'baseURL = "https://example.org/"\ntitle = "Lab"\n{setting}'
    site = make_site(tmp_path, _three_talks(), config)
    _build(site, tmp_path / "out", *options)
    out = tmp_path / "out"
    assert len(feedparser.parse((out / "index.xml").read_text()).entries) == kept
    assert len(feedparser.parse((out / "atom.xml").read_text()).entries) == kept
    assert len(json.loads((out / "feed.json").read_text())["items"]) == kept
    assert ["Talk 3", "Talk 2", "Talk 1"][:kept] == [
        entry.title for entry in feedparser.parse((out / "index.xml").read_text()).entries
    ]
    calendar = icalendar.Calendar.from_ical((out / "talks.ics").read_bytes())
    assert len(list(calendar.walk("VEVENT"))) == 3
    assert (out / "index.html").read_text().count("<article") == 3


def test_a_build_that_drops_formats_says_which_files_it_removed(tmp_path: Path) -> None:
    site = make_site(tmp_path, _three_talks())
    out = tmp_path / "out"
    _build(site, out)
    stdout = _build(site, out, "--format", "atom", "--format", "ics")
    removed = sorted(line.split(" ", 1)[1] for line in stdout.splitlines() if line.startswith("removed "))
    gone = ["feed.json", "index.html", "index.xml", "upcoming/feed.json", "upcoming/index.xml"]
    assert removed == [str(out / name) for name in gone]
    assert not any((out / name).exists() for name in gone)


@pytest.mark.parametrize(
    "options",
    [("--format", "RSS,Atom"), ("--format", "rss", "--format", "ATOM"), ("--format", "rss, atom,")],
    ids=["comma-list-any-case", "repeated-any-case", "spaces-and-trailing-comma"],
)
def test_formats_are_read_in_any_case_and_as_comma_lists(tmp_path: Path, options: tuple[str, ...]) -> None:
    site = make_site(tmp_path, _three_talks())
    _build(site, tmp_path / "out", *options)
    assert sorted(path.name for path in (tmp_path / "out").glob("[!.]*") if path.is_file()) == [
        "about.html",
        "atom.xml",
        "feed.css",
        "index.xml",
    ]


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["build", make_site(tmp_path, _three_talks()), "--format", "rss,pdf"])
    assert result.exit_code == 2
    assert "'pdf' is not one of rss, atom, json, ics, html" in result.stderr


def test_check_on_a_section_page_says_it_is_not_a_talk(tmp_path: Path) -> None:
    site = make_site(tmp_path, {**_three_talks(), "_index.md": "---\ntitle: Talks\n---\n"})
    result = run_cli(["check", site / "content" / "talk" / "_index.md"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{site / 'content' / 'talk' / '_index.md'}: error: is a section's list page (_index), "
        "not a talk page; give the section folder or the site\n"
    )


def test_every_url_talkfeed_writes_of_its_own_is_a_page_it_publishes(tmp_path: Path) -> None:
    """The JSON extension's ``about``, the Atom generator URI and the page footer: no dead link."""
    site = make_site(tmp_path, _three_talks())
    out = site / "public" / "talk"
    _build(site, out, "--per", "tag")
    feeds_url = "https://example.org/talk/"
    own = [item["_talk"]["about"] for item in json.loads((out / "feed.json").read_text())["items"]]
    own += [feedparser.parse((out / "atom.xml").read_text()).feed.generator_detail.href]
    footer = re.search(r'<footer>.*?href="([^"]+)"', (out / "index.html").read_text(), re.DOTALL)
    assert footer is not None
    own.append(feeds_url + footer.group(1))
    for url in own:
        assert url.startswith(feeds_url), url
        published = out / url[len(feeds_url) :].split("#")[0]
        assert published.is_file(), url
    about = (out / "about.html").read_text()
    assert 'id="talk-extension"' in about and "<code>_talk</code>" in about
    assert not any("pypi.org" in path.read_text() for path in out.rglob("*.*"))


def test_html_in_an_event_name_keeps_its_word_breaks(tmp_path: Path) -> None:
    event = 'event: "<strong>ML Day</strong><br>Workshop<p>on graphs</p>"\n'
    site = make_site(tmp_path, {"sloths/index.md": _page("Fine.", extra=event)})
    _build(site, tmp_path / "out")
    item = json.loads((tmp_path / "out" / "feed.json").read_text())["items"][0]
    assert item["_talk"]["event"] == "ML Day Workshop on graphs"
    assert "<dc:coverage>Sat 1 Jun 2024 · ML Day Workshop on graphs</dc:coverage>" in (
        (tmp_path / "out" / "index.xml").read_text()
    )
