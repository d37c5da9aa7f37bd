"""Each feed speaks its language: the site's for the main set, each language's own in ``--per lang``
views and in multilingual sites; labels from talkfeed's catalogue under the site's own ``i18n``
tables, dates, times, ranges and lists from CLDR. Machine fields (RFC 822 and RFC 3339 dates,
ids, JSON keys) never change."""

from __future__ import annotations

import json
import re
import shutil
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import icalendar
import pytest

from talkfeed.read.labels import catalogue, catalogue_names

from conftest import FIXED_NOW, ROOT, make_site, run_cli

JPLECAVALIER = ROOT / "fixtures" / "corpus" / "jplecavalier__personal-website"
"""``defaultContentLanguage = "fr"`` (config.toml), languages fr (``languageCode = "fr-ca"``) and
en (``en-us``) in config/_default/languages.toml; one talk, 13–14 May 2019, all day, in both."""
PLACEHOLDER = re.compile(r"\{\{ \. \}\}")
HUGO_BLOX_IDS = (
    "talks", "event", "date", "location", "authors", "abstract", "btn_slides", "btn_video", "btn_pdf",
    "btn_preprint", "btn_code", "btn_dataset", "btn_project", "btn_poster", "btn_source", "btn_doi",
    "btn_site", "btn_event", "btn_calendar", "btn_registration", "btn_demo", "btn_model",
)  # fmt: skip
"""The ids of Hugo Blox's i18n tables (modules/blox/i18n/en.yaml, and ``talks`` before 2025) that
talkfeed's labels share, so a site overriding the theme's label overrides talkfeed's."""
TIMED = (
    "---\ntitle: Sparse graphs\npublishDate: 2024-05-01T10:00:00Z\ndate: 2024-06-03T14:00:00+02:00\n"
    "date_end: 2024-06-03T15:30:00+02:00\nevent: Graph Day\nlocation: Amsterdam\n"
    "authors: [Ada Lovelace, Grace Hopper, Hedy Lamarr]\ntags: [graphs, sparsity]\n"
    "url_slides: https://example.org/s.pdf\n---\nBody.\n"
)


def _site(tmp_path: Path, language_code: str, pages: int = 1, name: str = "site") -> Path:
    config = f'baseURL = "https://example.org/"\ntitle = "Lab"\nlanguageCode = "{language_code}"\n'
    return make_site(
        tmp_path,
        {f"t{index}/index.md": TIMED.replace("Sparse graphs", f"Talk {index}") for index in range(pages)},
        config,
        name,
    )


def _build(site: Path, out: Path, *options: str) -> str:
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "--no-cache", *options])
    assert result.exit_code == 0, result.stderr
    return result.stderr


def _feed(out: Path) -> dict[str, object]:
    return json.loads((out / "feed.json").read_text())  # type: ignore[no-any-return]


def _content(out: Path) -> str:
    return str(_feed(out)["items"][0]["content_html"])  # type: ignore[index]


@pytest.mark.parametrize(
    "language", ["fr", "de", "es", "zh", "nl", "hu", "eu", "pt", "it", "ja", "ko", "ru", "pl", "ar", "he"]
)
def test_talkfeed_has_labels_in_every_language_of_the_corpus_and_more(language: str) -> None:
    assert language in catalogue_names()


@pytest.mark.parametrize("language", sorted(catalogue_names()))
def test_each_catalogue_has_every_label_with_its_places(language: str) -> None:
    english, table = catalogue("en"), catalogue(language)
    assert list(table) == list(english)
    for key, texts in table.items():
        assert "other" in texts, key
        for text in texts.values():
            assert len(PLACEHOLDER.findall(text)) == len(PLACEHOLDER.findall(english[key]["other"])), key
            assert text == " ".join(text.split(" ")).strip("\n") and text, key


