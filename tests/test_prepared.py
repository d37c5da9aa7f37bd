"""An RSS item or Atom entry filled into a template is what feedgen writes for the talk itself."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from talkfeed.clean import as_html_text
from talkfeed.formats import feeds
from talkfeed.formats.web import Enclosure, Item
from talkfeed.model import Credit, FeedSettings, Talk, entry_of

# Characters lxml escapes, or writes differently in an attribute and in an element's text.
TEXT = st.text(alphabet=st.sampled_from(list("aZ0 &<>\"'\n\r\t]#;é😀\u2028·,")), min_size=0, max_size=12)
NAMES = st.lists(TEXT.filter(bool), max_size=3).map(tuple)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])
MOMENTS = st.builds(
    lambda day, minutes, zone: datetime.combine(day, datetime.min.time(), zone) + timedelta(minutes=minutes),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)),
    st.integers(0, 1439),
    ZONES,
)
FILES = st.builds(
    Enclosure,
    url=TEXT.filter(bool),
    size=st.integers(0, 10**9),
    media_type=st.sampled_from(["image/png", "application/pdf", "video/mp4", "audio/mpeg", "text/plain"]),
    title=TEXT.filter(bool),
)


@st.composite
def items(draw: st.DrawFn) -> Item:
    url = draw(TEXT.filter(bool))
    talk = Talk(
        path="talk/x/index.md",
        url_path="talk/x/",
        lang="en",
        title=draw(TEXT.filter(bool)),
        published=draw(MOMENTS),
        modified=draw(st.none() | MOMENTS),
        expires=None,
        draft=False,
        start=draw(st.none() | MOMENTS | st.dates()),
        end=None,
        event=draw(st.none() | TEXT.filter(bool)),
        event_url=None,
        location=draw(st.none() | TEXT.filter(bool)),
        address=(),
        summary=None,
        abstract=None,
        body="",
        authors=draw(NAMES),
        tags=draw(NAMES),
        links=(),
    )
    credits = draw(st.lists(st.builds(Credit, TEXT.filter(bool), TEXT, TEXT), max_size=2).map(tuple))
    return Item(
        talk,
        url,
        summary_html=draw(TEXT),
        summary_text=draw(TEXT),
        content_html=draw(TEXT.filter(bool)),
        image=draw(st.none() | FILES),
        attachments=draw(st.lists(FILES, max_size=2).map(tuple)),
        id=draw(st.sampled_from(["", url]) | TEXT),
        credits=credits,
    )


@settings(max_examples=300, deadline=None)
@given(items())
def test_a_prepared_feed_piece_is_what_feedgen_writes(item: Item) -> None:
    facts = feeds._facts(item)
    assert feeds.feed_pieces(item) == {"rss": feeds._rss_item(facts), "atom": feeds._atom_entry(facts)}


def test_equal_texts_of_different_talks_share_a_template_and_keep_their_own_values() -> None:
    first, second = (
        Item(
            Talk("a", "a/", "en", title, datetime(2024, 5, 1, tzinfo=UTC), None, None, False, None, None,
                 None, None, None, (), None, None, "", ("Ada",), ("Ada",), ()),
            "https://example.org/a/",
            "",
            "",
            "<p>x</p>",
        )
        for title in ("One & two", "Three < four")
    )  # fmt: skip
    assert "<title>One &amp; two</title>" in feeds.rss_piece(first)
    assert "<title>Three &lt; four</title>" in feeds.rss_piece(second)
    assert feeds.atom_piece(second) == feeds._atom_entry(feeds._facts(second))


def test_feedgen_still_drops_the_attributes_of_an_atom_entrys_links() -> None:
    """lkiesow/python-feedgen#135: feedgen 1.0 writes only ``href`` on an entry's links. When a
    release writes them itself, this fails: then ``_LinkAttributes`` can go."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id("urn:x")
    feed.title("x")
    feed.link(href="https://example.org/", rel="alternate")
    feed.updated("2024-01-01T00:00:00Z")
    entry = feed.add_entry()
    entry.id("urn:y")
    entry.title("y")
    entry.updated("2024-01-01T00:00:00Z")
    entry.content("x")
    entry.link(href="https://example.org/a.pdf", rel="enclosure", type="application/pdf", length="3")
    assert b'<link href="https://example.org/a.pdf"/>' in feed.atom_str()


def test_every_link_of_an_atom_entry_keeps_its_attributes() -> None:
    talk = Talk(
        "talk/x/index.md",
        "talk/x/",
        "en",
        "T",
        datetime(2024, 1, 1, tzinfo=UTC),
        None,
        None,
        False,
        None,
        None,
        None,
        None,
        None,
        (),
        None,
        None,
        "",
        (),
        (),
        (),
    )
    slides = Enclosure("https://example.org/talk/x/slides.pdf", 3, "application/pdf", "Slides")
    item = Item(talk, "https://example.org/talk/x/", "", "", "<p>x</p>", None, (slides,), "", ())
    piece = feeds.feed_pieces(item)["atom"]
    links = re.findall(r"<link [^>]*/>", piece)
    assert len(links) == 2
    assert 'rel="alternate"' in links[0] and 'type="text/html"' in links[0]
    assert all(
        word in links[1] for word in ('rel="enclosure"', 'type="application/pdf"', 'length="', 'title="')
    )


HUBS = st.lists(
    st.sampled_from(
        ["https://hub.example/", "http://127.0.0.1:8080/hub?a=1&b=2", "https://h.example/'\"<>é"]
    ),
    max_size=3,
    unique=True,
).map(tuple)
FEED_SETTINGS = FeedSettings(
    base_url="https://example.org/",
    feeds_url="https://example.org/talkfeed/",
    home_url="https://example.org/talk/",
    title="Talks & <more>",
    description="Talks from Lab",
    language="en",
    author="Lab",
    generator="talkfeed",
    version="1.0",
)


@settings(max_examples=100, deadline=None)
@given(st.lists(items(), max_size=3), HUBS)
def test_a_feed_with_hubs_spliced_from_prepared_items_is_what_feedgen_writes_whole(
    talks: list[Item], hubs: tuple[str, ...]
) -> None:
    """The hub links are in the channel head, which feedgen writes; each item is filled into a
    template: together they are feedgen's own document for the whole feed."""
    chosen = replace(FEED_SETTINGS, hubs=hubs)
    entries = [entry_of(item.talk, feeds.feed_pieces(item)) for item in talks]
    whole = feeds._feed(entries, chosen, self_name=feeds.RSS_NAME, self_type="application/rss+xml")
    whole.description(as_html_text(chosen.description))
    for item in talks:
        feeds._add_rss_item(whole, feeds._facts(item))
    assert feeds.render_rss(entries, chosen) == whole.rss_str(pretty=True)
