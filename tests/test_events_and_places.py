"""An event and a place as the talk's page shows them: an event written in HTML keeps its
structure and links (sanitized) where HTML fits, and reads as text with its links listed where
only text fits; a location and an address that say the same place say it once."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import icalendar
import pytest

from talkfeed.formats.web.item import place_of
from talkfeed.model import Talk

from conftest import FIXED_NOW, ROOT, make_site, run_cli
from test_page import make_talk

HARRELFE = ROOT / "fixtures" / "corpus" / "harrelfe__blogdown"
THOMWIGGERS = ROOT / "fixtures" / "corpus" / "thomwiggers__thomwiggers.nl"
JPLECAVALIER = ROOT / "fixtures" / "corpus" / "jplecavalier__personal-website"
RMS_LINKS = [
    "https://community.amstat.org/scasa/asw/new-item2",
    "http://sorataba.org/sora-taba-dlsph-workshop-2019",
    "https://www.ices.on.ca/About-ICES/ICES-Contacts-and-Locations/Ottawa",
    "http://www.cvent.com/events/regression-modeling-strategies-rms-short-course-2019-/"
    "event-summary-84d34d55e6294f32893d9fc7c87b9ecd.aspx",
    "http://ww2.amstat.org/meetings/jsm/2019",
    "http://hbiostat.org/doc/rms/rmsDescription.pdf",
    "http://hbiostat.org/doc/rms1.pdf",
]
"""The seven links of ``event`` in harrelfe's ``content/talk/rms.md`` (line 9), in order."""


@pytest.fixture(scope="module")
def harrelfe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("harrelfe") / "site"
    shutil.copytree(HARRELFE, site)
    out = site.parent / "out"
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "--no-cache", "-q"])
    assert result.exit_code == 0, result.stderr
    return out


def _item(out: Path, slug: str) -> dict[str, object]:
    items = json.loads((out / "feed.json").read_text())["items"]
    return next(item for item in items if f"/talk/{slug}/" in item["id"])


def _event(out: Path, slug: str) -> icalendar.Event:
    events = icalendar.Calendar.from_ical((out / "talks.ics").read_bytes()).walk("VEVENT")
    return next(event for event in events if f"/talk/{slug}/" in str(event["URL"]))


def test_an_event_written_as_a_list_keeps_its_list_and_every_link_in_the_item(harrelfe: Path) -> None:
    html = str(_item(harrelfe, "rms")["content_html"])
    block = re.search(r"<p>Event:</p>\n(<ul>.*?</ul>)", html, re.DOTALL)
    assert block is not None, html[:500]
    assert re.findall(r'<a href="([^"]+)"', block.group(1)) == RMS_LINKS
    assert block.group(1).count("<li>") == 7
    assert "<b>Long Beach CA</b>" in block.group(1)


def test_an_event_written_as_a_list_stays_out_of_the_one_line_facts(harrelfe: Path) -> None:
    html = str(_item(harrelfe, "rms")["content_html"])
    facts = html.split("\n", 1)[0]
    assert facts == "<p><strong>Fri 3 May 2019</strong></p>"
    assert "<dc:coverage>Fri 3 May 2019</dc:coverage>" in (harrelfe / "index.xml").read_text()


def test_an_event_reads_as_text_with_its_links_listed_where_only_text_fits(harrelfe: Path) -> None:
    event = _item(harrelfe, "rms")["_talk"]["event"]  # type: ignore[index]
    venues = event.split("; ")
    assert len(venues) == 7
    assert venues[0] == (
        "2019-04-26: 1-Day Course, Southern California Chapter of the American Statistical Association "
        "(https://community.amstat.org/scasa/asw/new-item2) Annual Applied Statistics Workshop, Long Beach CA"
    )
    assert venues[-1] == "Course notes (http://hbiostat.org/doc/rms1.pdf)"
    description = str(_event(harrelfe, "rms")["DESCRIPTION"])
    assert description.split("\n")[:7] == venues


def test_the_page_shows_an_event_list_whole_under_the_talks_facts(harrelfe: Path) -> None:
    page = (harrelfe / "index.html").read_text()
    article = next(part for part in page.split("<article>") if "/talk/rms/" in part.split("</h3>")[0])
    facts, rest = article.split('<p class="quiet">', 1)[1].split("</p>", 1)
    assert "Long Beach" not in facts
    listed = re.search(r'<div dir="auto"><ul>.*?</ul></div>', rest, re.DOTALL)
    assert listed is not None
    assert re.findall(r'<a href="([^"]+)"', listed.group()) == RMS_LINKS


