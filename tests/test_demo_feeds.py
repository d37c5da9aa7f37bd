"""The demo site's three feeds: golden bytes, read back by real feed readers, and the seed talk."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest

from conftest import DEMO_SITE, FIXED_NOW, GOLDEN, run_cli

FEEDS = ("index.xml", "atom.xml", "feed.json")
SEED_URL = "https://demo.talkfeed.example/talk/transformers-explainability/"
SEED_TITLE = "Intro to Transformers and Transformer Explainability (English)"
PUBLISHED_ORDER = [
    "https://demo.talkfeed.example/talk/multilingual-speech-recognition/",
    "https://demo.talkfeed.example/talk/causal-discovery-time-series/",
    SEED_URL,
    "https://demo.talkfeed.example/talk/fl-privacy-budgets/",
    "https://demo.talkfeed.example/talk/sparse-graph-learning/",
]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "jsonfeed-1.1.schema.json").read_text())


def _json_feed(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "feed.json").read_text(encoding="utf-8"))


def _seed_item(folder: Path) -> dict[str, Any]:
    return next(item for item in _json_feed(folder)["items"] if item["id"] == SEED_URL)


GOLDEN_FILES = sorted(path.relative_to(GOLDEN).as_posix() for path in GOLDEN.rglob("*") if path.is_file())


def _published_files(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )


def test_build_writes_exactly_the_golden_files(demo_output: Path) -> None:
    assert _published_files(demo_output) == GOLDEN_FILES


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_output_equals_golden_file(demo_output: Path, name: str) -> None:
    assert (demo_output / name).read_bytes() == (GOLDEN / name).read_bytes(), (
        "run `python tests/regenerate_golden.py` and review the diff if the change is meant"
    )


def test_second_build_is_byte_identical_and_leaves_files_untouched(demo_output: Path) -> None:
    before = {
        name: ((demo_output / name).read_bytes(), (demo_output / name).stat().st_mtime_ns) for name in FEEDS
    }
    result = run_cli(["build", DEMO_SITE, "-o", demo_output, "--now", FIXED_NOW])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"unchanged {demo_output / name}" for name in GOLDEN_FILES]
    after = {
        name: ((demo_output / name).read_bytes(), (demo_output / name).stat().st_mtime_ns) for name in FEEDS
    }
    assert after == before


@pytest.mark.parametrize(("name", "version"), [("index.xml", "rss20"), ("atom.xml", "atom10")])
def test_feedparser_reads_feed_cleanly_in_order(demo_output: Path, name: str, version: str) -> None:
    parsed = feedparser.parse((demo_output / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    assert [entry.link for entry in parsed.entries] == PUBLISHED_ORDER


def test_json_feed_matches_schema_and_order(demo_output: Path) -> None:
    feed = _json_feed(demo_output)
    jsonschema.validate(feed, SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert [item["id"] for item in feed["items"]] == PUBLISHED_ORDER


@pytest.mark.parametrize("name", ["index.xml", "atom.xml"])
def test_seed_entry_as_feed_readers_see_it(demo_output: Path, name: str) -> None:
    parsed = feedparser.parse((demo_output / name).read_bytes())
    entry = next(entry for entry in parsed.entries if entry.link == SEED_URL)
    assert entry.title == SEED_TITLE
    assert entry.id == SEED_URL
    assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == datetime(2022, 1, 1, tzinfo=UTC)
    # RSS's description is HTML; Atom's summary is plain text (type="text"): each as its element says.
    summary = "This talk takes a deep dive into the attention mechanism."
    assert entry.summary.startswith(f"<p>{summary}" if name == "index.xml" else summary)
    assert entry.content[0].value.startswith("<p><strong>Tue 4 Jan 2022 · Data Science Bond Microsoft")
    assert [tag.term for tag in entry.tags] == ["Transformers", "Explainability"]
    assert entry.author == "Hila Chefer"


def test_seed_content_carries_every_fact(demo_output: Path) -> None:
    content = _seed_item(demo_output)["content_html"]
    assert "Tue 4 Jan 2022 · Data Science Bond Microsoft · Online event" in content
    assert (
        '<a href="https://www.meetup.com/Data-Science-BOND-Israel/events/283002829/">'
        "Data Science Bond Microsoft</a>"
    ) in content
    assert "When: Tue 4 Jan 2022 (all day)" in content
    assert "In recent years, Transformers have revolutionized deep learning research" in content
    assert '<a href="https://www.youtube.com/watch?v=a0O_QhE9XFM">Video</a>' in content
    assert "Speaker: Hila Chefer" in content
    assert "Tags: Transformers, Explainability" in content
    assert "Click on the <strong>Slides</strong> button above" in content


def test_seed_never_shows_an_end_before_its_start(demo_output: Path) -> None:
    item = _seed_item(demo_output)
    assert item["_talk"] == {
        "about": "https://demo.talkfeed.example/about.html#talk-extension",
        "start": "2022-01-04",
        "all_day": True,
        "event": "Data Science Bond Microsoft",
        "event_url": "https://www.meetup.com/Data-Science-BOND-Israel/events/283002829/",
        "location": "Online event",
    }
    assert "1 Jan 2022" not in item["content_html"]


def test_seed_summary_and_dates_in_json_feed(demo_output: Path) -> None:
    item = _seed_item(demo_output)
    assert item["title"] == SEED_TITLE
    assert item["date_published"] == "2022-01-01T00:00:00+00:00"
    assert item["summary"].startswith("This talk takes a deep dive into the attention mechanism.")
    assert item["authors"] == [{"name": "Hila Chefer"}]
    assert item["tags"] == ["Transformers", "Explainability"]


@pytest.mark.parametrize("name", FEEDS)
def test_no_raw_shortcode_reaches_a_feed(demo_output: Path, name: str) -> None:
    data = (demo_output / name).read_bytes()
    assert b"{{%" not in data
    assert b"{{<" not in data


@pytest.mark.parametrize("name", FEEDS)
def test_no_script_frame_handler_or_javascript_url_in_any_feed(demo_output: Path, name: str) -> None:
    text = (demo_output / name).read_text(encoding="utf-8").lower()
    for needle in ("<script", "&lt;script", "<iframe", "&lt;iframe", "onerror=", "onclick=", "javascript:"):
        assert needle not in text


def test_feed_dates_come_from_the_newest_talk_not_the_clock(demo_output: Path) -> None:
    parsed = feedparser.parse((demo_output / "atom.xml").read_bytes())
    assert parsed.feed.updated == "2024-02-01T08:30:00+00:00"
    assert _json_feed(demo_output)["items"][0]["date_published"] == "2024-02-01T08:30:00+00:00"


def test_files_are_world_readable(demo_output: Path) -> None:
    for name in FEEDS:
        assert (demo_output / name).stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("name", ["index.xml", "atom.xml"])
def test_exact_text_survives_feed_readers(demo_output: Path, name: str) -> None:
    parsed = feedparser.parse((demo_output / name).read_bytes())
    titles = [entry.title for entry in parsed.entries]
    json_titles = [item["title"] for item in _json_feed(demo_output)["items"]]
    assert titles == json_titles
    tricky = titles[0]
    assert "&" in tricky and "<" in tricky and '"' in tricky and "'" in tricky
    assert "🌍" in tricky and "עברית" in tricky and "Cafe\u0301" in tricky
    assert "&amp;" not in tricky


@pytest.mark.parametrize("name", ["index.xml", "atom.xml"])
def test_featured_image_and_bundle_files_are_enclosures(demo_output: Path, name: str) -> None:
    parsed = feedparser.parse((demo_output / name).read_bytes())
    entry = next(entry for entry in parsed.entries if "causal-discovery" in entry.link)
    assert entry.link == "https://demo.talkfeed.example/talk/causal-discovery-time-series/"
    enclosures = {(enclosure.href, enclosure.type, int(enclosure.length)) for enclosure in entry.enclosures}
    image = ("https://demo.talkfeed.example/talk/causal-discovery-time-series/featured.png", "image/png", 143)
    assert image in enclosures


def test_atom_entry_links_keep_their_rel_despite_feedgen(demo_output: Path) -> None:
    text = (demo_output / "atom.xml").read_text(encoding="utf-8")
    assert (
        '<link href="https://demo.talkfeed.example/talk/causal-discovery-time-series/slides.pdf" '
        'rel="enclosure" type="application/pdf" length="218" title="Slides"/>' in text
    )
    links = re.findall(r"<link [^>]*>", text)
    assert links and all(" rel=" in link for link in links)


def test_json_feed_item_has_image_and_attachments(demo_output: Path) -> None:
    item = next(item for item in _json_feed(demo_output)["items"] if "causal-discovery" in item["id"])
    assert item["image"] == "https://demo.talkfeed.example/talk/causal-discovery-time-series/featured.png"
    assert item["attachments"] == [
        {
            "url": "https://demo.talkfeed.example/talk/causal-discovery-time-series/slides.pdf",
            "mime_type": "application/pdf",
            "title": "Slides",
            "size_in_bytes": 218,
        }
    ]
