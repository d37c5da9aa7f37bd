"""The HTML page beside the feeds, and the CSS that makes raw feeds readable: structure, escaping, links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from talkfeed.formats.web.page import FeedLink, ViewLink, feed_stylesheet, render_page
from talkfeed.model import FeedSettings, FileInfo, Link, PartSettings, Talk, entry_of
from talkfeed.pieces.render import render_pieces

SETTINGS = FeedSettings(
    base_url="https://example.org/",
    feeds_url="https://example.org/feeds/",
    home_url="https://example.org/talk/",
    title="Talks — Lab",
    description="Talks from the Lab",
    language="en-GB",
    author="Lab",
    generator="talkfeed",
    version="0.1.0",
)
FEEDS = (
    FeedLink("RSS 2.0", "https://example.org/feeds/index.xml", "application/rss+xml"),
    FeedLink("Atom", "https://example.org/feeds/atom.xml", "application/atom+xml"),
    FeedLink("JSON Feed", "https://example.org/feeds/feed.json", "application/feed+json"),
    FeedLink("Calendar", "https://example.org/feeds/talks.ics", "text/calendar"),
)
NASTY = "Q&A: is <b>x</b> < y > z? \"Quoted\" & 'single' &amp; &lt;"
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
HEAD_TAGS = frozenset({"meta", "title", "link", "style", "base"})
PHRASING_ONLY = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "time", "em", "strong", "span"})
BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figure", "footer"}
    | {"form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre"}
    | {"section", "table", "ul"}
)


def make_talk(slug: str = "a-talk", **changes: Any) -> Talk:
    """A talk with nothing but a title and a publish date, changed by ``changes``."""
    talk = Talk(
        path=f"content/talk/{slug}/index.md",
        url_path=f"talk/{slug}/",
        lang="en",
        title=f"Talk {slug}",
        published=datetime(2024, 5, 1, 10, tzinfo=UTC),
        modified=None,
        expires=None,
        draft=False,
        start=None,
        end=None,
        event=None,
        event_url=None,
        location=None,
        address=(),
        summary=None,
        abstract=None,
        body="",
        authors=(),
        tags=(),
        links=(),
    )
    return replace(talk, **changes)


SLIDES = FileInfo("slides.pdf", 4096, "application/pdf")
"""The slides in the talk's bundle: a relative link to them is resolved from its page."""


def full_talk() -> Talk:
    """A talk with every part the page shows."""
    return make_talk(
        "graphs",
        title="Learning Sparse Graphs",
        start=datetime(2024, 6, 3, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        end=datetime(2024, 6, 3, 15, 30, tzinfo=timezone(timedelta(hours=2))),
        event="Graph Day",
        event_url="https://graphday.example/",
        location="Amsterdam",
        summary="How to learn *sparse* graphs.",
        links=(
            Link("Slides", "slides.pdf", "slides", SLIDES),
            Link("Code", "github.com/lab/graphs", "code"),
            Link("Video", "https://video.example/v/1", "video"),
        ),
    )


def page(
    talks: tuple[Talk, ...] = (),
    *,
    settings: FeedSettings = SETTINGS,
    feeds: tuple[FeedLink, ...] = FEEDS,
    views: tuple[ViewLink, ...] = (),
) -> bytes:
    """Render the page for ``talks`` as a build would: each talk's item first."""
    entries = [entry_of(talk, render_pieces(talk, PartSettings(settings.base_url))) for talk in talks]
    return render_page(entries, settings, feeds, views)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str) -> list[Element]:
        return [element for element in self.iter() if element.tag == tag]

    def find(self, tag: str) -> Element:
        found = self.find_all(tag)
        assert len(found) == 1, f"expected one <{tag}>, found {len(found)}"
        return found[0]

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def child_tags(self) -> list[str]:
        return [child.tag for child in self.children if isinstance(child, Element)]


