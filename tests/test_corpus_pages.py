"""Real talk pages from real sites (fixtures/corpus/, see its SOURCES.md) read as Hugo reads them.

Every expectation here comes from the page's own text and from what Hugo and the site's theme do
with it, not from talkfeed's output: the line each test relies on is named in its parameters.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from functools import cache
from pathlib import Path

import pytest

from talkfeed.errors import Finding, Severity
from talkfeed.jobs import Check, Options, check, read_talks
from talkfeed.model import Talk, TalkTime
from talkfeed.read.discover import find_pages
from talkfeed.read.page import ReadContext, read_page
from talkfeed.read.site import locate_source

from conftest import ROOT, run_cli

CORPUS = ROOT / "fixtures" / "corpus"
SITES = {
    "harrelfe": CORPUS / "harrelfe__blogdown",
    "ksamuk": CORPUS / "ksamuk__website",
    "academic-v2.0.0": CORPUS / "HugoBlox__hugo-blox-builder@v2.0.0" / "exampleSite",
    "academic-v4.8.0": CORPUS / "HugoBlox__hugo-blox-builder@v4.8.0" / "exampleSite",
    "umich": CORPUS / "UMichStatistics__ComputingClub",
    "araffin": CORPUS / "araffin__academic-kickstart",
    "thomwiggers": CORPUS / "thomwiggers__thomwiggers.nl",
    "hugoblox-2026": CORPUS / "HugoBlox__hugo-blox-builder@a139f742" / "templates" / "academic-cv",
    "plbaldoni": CORPUS / "plbaldoni__plbaldoni",
    "chenchenzi": CORPUS / "chenchenzi__chenzixu",
    "eldre": CORPUS / "eldre__eldre-academic",
    "chabert-liddell": CORPUS / "Chabert-Liddell__personal_website",
    "jplecavalier": CORPUS / "jplecavalier__personal-website",
    "jaspershen": CORPUS / "jaspershen__shen",
    "boughanmi": CORPUS / "BOUGHANMIChaima__jiji",
}
SITES_WITHOUT_FINDINGS = (
    "academic-v4.8.0",
    "umich",
    "thomwiggers",
    "hugoblox-2026",
    "jplecavalier",
    "boughanmi",
)
NON_ASCII_BUNDLE = "2021-06-09-un-modéle-à-blocs-stocastiques-pour-les-réseaux-multiniveaux"
FINDING_LINE = re.compile(r"(?P<path>[^\s:][^:]*):(?P<line>[1-9]\d*): (?P<severity>warning|error): \S.*")
FEEDS = ("index.xml", "atom.xml", "feed.json")


@cache
def _catalog(site: str, lang: str | None = None, timezone: str | None = None) -> Check:
    return check(Options(source=SITES[site], lang=lang, timezone=timezone))


def _talk(site: str, path: str, lang: str | None = None, timezone: str | None = None) -> Talk:
    found, _ = read_talks(Options(source=SITES[site], lang=lang, timezone=timezone))
    talks = {talk.path: talk for talk in found}
    assert path in talks, f"{path} is not among the talks read: {sorted(talks)}"
    return talks[path]


def _iso(value: TalkTime | None) -> str | None:
    """Show a moment with its own offset, and a date as a bare date, so both form and offset are compared."""
    return None if value is None else value.isoformat()


def _findings_at(site: str, path: str, line: int) -> list[Finding]:
    return [finding for finding in _catalog(site).findings if (finding.path, finding.line) == (path, line)]


@pytest.mark.parametrize(
    ("site", "path", "published"),
    [
        pytest.param(
            "umich", "content/talk/cpython/index.md", "2019-09-25T15:16:15-04:00", id="umich-bare-offset"
        ),
        pytest.param(
            "chabert-liddell",
            "content/en/talk/2021-09-08-eusn/index.md",
            "2022-03-03T18:48:26+01:00",
            id="chabert-quoted-offset",
        ),
        pytest.param(
            "araffin",
            "content/talk/rl-tuto-jnrr19/index.md",
            "2019-10-18T00:09:00+00:00",
            id="araffin-quoted-z",
        ),
        pytest.param(
            "plbaldoni",
            "content/talk/cfar2016/index.md",
            "2019-10-27T09:30:00+00:00",
            id="plbaldoni-one-digit-hour",
        ),
        pytest.param(
            "ksamuk",
            "content/talk/biopop_2017.md",
            "2017-11-02T00:00:00+00:00",
            id="ksamuk-toml-naive-string",
        ),
        pytest.param(
            "harrelfe", "content/talk/seqbayes.md", "2020-06-03T00:00:00+00:00", id="harrelfe-toml-bare-date"
        ),
        pytest.param(
            "harrelfe",
            "content/talk/gsksafety.md",
            "2006-06-08T00:00:00+00:00",
            id="harrelfe-toml-quoted-date",
        ),
        pytest.param(
            "academic-v2.0.0",
            "content/talk/example-talk.md",
            "2017-01-01T00:00:00+00:00",
            id="academic-v2-toml-bare-naive-datetime",
        ),
        pytest.param(
            "academic-v4.8.0",
            "content/talk/example/index.md",
            "2017-01-01T00:00:00+00:00",
            id="academic-v4.8-publishdate-not-talk-date",
        ),
        pytest.param(
            "eldre",
            "content/event/Poster_2015_QO/index.md",
            "2015-11-10T00:00:00+00:00",
            id="eldre-empty-publishdate-falls-back-to-date",
        ),
        pytest.param(
            "jplecavalier",
            "content/talk/2019-r-a-quebec/index.fr.md",
            "2019-05-13T08:30:00+00:00",
            id="jplecavalier-no-publishdate-uses-date",
        ),
        pytest.param(
            "thomwiggers",
            "content/events/2022-12-11-SPACE-kemtls-embedded/index.md",
            "2022-12-11T00:00:00+00:00",
            id="hugoblox-date-only-date",
        ),
        pytest.param(
            "hugoblox-2026",
            "content/events/example/index.md",
            "2017-01-01T00:00:00+00:00",
            id="hugoblox-2026-template",
        ),
        pytest.param(
            "boughanmi", "content/en/event/Toby/index.md", "2025-06-20T00:00:00+00:00", id="boughanmi-crlf"
        ),
    ],
)
def test_publish_date_is_aware_with_its_written_offset(site: str, path: str, published: str) -> None:
    talk = _talk(site, path)
    assert talk.published.tzinfo is not None
    assert talk.published.isoformat() == published


@pytest.mark.parametrize(
    ("site", "path", "start", "end"),
    [
        pytest.param(
            "umich",
            "content/talk/cpython/index.md",
            "2019-11-06T14:30:00-02:00",
            "2019-11-06T15:30:00-05:00",
            id="umich-mixed-offsets-kept",
        ),
        pytest.param(
            "umich",
            "content/talk/intro_purr/index.md",
            "2019-09-18T14:30:00-05:00",
            "2019-09-23T15:30:00-05:00",
            id="umich-multi-day",
        ),
        pytest.param(
            "thomwiggers",
            "content/events/2022-12-11-SPACE-kemtls-embedded/index.md",
            "2022-12-11T11:30:00+05:30",
            "2022-12-11T12:00:00+05:30",
            id="hugoblox-event-start-plus-0530",
        ),
        pytest.param(
            "thomwiggers",
            "content/events/2020-10-05-Lorentz_Workshop_KEMTLS/index.md",
            "2020-10-05",
            "2020-10-09",
            id="hugoblox-all-day-date-only",
        ),
        pytest.param(
            "hugoblox-2026",
            "content/events/example/index.md",
            "2030-06-01T13:00:00+00:00",
            "2030-06-01T15:00:00+00:00",
            id="hugoblox-2026-quoted-event-start",
        ),
        pytest.param(
            "academic-v2.0.0",
            "content/talk/example-talk.md",
            "2030-06-01T13:00:00+00:00",
            "2030-06-01T15:00:00+00:00",
            id="academic-v2-time-start-naive-is-utc",
        ),
        pytest.param(
            "academic-v4.8.0",
            "content/talk/example/index.md",
            "2030-06-01T13:00:00+00:00",
            "2030-06-01T15:00:00+00:00",
            id="academic-v4.8-date-and-date-end",
        ),
        pytest.param(
            "harrelfe", "content/talk/seqbayes.md", "2020-06-09", "2020-06-09", id="harrelfe-toml-date-only"
        ),
        pytest.param(
            "harrelfe",
            "content/talk/gsksafety.md",
            "2006-06-08",
            None,
            id="harrelfe-empty-time-start-uses-date",
        ),
        pytest.param(
            "ksamuk",
            "content/talk/biopop_2017.md",
            "2017-11-02T00:00:00+00:00",
            None,
            id="ksamuk-no-time-start",
        ),
        pytest.param(
            "jplecavalier",
            "content/talk/2019-r-a-quebec/index.fr.md",
            "2019-05-13",
            "2019-05-14",
            id="jplecavalier-all-day-true-gives-dates",
        ),
        pytest.param(
            "jaspershen", "content/en/talk/ASMS2021/index.md", "2021-10-31", None, id="jaspershen-all-day-yes"
        ),
        pytest.param(
            "chabert-liddell",
            "content/en/talk/sunbelt2020/index.en.md",
            "2020-07-13T20:00:00+00:00",
            "2020-07-17T22:00:00+00:00",
            id="chabert-all-day-no-keeps-times",
        ),
        pytest.param(
            "araffin",
            "content/talk/rl-sota-2026-mannheim/index.md",
            "2026-02-06T09:00:00+00:00",
            None,
            id="araffin-one-digit-hour",
        ),
        pytest.param(
            "plbaldoni",
            "content/talk/cfar2016/index.md",
            "2016-01-13T09:00:00+00:00",
            "2016-01-13T09:00:00+00:00",
            id="plbaldoni-one-digit-hours",
        ),
        pytest.param(
            "araffin", "content/talk/rl-tuto-jnrr19/index.md", None, None, id="araffin-no-talk-date"
        ),
    ],
)
def test_talk_start_and_end_keep_their_form_and_offset(
    site: str, path: str, start: str | None, end: str | None
) -> None:
    talk = _talk(site, path)
    assert (_iso(talk.start), _iso(talk.end)) == (start, end)


@pytest.mark.parametrize(
    ("site", "path", "line", "key"),
    [
        pytest.param(
            "araffin", "content/talk/rl-sota-2026-mannheim/index.md", 12, "date_end", id="araffin-year-early"
        ),
        pytest.param(
            "eldre", "content/event/Poster_2015_QO/index.md", 12, "date_end", id="eldre-all-day-month-early"
        ),
        pytest.param("harrelfe", "content/talk/mlhealth.md", 6, "time_end", id="harrelfe-toml-time-end"),
        pytest.param(
            "jaspershen", "content/en/talk/ASMS2021/index.md", 6, "date_end", id="jaspershen-all-day-yes"
        ),
    ],
)
def test_end_before_start_is_dropped_with_a_warning_on_its_line(
    site: str, path: str, line: int, key: str
) -> None:
    assert _talk(site, path).end is None
    warnings = _findings_at(site, path, line)
    assert [finding.severity for finding in warnings] == [Severity.WARNING]
    assert key in warnings[0].message


@pytest.mark.parametrize(
    ("site", "path", "line", "key"),
    [
        pytest.param("chenchenzi", "content/talk/asr/index.md", 24, "publishDate", id="one-digit-month"),
        pytest.param("plbaldoni", "content/talk/jsm2017/index.md", 17, "publishDate", id="one-digit-day"),
        pytest.param(
            "chabert-liddell", "content/en/talk/2021-09-08-eusn/index.md", 5, "date", id="colon-before-time"
        ),
    ],
)
def test_date_form_hugo_refuses_is_warned_about_on_its_line(
    site: str, path: str, line: int, key: str
) -> None:
    """Hugo's date parser (Go layouts 2006-01-02T15:04:05) needs two-digit months and days and a T or space.

    Hugo logs an error for such a field and falls back to the next date key, so ``talkfeed check``
    must say so, not pass the page in silence.
    """
    warnings = _findings_at(site, path, line)
    assert [finding.severity for finding in warnings] == [Severity.WARNING]
    assert f"{key} " in warnings[0].message


@pytest.mark.parametrize(
    ("site", "path", "published", "start"),
    [
        pytest.param(
            "chenchenzi",
            "content/talk/asr/index.md",
            "2023-06-12T16:00:00+00:00",
            "2023-06-12T16:00:00+00:00",
            id="one-digit-month-falls-back-to-date",
        ),
        pytest.param(
            "plbaldoni",
            "content/talk/jsm2017/index.md",
            "2017-08-02T11:35:00+00:00",
            "2017-08-02T11:35:00+00:00",
            id="one-digit-day-falls-back-to-date",
        ),
        pytest.param(
            "chabert-liddell",
            "content/en/talk/2021-09-08-eusn/index.md",
            "2022-03-03T18:48:26+01:00",
            "2021-09-08T16:00:00+00:00",
            id="colon-before-time",
        ),
    ],
)
def test_date_form_hugo_refuses_is_read_as_the_hugo_that_builds_the_site_reads_it(
    site: str, path: str, published: str, start: str
) -> None:
    """A publish date Hugo cannot parse is skipped for the next date in Hugo's chain (Hugo 0.111,
    the newest Hugo that builds these sites, did so); a talk time keeps its meant value."""
    talk = _talk(site, path)
    assert (talk.published.isoformat(), _iso(talk.start)) == (published, start)


def test_a_skipped_publish_date_is_a_warning_that_names_what_was_used() -> None:
    findings = [finding for finding in _catalog("plbaldoni").findings if "jsm2017" in finding.path]
    assert [(finding.severity.value, finding.line) for finding in findings] == [("warning", 17)]
    message = findings[0].message
    assert message.startswith('publishDate "2019-11-1T10:35:00Z" is not a date Hugo can read')
    assert "uses date (2017-08-02T11:35:00+00:00) for the publish date instead" in message
    assert "write 2019-11-01T10:35:00+00:00" in message


def test_one_digit_hour_hugo_accepts_gives_no_finding() -> None:
    assert [finding for finding in _catalog("plbaldoni").findings if "cfar2016" in finding.path] == []


@pytest.mark.parametrize(
    ("site", "lang", "paths"),
    [
        pytest.param(
            "jplecavalier",
            None,
            ["content/talk/2019-r-a-quebec/index.fr.md"],
            id="jplecavalier-default-fr-by-suffix",
        ),
        pytest.param(
            "jplecavalier", "en", ["content/talk/2019-r-a-quebec/index.en.md"], id="jplecavalier-en-by-suffix"
        ),
        pytest.param(
            "boughanmi", None, ["content/en/event/Toby/index.md"], id="boughanmi-default-en-by-folder"
        ),
        pytest.param("boughanmi", "fr", ["content/fr/event/Toby/index.md"], id="boughanmi-fr-by-folder"),
        pytest.param(
            "chabert-liddell",
            None,
            [
                f"content/en/talk/{NON_ASCII_BUNDLE}/index.md",
                "content/en/talk/2021-09-08-eusn/index.md",
                "content/en/talk/sunbelt2020/index.en.md",
            ],
            id="chabert-en-only-content-fr-unmounted",
        ),
        pytest.param(
            "jaspershen", None, ["content/en/talk/ASMS2021/index.md"], id="jaspershen-content-zh-unmounted"
        ),
    ],
)
def test_language_selects_its_own_pages(site: str, lang: str | None, paths: list[str]) -> None:
    catalog = _catalog(site, lang)
    assert sorted(talk.path for talk in catalog.talks) == sorted(paths)
    assert {talk.lang for talk in catalog.talks} == {catalog.language}


@pytest.mark.parametrize(
    ("site", "lang"),
    [
        pytest.param("chabert-liddell", "fr", id="chabert-has-content-fr-but-no-fr-language"),
        pytest.param("jaspershen", "zh", id="jaspershen-has-content-zh-but-no-zh-language"),
    ],
)
def test_language_the_site_does_not_configure_is_refused(site: str, lang: str) -> None:
    result = run_cli(["check", SITES[site], "--lang", lang])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"--lang {lang}" in result.stderr
    assert "no such language" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("site", "lang", "path", "url_path"),
    [
        pytest.param(
            "jplecavalier",
            None,
            "content/talk/2019-r-a-quebec/index.fr.md",
            "fr/talk/2019-r-a-quebec/",
            id="default-language-in-subdir",
        ),
        pytest.param(
            "jplecavalier",
            "en",
            "content/talk/2019-r-a-quebec/index.en.md",
            "en/talk/2019-r-a-quebec/",
            id="second-language-by-suffix",
        ),
        pytest.param(
            "boughanmi",
            None,
            "content/en/event/Toby/index.md",
            "talk/time-and-memory-efficient-r-programming/",
            id="permalinks-event-slug",
        ),
        pytest.param(
            "boughanmi",
            "fr",
            "content/fr/event/Toby/index.md",
            "fr/talk/programmation-r-efficace-en-temps-et-en-memoire/",
            id="permalinks-in-second-content-dir",
        ),
        pytest.param(
            "chabert-liddell",
            None,
            "content/en/talk/2021-09-08-eusn/index.md",
            "talk/eusn/",
            id="slug-replaces-folder",
        ),
        pytest.param(
            "chabert-liddell",
            None,
            "content/en/talk/sunbelt2020/index.en.md",
            "talk/stochastic-block-model-for-multilevel-networks-unravels-structural-interdependence-between-the"
            "-social-and-economic-networks-in-a-tv-program-trade-fair/",
            id="long-slug-on-suffixed-page",
        ),
        pytest.param(
            "chabert-liddell",
            None,
            f"content/en/talk/{NON_ASCII_BUNDLE}/index.md",
            "talk/un-modele-a-blocs-stocastiques-pour-les-reseaux-multiniveaux/",
            id="remove-path-accents",
        ),
        pytest.param(
            "eldre",
            None,
            "content/event/Poster_2015_QO/index.md",
            "talk/cost-benefit-analysis-of-two-sampling-methods-for-the-study-of-arctic-marine-macrobenthos/",
            id="permalinks-slug-from-title",
        ),
        pytest.param(
            "thomwiggers",
            None,
            "content/events/2022-12-11-SPACE-kemtls-embedded/index.md",
            "talk/kemtls-vs.-post-quantum-tls-performance-on-embedded-systems/",
            id="hugoblox-events-permalinks",
        ),
        pytest.param("harrelfe", None, "content/talk/mlhealth.md", "talk/mlhealth/", id="single-file-page"),
        pytest.param(
            "academic-v2.0.0",
            None,
            "content/talk/example-talk.md",
            "talk/example-talk/",
            id="template-in-subfolder",
        ),
    ],
)
def test_permalink_is_the_one_hugo_builds(site: str, lang: str | None, path: str, url_path: str) -> None:
    """Hugo joins section and slug (or bundle name), lowercases it, drops accents under removePathAccents."""
    assert _talk(site, path, lang).url_path == url_path


def test_permalink_keeps_the_sub_path_of_the_base_url() -> None:
    result = run_cli(["list", SITES["umich"], "--json", "--now", "2026-01-01T00:00:00+0000"])
    assert result.exit_code == 0, result.stderr
    urls = {row["path"]: row["url"] for row in json.loads(result.stdout)}
    assert (
        urls["content/talk/cpython/index.md"]
        == "https://umichstatistics.github.io/ComputingClub/talk/cpython/"
    )


@pytest.mark.parametrize(
    ("site", "path", "lang", "authors"),
    [
        pytest.param("umich", "content/talk/cpython/index.md", None, ("Ziping Xu",), id="umich-ziping"),
        pytest.param("umich", "content/talk/intro_purr/index.md", None, ("Derek Hansen",), id="umich-derek"),
        pytest.param(
            "thomwiggers",
            "content/events/2022-12-11-SPACE-kemtls-embedded/index.md",
            None,
            ("Thom Wiggers",),
            id="hugoblox-data-authors",
        ),
        pytest.param(
            "hugoblox-2026",
            "content/events/example/index.md",
            None,
            ("Dr. Alex Johnson",),
            id="hugoblox-2026-me",
        ),
        pytest.param(
            "eldre",
            "content/event/Poster_2015_QO/index.md",
            None,
            ("Elliot Dreujou", "Jesica Goldsmit"),
            id="slug-and-free-text-mixed",
        ),
        pytest.param(
            "jplecavalier",
            "content/talk/2019-r-a-quebec/index.fr.md",
            None,
            ("dot-layer (.Layer)",),
            id="suffixed-profile-fr",
        ),
        pytest.param(
            "jplecavalier",
            "content/talk/2019-r-a-quebec/index.en.md",
            "en",
            ("dot-layer (.Layer)",),
            id="suffixed-profile-en",
        ),
        pytest.param(
            "plbaldoni",
            "content/talk/cfar2016/index.md",
            None,
            ("Pedro L. Baldoni", "Sook-Kyung Lee"),
            id="free-text-names-kept",
        ),
        pytest.param(
            "araffin",
            "content/talk/rl-sota-2026-mannheim/index.md",
            None,
            ("Antonin Raffin",),
            id="academic-v4-profile-name-key",
        ),
    ],
)
def test_authors_are_shown_by_their_profile_name(
    site: str, path: str, lang: str | None, authors: tuple[str, ...]
) -> None:
    """Academic v4 shows a profile's ``name``; Wowchemy v5 its ``title``; Hugo Blox 2025+ ``name.display``."""
    assert _talk(site, path, lang).authors == authors


