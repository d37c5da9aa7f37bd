"""talkfeed publishes the permalinks and dates Hugo publishes: Hugo itself is the oracle.

Each folder in ``fixtures/hugo-oracle/`` is a small Hugo site (a site root) with an ``expected.json``
written by ``hugo-view`` (the Hugo oracle, see ``fixtures/hugo-oracle/SOURCES.md``): one row per talk page
and language with Hugo's ``permalink``, ``publishDate``, the page's ``file`` (relative to its content
folder) and ``rendered`` (false when Hugo wrote no page for it). Some fixtures also hold ``published.txt``,
every path Hugo wrote (``hugo-view --public-list``). The values were never typed by hand.

For every language in ``expected.json`` the tests run ``talkfeed list SITE --json --lang L`` (plus
``--base-url https://example.org/`` exactly where the oracle run used it, that is where the site has no
absolute baseURL) and compare:

- the set of permalinks with the permalinks of Hugo's rendered rows;
- each talk's ``published`` with Hugo's ``publishDate``, as an instant (talks matched by file path);
- a talk Hugo does not render is still listed, and links to a page Hugo did publish (``published.txt``).

Which Hugo produced the expected values, per fixture (the newest Hugo that builds the site):

=============================  ============  =====================================================
fixture                        Hugo          why this Hugo
=============================  ============  =====================================================
plain-talk                     0.168.0       control case, talkfeed already agrees
permalinks-event-slug          0.168.0
permalinks-events-blox         0.168.0
permalinks-tokens              0.168.0
permalinks-new-form            0.168.0       Hugo 0.111 refuses the nested ``permalinks.page`` form
contentdir-per-language        0.168.0
config-zh-lang-file            0.168.0       (0.111 gives the same relative permalink)
unconfigured-language-folder   0.168.0
nested-site-root               0.168.0       oracle run on ``exampleSite/``; talkfeed on the outer folder
date-fallback-0111             0.111.3       Hugo 0.168 refuses ``publishDate: "2019-11-1T10:35:00Z"``
build-render-never             0.168.0       Hugo 0.111 ignores ``build`` keys (direct or cascaded)
frontmatter-config             0.168.0
url-and-slug                   0.168.0
ugly-urls                      0.168.0
url-forms                      0.168.0       a dot anywhere makes a file; ``..`` and relative URLs
front-matter-lead              0.168.0       blank lines, spaces and tabs before the front matter
draft-values                   0.168.0       0.111 reads YAML 1.1: a bare ``draft: yes`` is true to it
undated                        0.168.0
unreadable-dates               0.111.3       Hugo 0.168 refuses a date it cannot read; 0.111 ignores it
theme-static                   (none)        file layout only: the theme's static/img header image
=============================  ============  =====================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, run_cli

ORACLE = ROOT / "fixtures" / "hugo-oracle"
EXAMPLE_BASE = "https://example.org/"


@dataclass(frozen=True)
class Case:
    """One oracle fixture: the Hugo that pinned its values and the base URL the oracle was run with."""

    name: str
    hugo: str
    base_url: str | None = None

    @property
    def site(self) -> Path:
        return ORACLE / self.name


CASES = [
    Case("plain-talk", "0.168.0"),
    Case("permalinks-event-slug", "0.168.0"),
    Case("permalinks-events-blox", "0.168.0", EXAMPLE_BASE),
    Case("permalinks-tokens", "0.168.0"),
    Case("permalinks-new-form", "0.168.0"),
    Case("contentdir-per-language", "0.168.0"),
    Case("config-zh-lang-file", "0.168.0", EXAMPLE_BASE),
    Case("unconfigured-language-folder", "0.168.0"),
    Case("nested-site-root", "0.168.0", EXAMPLE_BASE),
    Case("date-fallback-0111", "0.111.3"),
    Case("build-render-never", "0.168.0"),
    Case("frontmatter-config", "0.168.0"),
    Case("url-and-slug", "0.168.0"),
    Case("ugly-urls", "0.168.0"),
    Case("url-forms", "0.168.0"),
    Case("front-matter-lead", "0.168.0"),
    Case("draft-values", "0.168.0"),
    Case("undated", "0.168.0"),
    Case("unreadable-dates", "0.111.3"),
]
BY_NAME = {case.name: case for case in CASES}


@cache
def hugo_rows(name: str) -> tuple[dict[str, Any], ...]:
    """Hugo's rows for a fixture, as hugo-view wrote them."""
    return tuple(json.loads((ORACLE / name / "expected.json").read_text(encoding="utf-8")))