class _TreeBuilder(HTMLParser):
    """Build a tree, failing on what an HTML5 checker would reject in talkfeed's own markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.document = Element("#document", {})
        self.stack = [self.document]
        self.declarations: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"<{tag}> repeats an attribute: {names}"
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in VOID, f"<{tag}/> is not a void element"
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        assert tag not in VOID, f"</{tag}> closes a void element"
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack[-1] is self.document:
            assert not data.strip(), f"text outside <html>: {data!r}"
            return
        self.stack[-1].children.append(data)


def parse(document: bytes) -> Element:
    """Parse the page, checking the HTML5 structure its template promises."""
    builder = _TreeBuilder()
    builder.feed(document.decode("utf-8"))
    builder.close()
    assert [element.tag for element in builder.stack] == ["#document"], "unclosed elements"
    assert builder.declarations == ["doctype html"]
    root = builder.document
    assert root.child_tags() == ["html"]
    html = root.find("html")
    assert html.child_tags() == ["head", "body"]
    assert set(html.find("head").child_tags()) <= HEAD_TAGS
    for element in root.iter():
        if element.tag in ("ul", "ol"):
            assert set(element.child_tags()) <= {"li"}, f"<{element.tag}> holds {element.child_tags()}"
        if element.tag == "a":
            assert element.attrs.get("href"), "a link without a target"
        if element.tag in PHRASING_ONLY:
            inner = {descendant.tag for descendant in element.iter()} - {element.tag}
            assert not inner & BLOCKS, f"<{element.tag}> holds block elements {inner & BLOCKS}"
    ids = [element.attrs["id"] for element in root.iter() if "id" in element.attrs]
    assert len(ids) == len(set(ids)), f"repeated ids: {ids}"
    return html


def test_page_is_well_formed_html5_with_doctype_charset_and_viewport() -> None:
    document = page(
        (full_talk(), make_talk()), views=(ViewLink("Upcoming talks", "https://example.org/up/"),)
    )
    html = parse(document)
    assert document.startswith(b"<!doctype html>\n")
    assert b'<meta charset="utf-8">' in document[:1024]
    metas = {element.attrs.get("name"): element.attrs.get("content") for element in html.find_all("meta")}
    assert metas["viewport"] == "width=device-width, initial-scale=1"
    assert html.find("title").text() == SETTINGS.title


def test_page_language_is_the_feeds_language() -> None:
    html = parse(page(settings=replace(SETTINGS, language="pt-BR")))
    assert html.attrs["lang"] == "pt-BR"


def test_page_has_landmarks_and_headings_in_order() -> None:
    html = parse(page((full_talk(), make_talk()), views=(ViewLink("Upcoming", "https://example.org/up/"),)))
    body = html.find("body")
    assert body.child_tags() == ["header", "main", "nav", "footer"]
    headings = [element.tag for element in body.iter() if re.fullmatch(r"h[1-6]", element.tag)]
    assert headings == ["h1", "h2", "h3", "h3", "h2"]  # the title, "Talks" and its talks, "More talks"
    assert body.find("h1").text() == SETTINGS.title


def test_every_feed_has_an_autodiscovery_link_in_order() -> None:
    head = parse(page()).find("head")
    alternates = [
        (link.attrs["type"], link.attrs["href"], link.attrs["title"])
        for link in head.find_all("link")
        if link.attrs.get("rel") == "alternate"
    ]
    assert alternates == [(feed.media_type, feed.href, feed.title) for feed in FEEDS]


def test_header_offers_every_feed_and_a_webcal_subscription_for_the_calendar() -> None:
    header = parse(page()).find("header")
    targets = [link.attrs["href"] for link in header.find_all("a")]
    assert targets == [
        "https://example.org/feeds/index.xml",
        "https://example.org/feeds/atom.xml",
        "https://example.org/feeds/feed.json",
        "https://example.org/feeds/talks.ics",
        "webcal://example.org/feeds/talks.ics",
        "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fexample.org%2Ffeeds%2Ftalks.ics",
        "https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fexample.org%2Ffeeds%2Ftalks.ics"
        "&name=Calendar",
        "https://outlook.office.com/calendar/0/addfromweb?url=https%3A%2F%2Fexample.org%2Ffeeds%2Ftalks.ics"
        "&name=Calendar",
    ]


@pytest.mark.parametrize(
    ("href", "webcal"),
    [
        pytest.param("http://example.org/talks.ics", "webcal://example.org/talks.ics", id="http"),
        pytest.param("HTTPS://example.org/t.ics?x=1", "webcal://example.org/t.ics?x=1", id="upper-case"),
        pytest.param("talks.ics", None, id="relative-has-no-webcal"),
    ],
)
def test_webcal_link_replaces_only_the_scheme(href: str, webcal: str | None) -> None:
    header = parse(page(feeds=(FeedLink("Calendar", href, "text/calendar"),))).find("header")
    targets = [link.attrs["href"] for link in header.find_all("a")]
    # Then Google Calendar's, Outlook.com's and Microsoft 365's subscribe forms, for a web address.
    assert targets[:2] == [href, *([webcal] if webcal else [])]
    assert len(targets) == (5 if webcal else 1)


def test_page_without_feeds_has_no_subscribe_list() -> None:
    header = parse(page(feeds=())).find("header")
    assert header.find_all("ul") == []
    assert header.find_all("a") == []


def test_articles_keep_the_given_order_and_link_their_titles() -> None:
    talks = (make_talk("newest"), make_talk("middle"), make_talk("oldest"))
    main = parse(page(talks)).find("main")
    titles = [(h3.text(), h3.find("a").attrs["href"]) for h3 in main.find_all("h3")]
    assert titles == [
        ("Talk newest", "https://example.org/talk/newest/"),
        ("Talk middle", "https://example.org/talk/middle/"),
        ("Talk oldest", "https://example.org/talk/oldest/"),
    ]
    assert len(main.find_all("article")) == 3


def test_article_says_when_where_and_at_which_event() -> None:
    article = parse(page((full_talk(),))).find("article")
    facts = article.find_all("p")[0]
    assert facts.text() == "Mon 3 Jun 2024, 14:00–15:30 UTC+02:00 · Graph Day · Amsterdam"
    assert facts.find("time").attrs["datetime"] == "2024-06-03T14:00:00+02:00"
    assert facts.find("a").attrs["href"] == "https://graphday.example/"


def test_all_day_talk_has_a_date_only_time_element() -> None:
    article = parse(page((make_talk(start=date(2024, 6, 3)),))).find("article")
    time = article.find("time")
    assert (time.attrs["datetime"], time.text()) == ("2024-06-03", "Mon 3 Jun 2024 (all day)")


def test_talk_without_facts_has_no_empty_line() -> None:
    article = parse(page((make_talk(),))).find("article")
    assert article.child_tags() == ["h3"]


def test_summary_is_rendered_markup_not_escaped_text() -> None:
    article = parse(page((full_talk(),))).find("article")
    assert article.find("em").text() == "sparse"
    assert "How to learn sparse graphs." in article.text()


def test_talk_links_are_absolute_and_unsafe_ones_dropped() -> None:
    links = (
        Link("Slides", "slides.pdf", "slides", SLIDES),
        Link("Code", "github.com/lab/graphs", "code"),
        Link("Bad", "javascript:alert(1)", "custom"),
    )
    article = parse(page((make_talk("graphs", links=links),))).find("article")
    targets = [(a.text(), a.attrs["href"]) for a in article.find("ul").find_all("a")]
    assert targets == [
        ("Slides", "https://example.org/talk/graphs/slides.pdf"),
        ("Code", "https://github.com/lab/graphs"),
    ]


def test_views_are_listed_in_a_nav_and_absent_without_views() -> None:
    views = (
        ViewLink("Upcoming talks", "https://example.org/feeds/upcoming/"),
        ViewLink("Talks tagged Explainability", "https://example.org/feeds/tags/explainability/"),
    )
    nav = parse(page(views=views)).find("nav")
    assert [(a.text(), a.attrs["href"]) for a in nav.find_all("a")] == [(v.title, v.href) for v in views]
    assert parse(page()).find_all("nav") == []


def test_empty_page_says_there_are_no_talks() -> None:
    main = parse(page()).find("main")
    assert " ".join(main.text().split()) == "Talks No talks yet."


def test_footer_names_talkfeed_and_links_the_page_about_the_feeds() -> None:
    footer = parse(page()).find("footer")
    assert footer.text().strip() == "Generated by talkfeed: about these feeds."
    assert [link.attrs["href"] for link in footer.find_all("a")] == ["about.html"]


def test_special_characters_are_escaped_everywhere_and_read_back_unchanged() -> None:
    settings = replace(SETTINGS, title=NASTY, description=NASTY)
    feeds = (FeedLink(NASTY, 'https://example.org/f.xml?a=1&b="2"', "application/rss+xml"),)
    links = (Link(NASTY, "x.pdf?a=1&b=2", "custom"),)
    talk = make_talk(title=NASTY, event=NASTY, location=NASTY, links=links)
    document = page((talk,), settings=settings, feeds=feeds, views=(ViewLink(NASTY, "https://e.org/?a&b"),))
    html = parse(document)
    assert b"<b>" not in document
    assert html.find_all("b") == []
    assert html.find("title").text() == NASTY
    assert html.find("h1").text() == NASTY
    assert html.find("article").find("h3").text() == NASTY
    assert html.find("article").find("p").text() == f"{NASTY} · {NASTY}"
    alternate = next(link for link in html.find_all("link") if link.attrs.get("rel") == "alternate")
    assert (alternate.attrs["title"], alternate.attrs["href"]) == (NASTY, feeds[0].href)
    assert [a.text() for a in html.find("article").find("ul").find_all("a")] == [NASTY]
    assert html.find("nav").find("a").text() == NASTY


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1))
def test_any_title_reads_back_unchanged(title: str) -> None:
    html = parse(page((make_talk(title=title),)))
    assert html.find("article").find("h3").text() == title


def test_emoji_and_right_to_left_text_are_kept_as_characters() -> None:
    title = "Speech 🌍 עברית · العربية · Café"
    document = page((make_talk(title=title, summary="مرحبا / שלום 🎧"),))
    assert title.encode() in document
    assert "مرحبا / שלום 🎧".encode() in document
    h3 = parse(document).find("article").find("h3")
    assert (h3.text(), h3.attrs["dir"]) == (title, "auto")


def test_no_script_event_handler_or_outside_resource_even_from_hostile_markdown() -> None:
    hostile = make_talk(
        summary='<script>alert(1)</script><img src="x.png" onerror="alert(1)"> [x](javascript:alert(1))',
        links=(Link("Bad", "javascript:alert(1)", "custom"),),
    )
    html = parse(page((hostile,)))
    assert html.find_all("script") == []
    for element in html.iter():
        assert not any(name.startswith("on") for name in element.attrs), element
        assert not any("javascript:" in (value or "") for value in element.attrs.values()), element
    assert [link.attrs["rel"] for link in html.find_all("link")] == ["alternate"] * len(FEEDS)


def test_images_have_alt_text() -> None:
    talk = make_talk(summary="![A graph with four nodes](graph.png)")
    images = parse(page((talk,))).find_all("img")
    assert [image.attrs.get("alt") for image in images] == ["A graph with four nodes"]


def test_page_bytes_are_deterministic() -> None:
    talks = (full_talk(), make_talk(start=date(2024, 6, 3)))
    assert page(talks) == page(talks)


def _colours(css: str) -> tuple[dict[str, str], dict[str, str]]:
    """The light and dark values of the CSS custom properties, from a stylesheet using both."""
    light, _, dark = css.partition("prefers-color-scheme")
    found = re.compile(r"--([a-z]+):\s*(#[0-9a-f]{6})")
    return dict(found.findall(light)), dict(found.findall(dark))


def _contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
        red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _page_css() -> str:
    return parse(page()).find("style").text()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("pair", [("text", "back"), ("muted", "back"), ("link", "back")], ids="-on-".join)
def test_page_text_contrast_meets_wcag_aa(scheme: str, pair: tuple[str, str]) -> None:
    light, dark = _colours(_page_css())
    colours = dark if scheme == "dark" else light
    assert _contrast(colours[pair[0]], colours[pair[1]]) >= 4.5


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("pair", [("text", "back"), ("muted", "back"), ("text", "note")], ids="-on-".join)
def test_feed_stylesheet_contrast_meets_wcag_aa(scheme: str, pair: tuple[str, str]) -> None:
    light, dark = _colours(feed_stylesheet().decode())
    colours = dark if scheme == "dark" else light
    assert _contrast(colours[pair[0]], colours[pair[1]]) >= 4.5


def test_page_shows_a_visible_focus_outline() -> None:
    assert re.search(r"a:focus-visible\{outline:3px solid", _page_css())


def test_feed_stylesheet_shows_titles_and_summaries_of_rss_and_atom() -> None:
    css = feed_stylesheet().decode("utf-8")
    assert css.count("{") == css.count("}")
    for selector in ("channel::before", "feed::before", "item > title", "entry > title"):
        assert selector in css
    for selector in (
        "item > dcterms|abstract",
        "entry > summary",
        "item > dc|coverage",
        "entry > dc|coverage",
    ):
        assert selector in css
    assert "This is a feed." in css


def test_upcoming_talks_have_their_section_which_says_when_there_are_none() -> None:
    entries = [
        entry_of(talk, render_pieces(talk, PartSettings(SETTINGS.base_url))) for talk in (full_talk(),)
    ]
    main = parse(render_page(entries, SETTINGS, FEEDS, upcoming=())).find("main")
    sections = [
        (section.find("h2").text(), section.find_all("p")[0].text()) for section in main.find_all("section")
    ]
    assert sections[0] == ("Upcoming talks", "No upcoming talks.")
    assert sections[1][0] == "Past talks"
    coming = parse(render_page(entries, SETTINGS, FEEDS, upcoming=entries)).find("main")
    assert [section.find("h2").text() for section in coming.find_all("section")] == ["Upcoming talks"]


def test_a_page_without_an_upcoming_section_lists_its_talks_as_talks() -> None:
    """A view of past talks, or a caller who gives no upcoming talks."""
    main = parse(page((full_talk(),))).find("main")
    assert [h2.text() for h2 in main.find_all("h2")] == ["Talks"]


@pytest.mark.parametrize(
    ("dimensions", "shown"),
    [
        pytest.param((1600, 900), ("240", "135"), id="wide-photo-fits-the-card-width"),
        pytest.param((600, 1200), ("80", "160"), id="tall-poster-fits-the-card-height"),
        pytest.param((96, 48), ("96", "48"), id="small-image-is-not-enlarged"),
    ],
)
def test_a_featured_image_is_a_card_sized_thumbnail_linking_the_full_image(
    dimensions: tuple[int, int], shown: tuple[str, str]
) -> None:
    image = FileInfo("featured.jpg", 2048, "image/jpeg", dimensions=dimensions)
    article = parse(page((make_talk("graphs", image=image),))).find("article")
    link = next(link for link in article.find_all("a") if link.find_all("img"))
    assert link.attrs["href"] == "https://example.org/talk/graphs/featured.jpg"
    img = link.find("img")
    assert (img.attrs["src"], img.attrs["width"], img.attrs["height"]) == (link.attrs["href"], *shown)
    assert img.attrs["alt"] == "Talk graphs" and img.attrs["loading"] == "lazy"