@pytest.mark.parametrize(
    ("site", "path", "tags"),
    [
        pytest.param("eldre", "content/event/Poster_2015_QO/index.md", (), id="tags-null"),
        pytest.param("jaspershen", "content/en/talk/ASMS2021/index.md", (), id="tags-empty-list"),
        pytest.param(
            "chenchenzi",
            "content/talk/asr/index.md",
            ("ASR", "Speech technology", "research skills"),
            id="flow-list",
        ),
        pytest.param(
            "umich",
            "content/talk/intro_purr/index.md",
            ("Club", "R", "Functional programming"),
            id="quoted-list",
        ),
    ],
)
def test_tags_are_read_as_written(site: str, path: str, tags: tuple[str, ...]) -> None:
    assert _talk(site, path).tags == tags


def test_tab_after_key_still_gives_the_title() -> None:
    talk = _talk("plbaldoni", "content/talk/enar2020/index.md")
    assert (
        talk.title == "Efficient Detection and Classification of Epigenomic Changes Under Multiple Conditions"
    )


@pytest.mark.parametrize(
    ("site", "path", "event"),
    [
        pytest.param(
            "thomwiggers",
            "content/events/2022-12-11-SPACE-kemtls-embedded/index.md",
            "SPACE 2022",
            id="event-name",
        ),
        pytest.param(
            "hugoblox-2026", "content/events/example/index.md", "HugoBlox Showcase", id="template-event-name"
        ),
        pytest.param(
            "academic-v4.8.0",
            "content/talk/example/index.md",
            "Academic Theme Conference",
            id="academic-event",
        ),
    ],
)
def test_event_is_named_by_the_key_of_its_era(site: str, path: str, event: str) -> None:
    assert _talk(site, path).event == event