def languages(case: Case) -> list[str]:
    return sorted({row["lang"] for row in hugo_rows(case.name)})


def published_paths(case: Case) -> set[str] | None:
    """Every URL path Hugo wrote for the site, or None when the oracle did not record them."""
    listing = case.site / "published.txt"
    if not listing.is_file():
        return None
    return {line for line in listing.read_text(encoding="utf-8").splitlines() if line}


RUNS = [
    pytest.param(case, lang, id=f"{case.name}-{lang}-hugo{case.hugo}")
    for case in CASES
    for lang in languages(case)
]


@dataclass(frozen=True)
class Listing:
    talks: list[dict[str, Any]]
    stderr: str


def talkfeed_list(case: Case, lang: str) -> Listing:
    """``talkfeed list SITE --json --lang L [--base-url URL]``, in-process through click's CliRunner."""
    arguments: list[str | Path] = ["list", case.site, "--json", "--lang", lang]
    if case.base_url is not None:
        arguments += ["--base-url", case.base_url]
    result = run_cli(arguments)
    try:
        talks = json.loads(result.stdout)
    except ValueError:
        pytest.fail(
            f"talkfeed list printed no JSON (exit {result.exit_code}):\n{result.stdout}{result.stderr}"
        )
    return Listing(talks, result.stderr)


def rows_for(case: Case, lang: str) -> list[dict[str, Any]]:
    return [row for row in hugo_rows(case.name) if row["lang"] == lang]


def talks_for_file(talks: list[dict[str, Any]], hugo_file: str) -> list[dict[str, Any]]:
    """The talks whose source path ends with Hugo's file path (relative to the language's content folder)."""
    tail = PurePosixPath(hugo_file).parts
    return [talk for talk in talks if PurePosixPath(talk["path"]).parts[-len(tail) :] == tail]


def the_talk_for(talks: list[dict[str, Any]], row: dict[str, Any]) -> dict[str, Any]:
    matches = talks_for_file(talks, row["file"])
    assert len(matches) == 1, (
        f"Hugo publishes {row['file']} ({row['lang']}) once; talkfeed lists it "
        f"{len(matches)} times: {[talk['path'] for talk in matches]}"
    )
    return matches[0]


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text!r} names no UTC offset"
    return moment


def site_path(url: str, base: str) -> str:
    """The path of a URL below the site's base, as Hugo wrote it on disk (decoded)."""
    path, base_path = urlsplit(url).path, urlsplit(base).path.rstrip("/")
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path) :]
    return unquote(path)


def test_every_oracle_fixture_is_in_the_table() -> None:
    on_disk = {path.parent.name for path in ORACLE.glob("*/expected.json")}
    assert on_disk == set(BY_NAME)


@pytest.mark.parametrize(("case", "lang"), RUNS)
def test_permalinks_are_the_ones_hugo_publishes(case: Case, lang: str) -> None:
    """The talks' permalinks are exactly those of the pages Hugo rendered (Hugo version in the id)."""
    listing = talkfeed_list(case, lang)
    rows = rows_for(case, lang)
    unrendered = {
        talk["path"]
        for row in rows
        if not row["rendered"]
        for talk in talks_for_file(listing.talks, row["file"])
    }
    ours = sorted(talk["url"] for talk in listing.talks if talk["path"] not in unrendered)
    hugos = sorted(row["permalink"] for row in rows if row["rendered"])
    assert ours == hugos, f"talkfeed (left) vs Hugo {case.hugo} (right) for {case.name} [{lang}]"