def test_an_inline_event_keeps_its_markup_and_links_on_the_line(tmp_path: Path) -> None:
    event = "event: 'Keynote at <a href=\"https://conf.example/\">Conf <sup>24</sup></a>'\n"
    site = make_site(tmp_path, {"a.md": _page(event + "event_url: https://other.example/\n")})
    out = _build(site, tmp_path / "out")
    html = str(_item(out, "a")["content_html"])
    assert '<p>Event: Keynote at <a href="https://conf.example/">Conf <sup>24</sup></a></p>' in html
    assert "other.example" not in html.split("</p>", 2)[1], "no link around a link"
    assert _item(out, "a")["_talk"]["event"] == "Keynote at Conf 24 (https://conf.example/)"  # type: ignore[index]
    page = (out / "index.html").read_text()
    assert '· Keynote at <a href="https://conf.example/">Conf <sup>24</sup></a></p>' in page


def test_an_event_written_as_paragraphs_is_shown_whole_on_the_page_and_as_text_on_the_line(
    tmp_path: Path,
) -> None:
    event = "event: '<strong>ML Day</strong><br>Workshop<p>on graphs</p>'\nevent_url: https://ml.example/\n"
    site = make_site(tmp_path, {"a.md": _page(event)})
    out = _build(site, tmp_path / "out")
    html = str(_item(out, "a")["content_html"])
    assert html.startswith("<p><strong>Sat 1 Jun 2024 · ML Day Workshop on graphs</strong></p>\n")
    assert (
        '<p>Event: <a href="https://ml.example/">https://ml.example/</a></p>\n<strong>ML Day</strong>' in html
    )
    page = (out / "index.html").read_text()
    facts = page.split("<article>", 1)[1].split('<p class="quiet">', 1)[1].split("</p>", 1)[0]
    assert facts.endswith('· <a href="https://ml.example/">Event</a>') and "ML Day" not in facts
    assert '<div dir="auto"><strong>ML Day</strong><br>Workshop<p>on graphs</p></div>' in page


def test_event_markup_is_sanitized_everywhere(tmp_path: Path) -> None:
    hostile = '<ul><li><a href="javascript:alert(1)" onclick="x()">Day</a><script>x()</script></li></ul>'
    event = f"event: '{hostile}'\n"
    site = make_site(tmp_path, {"a.md": _page(event)})
    out = _build(site, tmp_path / "out")
    for path in out.rglob("*.*"):
        text = path.read_text()
        for bad in ("javascript:", "onclick", "<script"):
            assert bad not in text, (path.name, bad)
    assert _item(out, "a")["_talk"]["event"] == "Day"  # type: ignore[index]


def test_a_location_and_an_address_of_one_place_say_it_once(tmp_path: Path) -> None:
    """thomwiggers.nl: ``location: Amsterdam, Netherlands`` and an address of city Amsterdam,
    country Netherlands (``content/events/2024-06-20-internetnl/index.md``, lines 4-10)."""
    site = tmp_path / "site"
    shutil.copytree(THOMWIGGERS, site)
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out, "--base-url", "https://thomwiggers.nl/", "-q"])
    assert result.exit_code == 0, result.stderr
    slug = "pq-tls-and-webpki-or-are-we-pq-yet"
    assert "<p>Where: Amsterdam, Netherlands</p>" in str(_item(out, slug)["content_html"])
    assert str(_event(out, slug)["LOCATION"]) == "Amsterdam, Netherlands"
    facts = _item(out, slug)["_talk"]
    assert (facts["location"], facts["address"]) == ("Amsterdam, Netherlands", ["Amsterdam", "Netherlands"])  # type: ignore[index]


@pytest.mark.parametrize(
    ("location", "address", "place"),
    [
        pytest.param(
            "Amsterdam, Netherlands", ("Amsterdam", "Netherlands"), ("Amsterdam, Netherlands",), id="same"
        ),
        pytest.param("Amsterdam", ("Amsterdam", "Netherlands"), ("Amsterdam", "Netherlands"), id="city-said"),
        pytest.param("  amsterdam ", ("Amsterdam",), ("  amsterdam ",), id="case-and-spaces"),
        pytest.param(
            "Université Laval, Pavillon Desjardins, Salle Hydro-Québec",
            ("2325 Rue de l'Université", "Québec", "QC"),
            (
                "Université Laval, Pavillon Desjardins, Salle Hydro-Québec",
                "2325 Rue de l'Université",
                "Québec",
                "QC",
            ),
            id="part-of-a-word-is-not-said",
        ),
        pytest.param(None, ("Amsterdam", "Netherlands"), ("Amsterdam", "Netherlands"), id="address-only"),
    ],
)
def test_each_address_part_the_location_does_not_say_is_added(
    location: str | None, address: tuple[str, ...], place: tuple[str, ...]
) -> None:
    talk: Talk = make_talk(location=location, address=address)
    assert place_of(talk) == place


def _page(extra: str) -> str:
    return f"---\ntitle: Sloths\npublishDate: 2024-05-01\ndate: 2024-06-01\n{extra}---\nBody.\n"


def _build(site: Path, out: Path) -> Path:
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "--no-cache", "-q"])
    assert result.exit_code == 0, result.stderr
    return out