@pytest.mark.parametrize(
    ("site", "path", "address"),
    [
        pytest.param(
            "thomwiggers",
            "content/events/2022-12-11-SPACE-kemtls-embedded/index.md",
            ("Rupa ki Nagal, Post-Sumel, Via-Jamdoli", "Jaipur", "Rajasthan", "302031", "India"),
            id="integer-postcode",
        ),
        pytest.param(
            "academic-v4.8.0",
            "content/talk/example/index.md",
            ("450 Serra Mall", "Stanford", "CA", "94305", "United States"),
            id="quoted-postcode",
        ),
        pytest.param("chenchenzi", "content/talk/asr/index.md", (), id="all-fields-empty"),
        pytest.param(
            "plbaldoni",
            "content/talk/cfar2016/index.md",
            ("Chapel Hill", "NC", "United States"),
            id="partial",
        ),
    ],
)
def test_address_lists_its_filled_parts_in_postal_order(
    site: str, path: str, address: tuple[str, ...]
) -> None:
    assert _talk(site, path).address == address


def test_markdown_resource_inside_a_bundle_is_not_a_talk() -> None:
    catalog = _catalog("umich")
    assert sorted(talk.path for talk in catalog.talks) == [
        "content/talk/cpython/index.md",
        "content/talk/intro_purr/index.md",
    ]
    assert catalog.invalid == ()