def test_labels_use_hugo_blox_ids_where_the_theme_has_the_same_label_and_their_own_elsewhere() -> None:
    own = [key for key in catalogue("en") if key not in HUGO_BLOX_IDS]
    assert all(key.startswith("talkfeed_") for key in own)
    assert set(HUGO_BLOX_IDS) <= set(catalogue("en"))


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jplecavalier's site built with no options at all, into its own publish folder."""
    site = tmp_path_factory.mktemp("jplecavalier") / "site"
    shutil.copytree(JPLECAVALIER, site)
    result = run_cli(["build", site])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return site / "public" / "talkfeed"


def test_a_french_site_has_french_feeds(french: Path) -> None:
    feed = _feed(french)
    assert (feed["title"], feed["description"]) == (
        "Présentations — J.P. Le Cavalier",
        "Présentations de J.P. Le Cavalier",
    )
    html = _content(french)
    assert html.startswith("<p><strong>lun. 13 mai 2019 · R à Québec 2019 · Université Laval")
    assert "<p>Évènement\u00a0: <a href=" in html
    assert "<p>Date\u00a0: lun. 13\u2009mai –\u2009mar. 14 mai 2019 (toute la journée)</p>" in html
    assert "<p>Intervenant\u00a0: dot-layer (.Layer)</p>" in html
    assert "<p>Mots-clés\u00a0: r, data-science</p>" in html
    rss = feedparser.parse((french / "index.xml").read_bytes())
    assert rss.feed.title == "Présentations — J.P. Le Cavalier"
    assert rss.entries[0].get("dc_coverage", "").startswith("lun. 13 mai 2019 · R à Québec 2019")


def test_a_french_sites_machine_fields_stay_as_the_standards_write_them(french: Path) -> None:
    rss = (french / "index.xml").read_text()
    published = re.search(r"<pubDate>([^<]+)</pubDate>", rss)
    assert published is not None and published.group(1).startswith("Mon, 13 May 2019")
    assert parsedate_to_datetime(published.group(1)).isoformat() == "2019-05-13T08:30:00+00:00"
    item = _feed(french)["items"][0]  # type: ignore[index]
    assert item["date_published"] == "2019-05-13T08:30:00+00:00"
    assert set(item["_talk"]) >= {"about", "start", "end", "all_day", "event", "location", "address"}
    assert feedparser.parse(rss).feed.language == "fr-ca"