@pytest.mark.parametrize(("case", "lang"), RUNS)
def test_publish_dates_are_the_instants_hugo_publishes(case: Case, lang: str) -> None:
    """Each talk's published time is Hugo's publishDate, as an instant (Hugo version in the id)."""
    listing = talkfeed_list(case, lang)
    differences = {}
    for row in rows_for(case, lang):
        talk = the_talk_for(listing.talks, row)
        if instant(talk["published"]) != instant(row["publishDate"]):
            differences[row["file"]] = (talk["published"], row["publishDate"])
    assert differences == {}, f"file: (talkfeed, Hugo {case.hugo}) for {case.name} [{lang}]"


@pytest.mark.parametrize(
    ("case", "lang"), [run for run in RUNS if published_paths(run.values[0]) is not None]
)
def test_every_link_points_at_a_page_hugo_published(case: Case, lang: str) -> None:
    """No talk links to a 404: its URL is one of the paths Hugo wrote (published.txt, Hugo version in the id).

    This covers the talks Hugo lists but does not render (``build: {render: never}``, directly or by
    cascade): they are still listed, and must link to a page that exists.
    """
    listing = talkfeed_list(case, lang)
    published = published_paths(case)
    assert published is not None
    rows = rows_for(case, lang)
    for row in rows:
        if not row["rendered"]:
            the_talk_for(listing.talks, row)  # still listed
    base = rows[0]["base"]
    missing = {
        talk["path"]: talk["url"] for talk in listing.talks if site_path(talk["url"], base) not in published
    }
    assert missing == {}, f"links to paths Hugo {case.hugo} did not publish in {case.name} [{lang}]"


def test_a_date_hugo_0_111_falls_back_from_is_reported_naming_the_file() -> None:
    """Hugo 0.111.3 reads ``publishDate: "2019-11-1T10:35:00Z"`` as absent (0.168 refuses the site): warn."""
    case = BY_NAME["date-fallback-0111"]
    listing = talkfeed_list(case, "en")
    warnings = [line for line in listing.stderr.splitlines() if "warning" in line]
    for row in rows_for(case, "en"):
        path = the_talk_for(listing.talks, row)["path"]
        assert any(path in line and "publishDate" in line for line in warnings), (path, listing.stderr)


def test_a_header_image_in_the_themes_static_folder_is_found(tmp_path: Path) -> None:
    """Academic v2: ``[header] image = "headers/…"`` names ``static/img/headers/…`` of the site or its theme.

    No Hugo run: the fixture's file layout says where the image is
    (``themes/academic/static/img/headers/bubbles-wide.jpg``, with ``theme = "academic"``).
    """
    site = ORACLE / "theme-static"
    [image] = (site / "themes" / "academic" / "static").glob("img/headers/*.jpg")
    served_at = image.relative_to(site / "themes" / "academic" / "static").as_posix()
    result = run_cli(["build", site, "-o", tmp_path / "out", "--format", "json", "--base-url", EXAMPLE_BASE])
    assert result.exit_code == 0, result.stderr
    [item] = json.loads((tmp_path / "out" / "feed.json").read_text(encoding="utf-8"))["items"]
    assert item.get("image") == EXAMPLE_BASE + served_at, result.stderr
    assert "header image" not in result.stderr


AUTHOR_PROFILE = "---\ntitle: Ada\nfirst_name: Ada\nlast_name: Lovelace\n{extra}---\n"
SLASH_TALK = "---\ntitle: Handbook for R and epidemiology/stats concepts\npublishDate: 2024-05-01\n---\n"