@pytest.mark.parametrize(
    ("site", "lang", "path", "title", "sentence"),
    [
        pytest.param(
            "boughanmi",
            None,
            "content/en/event/Toby/index.md",
            "Time-and memory-efficient R programming",
            "Click on the **Video** button above to view the full talk of the participants.",
            id="en",
        ),
        pytest.param(
            "boughanmi",
            "fr",
            "content/fr/event/Toby/index.md",
            "Programmation R efficace en temps et en mémoire",
            "Click on the **Video** button above to view the full talk of the participants.",
            id="fr",
        ),
    ],
)
def test_crlf_page_reads_like_an_lf_page(
    site: str, lang: str | None, path: str, title: str, sentence: str
) -> None:
    talk = _talk(site, path, lang)
    assert talk.title == title
    assert sentence in talk.body
    texts = (talk.title, talk.body, talk.summary or "", talk.event or "", *(link.url for link in talk.links))
    assert not any("\r" in text for text in texts)


def test_crlf_page_of_an_unconfigured_language_reads_without_findings() -> None:
    source = locate_source(SITES["jaspershen"] / "content" / "zh" / "talk" / "2016texas" / "index.md")
    pages, skipped, _ = find_pages(source)
    assert (len(pages), skipped) == (1, [])
    result = read_page(pages[0], ReadContext(zone=UTC, default_language="en"))
    assert result.findings == ()
    assert result.talk is not None
    assert result.talk.title == (
        "Normalization and Integration of Large-Scale Mass Spectrometry-based Metabolomics Data "
        "Using Support Vector Regression"
    )
    assert "\r" not in result.talk.body
    assert (_iso(result.talk.start), _iso(result.talk.end)) == (
        "2016-07-22T13:00:00+00:00",
        "2016-07-22T15:00:00+00:00",
    )


