"""Speakers are named as their site's theme names them, in every output, and their views are
folded by the slug Hugo links their page at (``/authors/<slug>/``).

Hugo Blox 2025+ resolves an id through ``data/authors/<id>.yaml`` (``name.display``, else the
file's ``title``); older themes through ``content/authors/<id>/_index.md``. talkfeed's one
addition: ``me`` (or ``admin``) with no profile of its own is the site's owner, the profile
with ``is_owner: true`` (``superuser: true`` before 2025).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from talkfeed.jobs import Options, read_talks

from conftest import FIXED_NOW, ROOT, make_site, run_cli

THOMWIGGERS = ROOT / "fixtures" / "corpus" / "thomwiggers__thomwiggers.nl"
ME_PAGE = "content/events/2026-05-09-pqcsa-pq-protocol-migration/index.md"
"""``authors: ['me']`` (line 24); the site has ``data/authors/thom.yaml`` with ``is_owner: true``
and ``name.display: Thom Wiggers``, and no ``me.yaml``."""


def _talks(site: Path) -> dict[str, tuple[str, ...]]:
    talks, _ = read_talks(Options(source=site))
    return {talk.path: talk.authors for talk in talks}


def _page(authors: str) -> str:
    return f"---\ntitle: Sloths\npublishDate: 2024-05-01\ndate: 2024-06-01\nauthors: {authors}\n---\nBody.\n"


def _profile(site: Path, slug: str, text: str) -> None:
    folder = site / "data" / "authors"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")


def test_me_without_a_profile_of_its_own_is_the_site_owner() -> None:
    assert _talks(THOMWIGGERS)[ME_PAGE] == ("Thom Wiggers",)


def test_the_owner_is_named_in_every_output_and_has_one_view_with_their_other_talks(tmp_path: Path) -> None:
    site = tmp_path / "thomwiggers"
    shutil.copytree(THOMWIGGERS, site)
    out = tmp_path / "out"
    result = run_cli(
        ["build", site, "-o", out, "--base-url", "https://thomwiggers.nl/", "--per", "author", "-q"]
    )
    assert result.exit_code == 0, result.stderr
    item = json.loads((out / "feed.json").read_text())["items"][0]
    assert item["url"].endswith("/talk/migrating-protocols-to-pq-the-good-the-bad-and-the-ugly/")
    assert item["authors"] == [{"name": "Thom Wiggers"}]
    assert "<p>Speaker: Thom Wiggers</p>" in item["content_html"]
    rss = feedparser.parse((out / "index.xml").read_bytes())
    assert rss.entries[0].author == "Thom Wiggers"
    assert "Speaker: Thom Wiggers" in (out / "index.html").read_text()
    assert sorted(path.name for path in (out / "authors").iterdir()) == ["thom"]
    view = json.loads((out / "authors" / "thom" / "feed.json").read_text())
    assert view["title"] == "Talks by Thom Wiggers — Thom Wiggers"
    assert len(view["items"]) == 4, "the talk of 'me' and the three of 'thom'"


def test_me_with_a_profile_of_its_own_is_that_profile(tmp_path: Path) -> None:
    """Hugo Blox's templates ship ``data/authors/me.yaml``: ``me`` is simply its file name."""
    site = make_site(tmp_path, {"a.md": _page("[me]")})
    _profile(site, "me", "is_owner: false\nname:\n  display: Dr. Alex Johnson\n")
    _profile(site, "ada", "is_owner: true\nname:\n  display: Ada Lovelace\n")
    assert _talks(site) == {"content/talk/a.md": ("Dr. Alex Johnson",)}


@pytest.mark.parametrize(
    ("profile", "written", "name"),
    [
        pytest.param("superuser: true\nname: Ada Lovelace\n", "admin", "Ada Lovelace", id="academic-admin"),
        pytest.param("is_owner: true\nname:\n  display: Ada Lovelace\n", "me", "Ada Lovelace", id="blox-me"),
        pytest.param("name:\n  display: Ada Lovelace\n", "me", "me", id="no-owner-as-written"),
        pytest.param("is_owner: true\nname:\n  display: Ada Lovelace\n", "Me", "Ada Lovelace", id="any-case"),
    ],
)
def test_the_owner_ids_name_the_owner_profile(tmp_path: Path, profile: str, written: str, name: str) -> None:
    site = make_site(tmp_path, {"a.md": _page(f"[{written}]")})
    _profile(site, "lovelace", profile)
    assert _talks(site) == {"content/talk/a.md": (name,)}


def test_a_data_profile_without_a_display_name_gives_its_title(tmp_path: Path) -> None:
    """Hugo Blox's ``get_author_profile``: ``name.display``, else ``title``, else the id."""
    site = make_site(tmp_path, {"a.md": _page("[grace, hedy]")})
    _profile(site, "grace", "title: Grace Hopper\nname:\n  pronouns: she/her\n")
    _profile(site, "hedy", "role: Inventor\n")
    assert _talks(site) == {"content/talk/a.md": ("Grace Hopper", "hedy")}


def test_an_id_written_as_a_name_finds_the_profile_of_its_slug(tmp_path: Path) -> None:
    """Hugo Blox looks an id up by ``urlize``: "Dimitri Mankowski" is ``dimitri-mankowski.yaml``."""
    site = make_site(tmp_path, {"a.md": _page("[Dimitri Mankowski]")})
    _profile(site, "dimitri-mankowski", "name:\n  display: Dr. Dimitri Mankowski\n")
    assert _talks(site) == {"content/talk/a.md": ("Dr. Dimitri Mankowski",)}


def test_author_views_are_named_by_the_profile_slug_and_titled_by_the_name(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"a.md": _page("[ada, Grace Hopper]"), "b.md": _page("[me]")})
    _profile(site, "ada", "is_owner: true\nname:\n  display: Ada Lovelace\n")
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out, "--per", "author", "--now", FIXED_NOW, "-q"])
    assert result.exit_code == 0, result.stderr
    assert sorted(path.name for path in (out / "authors").iterdir()) == ["ada", "grace-hopper"]
    ada = json.loads((out / "authors" / "ada" / "feed.json").read_text())
    assert ada["title"] == "Talks by Ada Lovelace — Lab"
    assert len(ada["items"]) == 2