def test_a_french_sites_calendar_and_page_are_french(french: Path) -> None:
    calendar = icalendar.Calendar.from_ical((french / "talks.ics").read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "Présentations — J.P. Le Cavalier"
    upcoming = icalendar.Calendar.from_ical((french / "upcoming.ics").read_bytes())
    assert str(upcoming["NAME"]) == "Présentations à venir — J.P. Le Cavalier"
    page = (french / "index.html").read_text()
    assert page.startswith('<!doctype html>\n<html lang="fr-ca">\n')
    for text in (
        '<h2 id="section-1">Présentations à venir</h2>\n<p>Aucune présentation à venir.</p>',
        '<h2 id="section-2">Présentations passées</h2>',
        "<p>Intervenant\u00a0: dot-layer (.Layer)</p>",
        '<time datetime="2019-05-13">lun. 13\u2009mai –\u2009mar. 14 mai 2019 (toute la journée)</time>',
        "Suivez ces présentations\u00a0: copiez l’adresse d’un flux",
        "Calendrier (iCalendar)",
        'Généré par talkfeed\u00a0: <a href="about.html">à propos de ces flux</a>.',
    ):
        assert text in page, text
    assert "Ceci est un flux." in (french / "feed.css").read_text()


def test_per_lang_views_speak_each_language(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(JPLECAVALIER, out, "--per", "lang", "--base-url", "https://jp.example/")
    assert "<p>Date\u00a0: lun. 13" in _content(out / "fr")
    english = _content(out / "en")
    assert "<p>When: Mon 13 May 2019 – Tue 14 May 2019 (all day)</p>" in english
    assert "<p>Speaker: dot-layer (.Layer)</p>" in english
    assert _feed(out / "en")["title"] == "Talks — J.P. Le Cavalier"
    assert '<h2 id="section-2">Past talks</h2>' in (out / "en" / "index.html").read_text()
    assert '<html lang="en-us">' in (out / "en" / "index.html").read_text()
    # Each language's XML feeds are styled in its own words; the main ones in the site's.
    assert b'href="feed.css"?>' in (out / "en" / "index.xml").read_bytes()
    assert b"This is a feed." in (out / "en" / "feed.css").read_bytes()
    assert b'href="../feed.css"?>' in (out / "fr" / "index.xml").read_bytes()
    assert not (out / "fr" / "feed.css").exists()
    assert b"Ceci est un flux." in (out / "feed.css").read_bytes()


@pytest.mark.parametrize(
    ("code", "lines"),
    [
        pytest.param(
            "de",
            (
                "<p><strong>Mo., 3. Juni 2024 · Graph Day · Amsterdam</strong></p>",
                "<p>Veranstaltung: Graph Day</p>",
                "<p>Termin: Mo., 3. Juni 2024, 14:00–15:30 Uhr GMT+02:00</p>",
                "<p>Ort: Amsterdam</p>",
                "<p>Vortragende: Ada Lovelace, Grace Hopper und Hedy Lamarr</p>",
                '<li><a href="https://example.org/s.pdf">Folien</a></li>',
                "<p>Schlagwörter: graphs, sparsity</p>",
            ),
            id="german",
        ),
        pytest.param(
            "zh-Hans",
            (
                "<p><strong>2024年6月3日周一 · Graph Day · Amsterdam</strong></p>",
                "<p>时间：2024年6月3日周一 14:00–15:30 GMT+02:00</p>",
                "<p>讲者：Ada Lovelace、Grace Hopper和Hedy Lamarr</p>",
                '<li><a href="https://example.org/s.pdf">幻灯片</a></li>',
                "<p>标签：graphs、sparsity</p>",
            ),
            id="chinese",
        ),
        pytest.param(
            "zh-TW",
            ("<p>時間：2024年6月3日週一 下午2:00\u2009–\u2009下午3:30 GMT+02:00</p>", "<p>講者："),
            id="traditional-chinese-of-a-region",
        ),
        pytest.param(
            "ar",
            (
                "<p>الموعد: الاثنين، 3 يونيو 2024، 2:00–3:30 م غرينتش+02:00</p>",
                "<p>المحاضرون: Ada Lovelace وGrace Hopper وHedy Lamarr</p>",
            ),
            id="arabic",
        ),
        pytest.param(
            "he-IL",
            ("<p>מועד: יום ב׳, 3 ביוני 2024, 14:00–15:30 GMT+02:00\u200e</p>", "<p>מרצים: Ada Lovelace, "),
            id="hebrew-of-a-region",
        ),
    ],
)
def test_each_language_has_its_labels_dates_times_and_lists(
    tmp_path: Path, code: str, lines: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    assert _build(_site(tmp_path, code), out) == ""
    html = _content(out)
    for line in lines:
        assert line in html, (line, html)


@pytest.mark.parametrize(("code", "direction"), [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("de", "ltr")])
def test_a_right_to_left_language_gives_its_page_that_direction(
    tmp_path: Path, code: str, direction: str
) -> None:
    out = tmp_path / "out"
    _build(_site(tmp_path, code), out)
    first = (out / "index.html").read_text().split("\n")[1]
    assert first == (f'<html lang="{code}" dir="rtl">' if direction == "rtl" else f'<html lang="{code}">')


def test_a_language_without_labels_speaks_english_with_its_own_dates_and_says_so_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    warnings = _build(_site(tmp_path, "sv", pages=3), out).splitlines()
    assert warnings == [
        "hugo.toml: warning: language en (languageCode sv): talkfeed has no labels in sv, so they are in "
        "English (its dates are its own); translate them in i18n/sv.yaml (54 ids: see the README)"
    ]
    html = _content(out)
    assert "<p>When: mån 3 juni 2024 14:00–15:30 GMT+02:00</p>" in html
    assert "<p>Speakers: Ada Lovelace, Grace Hopper och Hedy Lamarr</p>" in html


def test_a_language_cldr_does_not_know_is_english_and_said_once(tmp_path: Path) -> None:
    config = 'baseURL = "https://example.org/"\ndefaultContentLanguage = "tlhingan"\n'
    site = make_site(tmp_path, {f"t{index}/index.md": TIMED for index in range(3)}, config)
    out = tmp_path / "out"
    warnings = _build(site, out).splitlines()
    assert warnings == [
        "hugo.toml: warning: language tlhingan: CLDR knows no such language, so its feeds, calendars and "
        "page are in English (set languageCode to a language tag such as fr-CA)"
    ]
    assert "<p>When: Mon 3 Jun 2024, 14:00–15:30 UTC+02:00</p>" in _content(out)


def test_a_sites_own_i18n_tables_override_talkfeeds_labels(tmp_path: Path) -> None:
    site = _site(tmp_path, "fr-ca")
    (site / "i18n").mkdir()
    # Hugo Blox's form, as the theme's own fr.yaml writes it; a text applies to every count.
    (site / "i18n" / "fr.yaml").write_text(
        "- id: authors\n  translation: Conférenciers\n- id: event\n  translation: Colloque\n"
        "- id: talkfeed_no_upcoming\n  translation: Rien de prévu.\n- id: unrelated\n  translation: x\n",
        encoding="utf-8",
    )
    # Hugo's map form, for the languageCode, wins over the key's table.
    (site / "i18n" / "FR-CA.toml").write_text('[event]\nother = "Rencontre"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert _build(site, out) == ""
    html = _content(out)
    assert "<p>Conférenciers\u00a0: Ada Lovelace" in html
    assert "<p>Rencontre\u00a0: Graph Day</p>" in html
    assert "<p>Date\u00a0: lun. 3 juin 2024" in html, "the labels the site leaves alone stay talkfeed's"
    assert "<p>Rien de prévu.</p>" in (out / "index.html").read_text()


def test_an_unreadable_i18n_table_is_said_and_left_out(tmp_path: Path) -> None:
    site = _site(tmp_path, "de")
    (site / "i18n").mkdir()
    (site / "i18n" / "de.yaml").write_text("- id: event\n  translation: x: y\n", encoding="utf-8")
    out = tmp_path / "out"
    warnings = _build(site, out)
    assert warnings.startswith("i18n/de.yaml:2: warning: translation table not read: not valid YAML")
    assert "<p>Veranstaltung: Graph Day</p>" in _content(out)


def test_a_given_title_is_kept_as_written_and_views_are_titled_in_the_language(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(JPLECAVALIER, out, "--per", "tag", "--title", "Talks by J.P.")
    assert _feed(out)["title"] == "Talks by J.P."
    other = tmp_path / "other"
    _build(JPLECAVALIER, other, "--per", "tag", "--per", "author")
    assert _feed(other / "tags" / "r")["title"] == "Présentations avec le mot-clé r — J.P. Le Cavalier"
    assert (
        _feed(other / "authors" / "dotlayer")["title"]
        == "Présentations de dot-layer (.Layer) — J.P. Le Cavalier"
    )


def test_the_snippets_for_a_french_site_are_french(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(JPLECAVALIER, site)
    head = run_cli(["snippet", "head", site]).stdout
    assert 'title="Présentations — J.P. Le Cavalier\u00a0: RSS 2.0"' in head
    subscribe = run_cli(["snippet", "subscribe", site]).stdout
    assert "<p>Suivre Présentations — J.P. Le Cavalier\u00a0:</p>" in subscribe
    assert ">Calendrier (iCalendar)</a>: s’abonner dans <a href=" in subscribe
    assert "ou copier <code>https://jplecavalier.rbind.io/talkfeed/talks.ics</code>" in subscribe
    assert ">Toutes les présentations sur une page</a>" in subscribe