@pytest.mark.parametrize(
    ("site", "lang", "path", "kept"),
    [
        pytest.param(
            "boughanmi",
            None,
            "content/en/event/Toby/index.md",
            "Click on the **Video** button above",
            id="callout",
        ),
        pytest.param(
            "academic-v4.8.0",
            None,
            "content/talk/example/index.md",
            "Click on the **Slides** button above to view the built-in slides feature.",
            id="alert",
        ),
        pytest.param(
            "ksamuk",
            None,
            "content/talk/biopop_2017.md",
            "fc2b7d86ff53408b9492b62b11dc97d3",
            id="speakerdeck",
        ),
    ],
)
def test_shortcodes_leave_no_raw_markers(site: str, lang: str | None, path: str, kept: str) -> None:
    body = _talk(site, path, lang).body
    assert kept in body
    assert "{{%" not in body
    assert "{{<" not in body


@pytest.mark.parametrize(
    ("zone", "site", "path", "field", "expected"),
    [
        pytest.param(
            "America/New_York",
            "ksamuk",
            "content/talk/biopop_2017.md",
            "published",
            "2017-11-02T00:00:00-04:00",
            id="naive-datetime-takes-the-zone",
        ),
        pytest.param(
            "Europe/Amsterdam",
            "thomwiggers",
            "content/events/2022-12-11-SPACE-kemtls-embedded/index.md",
            "published",
            "2022-12-11T00:00:00+01:00",
            id="date-only-publish-date-is-midnight-in-the-zone",
        ),
        pytest.param(
            "Europe/Amsterdam",
            "umich",
            "content/talk/cpython/index.md",
            "start",
            "2019-11-06T14:30:00-02:00",
            id="written-offset-is-kept",
        ),
        pytest.param(
            "Europe/Amsterdam",
            "jplecavalier",
            "content/talk/2019-r-a-quebec/index.fr.md",
            "start",
            "2019-05-13",
            id="all-day-stays-a-date",
        ),
    ],
)
def test_timezone_applies_only_to_dates_written_without_one(
    zone: str, site: str, path: str, field: str, expected: str
) -> None:
    """Hugo's ``timeZone`` (talkfeed's --timezone) is used for values without an offset, and only for them."""
    assert _iso(getattr(_talk(site, path, timezone=zone), field)) == expected


