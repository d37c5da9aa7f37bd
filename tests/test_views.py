"""Upcoming and past feeds, and feeds per tag, per author and per language."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import pytest

from talkfeed.slugs import slugify

from conftest import DEMO_SITE, FIXED_NOW, ROOT, run_cli

MULTILINGUAL = ROOT / "fixtures" / "corpus" / "jplecavalier__personal-website"


def _build(out: Path, *options: str, site: Path = DEMO_SITE) -> None:
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "-q", *options])
    assert result.exit_code == 0, result.stderr


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Explainability", "explainability"),
        ("Machine Learning", "machine-learning"),
        ("Élodie Marchand", "élodie-marchand"),
        ("C++", "c++"),
        ("a/b\\c", "abc"),
    ],
    ids=["word", "spaces", "unicode", "plus", "no-path-separators"],
)
def test_slugs_are_made_as_hugo_makes_them(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_tag_feed_holds_the_talks_with_that_tag_and_names_itself(tmp_path: Path) -> None:
    _build(tmp_path, "--per", "tag")
    feed = _json(tmp_path / "tags" / "explainability" / "feed.json")
    assert feed["title"] == "Talks tagged Explainability — Demo Lab"
    assert feed["feed_url"] == "https://demo.talkfeed.example/tags/explainability/feed.json"
    assert [item["title"] for item in feed["items"]] == [
        "Intro to Transformers and Transformer Explainability (English)"
    ]


def test_author_feed_percent_encodes_its_own_url(tmp_path: Path) -> None:
    _build(tmp_path, "--per", "author")
    feed = _json(tmp_path / "authors" / "hila-chefer" / "feed.json")
    assert feed["title"] == "Talks by Hila Chefer — Demo Lab"
    unicode_folder = tmp_path / "authors" / "élodie-marchand"
    assert _json(unicode_folder / "feed.json")["feed_url"] == (
        "https://demo.talkfeed.example/authors/%C3%A9lodie-marchand/feed.json"
    )


def test_every_view_feed_reads_cleanly(tmp_path: Path) -> None:
    _build(tmp_path, "--per", "tag", "--per", "author")
    feeds = sorted(tmp_path.rglob("*.xml"))
    assert len(feeds) > 20
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert self_links == ["https://demo.talkfeed.example/" + quote(path.relative_to(tmp_path).as_posix())]


def test_upcoming_and_past_split_on_the_clock(tmp_path: Path) -> None:
    _build(tmp_path, "--future", "--per", "past", "--now", "2024-01-01T00:00:00+0000")
    upcoming = [item["_talk"]["start"] for item in _json(tmp_path / "upcoming" / "feed.json")["items"]]
    past = [item["_talk"]["start"] for item in _json(tmp_path / "past" / "feed.json")["items"]]
    assert upcoming and past
    assert upcoming == sorted(upcoming)
    assert all(start >= "2024-01-01" for start in upcoming)
    assert all(start < "2024-01-01" for start in past)


def test_views_that_went_away_are_removed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    out = tmp_path / "out"
    _build(out, "--per", "tag", site=site)
    assert (out / "tags" / "explainability" / "index.xml").exists()
    page = site / "content" / "talk" / "transformers-explainability" / "index.md"
    page.write_text(page.read_text().replace('"Explainability"', '"Interpretability"'))
    _build(out, "--per", "tag", site=site)
    assert not (out / "tags" / "explainability").exists()
    assert (out / "tags" / "interpretability" / "index.xml").exists()


def test_language_feeds_hold_each_language(tmp_path: Path) -> None:
    _build(tmp_path, "--per", "lang", "--base-url", "https://jp.example/", site=MULTILINGUAL)
    french = _json(tmp_path / "fr" / "feed.json")
    english = _json(tmp_path / "en" / "feed.json")
    assert french["items"] and english["items"]
    assert all("/en/" not in item["url"] for item in french["items"])
    assert all(item["url"].startswith("https://jp.example/en/") for item in english["items"])
    assert french["language"] != english["language"]