@pytest.mark.parametrize(
    ("extra", "permalink"),
    [
        pytest.param("", "/talk/handbook-for-r-and-epidemiology-stats-concepts/", id="current-hugo-0.168"),
        pytest.param(
            "first_name: Ada\n", "/talk/handbook-for-r-and-epidemiology/stats-concepts/", id="hugo-0.111"
        ),
    ],
)
def test_a_slash_in_a_title_follows_the_newest_hugo_that_builds_the_site(
    tmp_path: Path, extra: str, permalink: str
) -> None:
    """Hugo 0.168 makes the slash of a `:slug` title a hyphen; Hugo 0.111 keeps it (seen on
    BOUGHANMIChaima/jiji, whose author profile repeats a key, which Hugo 0.168 refuses)."""
    site = tmp_path / "site"
    (site / "content" / "event" / "handbook").mkdir(parents=True)
    (site / "content" / "authors" / "admin").mkdir(parents=True)
    (site / "hugo.yaml").write_text("baseURL: https://example.org/\npermalinks:\n  event: /talk/:slug/\n")
    (site / "content" / "event" / "handbook" / "index.md").write_text(SLASH_TALK)
    (site / "content" / "authors" / "admin" / "_index.md").write_text(AUTHOR_PROFILE.format(extra=extra))
    result = run_cli(["list", site, "--json"])
    assert result.exit_code == 0, result.stderr
    assert [item["url"] for item in json.loads(result.stdout)] == [f"https://example.org{permalink}"]
    assert ("first_name is set twice" in result.stderr) == bool(extra)


def test_a_folder_holding_several_sites_is_refused_naming_them(tmp_path: Path) -> None:
    for name in ("blog", "legacy"):
        (tmp_path / name / "content" / "talk").mkdir(parents=True)
        (tmp_path / name / "hugo.toml").write_text('baseURL = "https://example.org/"\n')
    result = run_cli(["list", tmp_path])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("holds several Hugo sites (blog/, legacy/); give the one to read")


def test_a_repository_root_builds_the_same_feeds_as_its_site(tmp_path: Path) -> None:
    repository = ROOT / "fixtures" / "hugo-oracle" / "nested-site-root"
    inner = next(path.parent for path in repository.glob("*/content") if path.is_dir())
    outputs = []
    for source in (repository, inner):
        out = tmp_path / source.name
        arguments = ["build", source, "-o", out, "--base-url", EXAMPLE_BASE, "--no-cache", "-q"]
        result = run_cli([*arguments, "--now", "2026-01-01T00:00:00Z"])
        assert result.exit_code == 0, result.stderr
        outputs.append({path.name: path.read_bytes() for path in out.glob("*.*")})
    assert outputs[0] == outputs[1]


def test_two_languages_naming_one_content_folder_two_ways_each_publish_its_pages(tmp_path: Path) -> None:
    """``content`` and ``./content`` are two mounts of one folder: Hugo 0.168 publishes the page
    in both languages (``/talk/a/`` and ``/fr/talk/a/``), where one name for both would share it."""
    site = tmp_path / "site"
    (site / "content" / "talk").mkdir(parents=True)
    (site / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ndefaultContentLanguage = "en"\n'
        '[languages.en]\ncontentDir = "content"\n[languages.fr]\ncontentDir = "./content"\n'
    )
    (site / "content" / "talk" / "a.md").write_text("---\ntitle: A\npublishDate: 2024-05-01\n---\n")
    for lang, url in (("en", "https://example.org/talk/a/"), ("fr", "https://example.org/fr/talk/a/")):
        result = run_cli(["list", site, "--json", "--lang", lang])
        assert result.exit_code == 0, result.stderr
        assert [item["url"] for item in json.loads(result.stdout)] == [url]
        assert result.stderr == ""


def test_a_content_folder_outside_the_site_is_refused_in_one_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content" / "talk").mkdir(parents=True)
    (tmp_path / "shared" / "talk").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\ncontentDir = "../shared"\n')
    result = run_cli(["list", site])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"{site}: error: contentDir '../shared' is outside the site; talkfeed reads only inside it\n"
    )