@pytest.mark.parametrize("site", sorted(SITES))
def test_check_passes_on_every_real_site(site: str) -> None:
    result = run_cli(["check", SITES[site]])
    assert result.exit_code == 0, result.stderr
    assert "checked: 0 with errors" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("site", sorted(SITES))
def test_build_skipping_invalid_pages_passes_on_every_real_site(site: str, tmp_path: Path) -> None:
    output = tmp_path / "feeds"
    arguments = ["build", SITES[site], "--skip-invalid", "--base-url", "https://example.org/", "-o", output]
    result = run_cli(arguments)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert all((output / name).is_file() for name in FEEDS)
    assert json.loads((output / "feed.json").read_text(encoding="utf-8"))["items"]


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_finding_is_printed_as_path_line_severity_message(site: str) -> None:
    lines = run_cli(["check", SITES[site]]).stderr.splitlines()
    for line in lines:
        match = FINDING_LINE.fullmatch(line)
        assert match is not None, line
        page = SITES[site] / match["path"]
        assert page.is_file(), line
        assert int(match["line"]) <= len(page.read_bytes().splitlines()), line


@pytest.mark.parametrize("site", SITES_WITHOUT_FINDINGS)
def test_site_without_problems_checks_in_silence(site: str) -> None:
    assert run_cli(["check", SITES[site]]).stderr == ""


def test_a_missing_header_image_that_many_pages_name_is_said_once() -> None:
    """harrelfe's pages each name the theme's ``[header] image = "headers/bubbles-wide.jpg"``
    (mlhealth.md line 36, seqbayes.md 35, gsksafety.md 36, rms.md 37), which the site lacks."""
    said = [finding for finding in _catalog("harrelfe").findings if "header image" in finding.message]
    assert [(finding.path, finding.line) for finding in said] == [("content/talk/gsksafety.md", 36)]
    assert said[0].message.endswith("the feeds carry no image for it (also named by 3 other pages)")
