"""Render the page people see beside the feeds, and the stylesheet that makes raw feeds readable.

The page is one self-contained HTML file: its CSS is inline, it has no script, and it carries an
autodiscovery ``<link rel="alternate">`` for every feed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from urllib.parse import quote, urljoin

from markupsafe import Markup, escape

from talkfeed.formats.calendar import calendar_times
from talkfeed.formats.calendar_links import (
    AddLinks,
    SubscribeLinks,
    add_links,
    event_file_name,
    subscribe_links,
)
from talkfeed.formats.format import FeedLink, ViewFiles, ViewLink
from talkfeed.formats.slots import Chunk, Content, Version, joined, no_version, slots, spliced
from talkfeed.formats.web.item import (
    TEMPLATES,
    Enclosure,
    Item,
    credit_links,
    event_html,
    event_markup,
    talk_links,
)
from talkfeed.formats.web.markup import safe_url
from talkfeed.formats.words import Words, words_for
from talkfeed.model import EVENTS_FOLDER, Credit, Entry, FeedSettings, Link, Part, Wording, own_piece

PAGE_NAME = "index.html"
STYLESHEET_NAME = "feed.css"
CALENDAR_TYPE = "text/calendar"


@dataclass(frozen=True)
class _Subscription:
    feed: FeedLink
    calendar: SubscribeLinks | None
    """For a calendar: how each kind of calendar app subscribes to it."""

    @property
    def webcal(self) -> str | None:
        return self.calendar.webcal if self.calendar is not None else None


@dataclass(frozen=True)
class _Thumbnail:
    """A talk's image at card size, linking the image itself."""

    url: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class _Article:
    title: str
    url: str
    facts: tuple[Markup | str, ...]
    """When, at which event, where: ``<time>`` markup, the event (linked where known), the place."""
    event: Markup | None
    """An event written as paragraphs or a list of venues, shown whole under the facts."""
    summary_html: Markup
    links: tuple[Link, ...]
    speakers: str
    """The speakers, named as the language lists names."""
    speaker_count: int
    image: _Thumbnail | None
    credits: Markup
    """In an aggregate: "From" and the sites that publish the talk, each linking its page of it."""
    words: Words
    calendar: AddLinks | None
    """For a talk with a start: its own calendar file and the new-event forms, filled in."""


THUMBNAIL_BOX = (240, 160)
"""The most CSS pixels a talk's image takes on the page, width and height: a card's, not the
column's. The image keeps its proportions, and links to itself at full size."""


def page_piece(item: Item) -> str:
    """Render one talk's ``<article>`` for the page, as a piece."""
    return str(TEMPLATES.get_template("article.html.j2").render(article=_article(item)))


def render_page(
    entries: Sequence[Entry],
    settings: FeedSettings,
    feeds: Sequence[FeedLink],
    views: Sequence[ViewLink] = (),
    upcoming: Sequence[Entry] | None = None,
    about_href: str = "about.html",
    part: Part = own_piece,
    started: Sequence[Entry] = (),
) -> bytes:
    """Render the page whole; see ``page_chunks``."""
    return joined(page_chunks(entries, settings, feeds, views, upcoming, about_href, part, started=started))


def page_chunks(
    entries: Sequence[Entry],
    settings: FeedSettings,
    feeds: Sequence[FeedLink],
    views: Sequence[ViewLink],
    upcoming: Sequence[Entry] | None,
    about_href: str,
    part: Part,
    version: Version = no_version,
    started: Sequence[Entry] = (),
) -> Iterator[Chunk]:
    """Give the talks as one HTML page linking every feed and view, a piece at a time.

    The ``upcoming`` talks come first, in the order given (soonest first), under their own
    heading, which says so where there are none; then, as past talks, the ``started`` ones in
    the order given (the latest first, as the themes list talks, by their date) and every other
    talk of ``entries`` in the order of ``entries``. ``None``: the page has no upcoming section,
    only its talks. Each talk's article is a slot: the template is given a marker for it, unique
    to this call.
    """
    words = words_for(settings.wording)
    coming = {entry.key for entry in upcoming or ()}
    sections: list[tuple[str, Sequence[Entry], str]] = []
    if upcoming is not None and (upcoming or entries):
        sections.append((words("talkfeed_upcoming"), upcoming, words("talkfeed_no_upcoming")))
    first = [entry for entry in started if entry.key not in coming]
    shown = coming | {entry.key for entry in first}
    rest = first + [entry for entry in entries if entry.key not in shown]
    if rest or not sections:
        heading = words("talkfeed_past") if sections else words("talks")
        sections.append((heading, rest, words("talkfeed_no_talks")))
    marker = Markup(f"\x00article-{secrets.token_hex(8)}\x00")
    # Rendered whole with a marker per article (small without them), then cut at the markers.
    text = TEMPLATES.get_template("page.html.j2").render(
        settings=settings,
        words=words,
        subscriptions=_subscriptions(feeds),
        sections=tuple((heading, (marker for _ in talks), empty) for heading, talks, empty in sections),
        views=tuple(views),
        about=around(words, "talkfeed_generated"),
        about_href=about_href,
    )
    head, *afters = text.split(marker)
    yield head.encode("utf-8")
    slot = slots("html", part, version)
    for entry, after in zip((talk for _, talks, _ in sections for talk in talks), afters, strict=True):
        yield slot(entry, None)
        yield after.encode("utf-8")


class _Page:
    """The page for people (see ``Format``): the main set's, and each ``--per`` view's own."""

    name = "html"
    feed_file = None
    styled = False

    def piece(self, item: Item) -> str:
        return page_piece(item)

    def links(self, settings: FeedSettings, main: bool, upcoming_title: str) -> Sequence[FeedLink]:
        return ()

    def files(self, view: ViewFiles) -> Iterator[tuple[str, Content]]:
        if view.view.kind == "all" or view.own_set:
            talks = view.view.talks
            page = spliced(
                page_chunks,
                talks,
                view.settings,
                view.feeds,
                view.views,
                None if view.view.kind == "past" else view.upcoming(talks),
                view.about_href,
                view.part,
                view.version,
                view.started(talks),
            )
            yield view.view.folder + PAGE_NAME, page


PAGE = _Page()


def render_about(settings: FeedSettings, feeds: Sequence[FeedLink] = ()) -> bytes:
    """Render the page about the feeds, which documents the JSON Feed extension ``_talk`` and
    says how each kind of calendar app subscribes to the ``feeds`` that are calendars."""
    calendars = tuple(each for each in _subscriptions(feeds) if each.calendar is not None)
    # The page about the feeds documents them in English (its calendar links too).
    english = words_for(Wording())
    page = TEMPLATES.get_template("about.html.j2").render(
        settings=settings, calendars=calendars, words=english
    )
    return page.encode("utf-8")


def feed_stylesheet(wording: Wording | None = None) -> bytes:
    """Return the CSS that the XML feeds name in their ``xml-stylesheet`` instruction, its texts in
    the language ``wording`` gives (talkfeed's English by default)."""
    words = words_for(wording or Wording())
    css = files("talkfeed.formats.web").joinpath("templates", STYLESHEET_NAME).read_text(encoding="utf-8")
    texts = {
        "talkfeed_feed_note": words("talkfeed_feed_note"),
        "talkfeed_talks_page": words.field("talkfeed_talks_page"),
        "authors": words.field("authors", count=2),
        "talkfeed_empty_feed": words("talkfeed_empty_feed"),
    }
    return _CSS_LABEL.sub(lambda match: _css_string(texts[match.group(1)]), css).encode("utf-8")


_CSS_LABEL = re.compile(r"\{\{ (\w+) \}\}")


def _css_string(text: str) -> str:
    """Write a text inside a CSS string in ASCII: a space at either end no break (flex boxes drop
    others), every other character outside ASCII, quote and backslash as a six-digit escape."""
    text = re.sub(r"^ | $", "\u00a0", text)
    return "".join(
        char if char.isascii() and char.isprintable() and char not in '"\\' else f"\\{ord(char):06x}"
        for char in text
    )


def _article(item: Item) -> _Article:
    talk = item.talk
    words = item.words
    event = event_markup(talk, item.url)
    return _Article(
        title=talk.title,
        url=item.url,
        facts=_facts(item, words),
        event=event.html if event is not None and event.shape != "inline" else None,
        summary_html=Markup(item.summary_html),
        links=talk_links(talk, item.url, words, item.site_url),
        speakers=words.listing(talk.authors),
        speaker_count=len(talk.authors),
        image=_thumbnail(item.image) if item.image is not None else None,
        credits=_credits(item.credits, words),
        words=words,
        calendar=_add_links(item),
    )


def _add_links(item: Item) -> AddLinks | None:
    """Where a talk with a start can be added to a calendar, with the times its VEVENT has."""
    talk = item.talk
    if talk.start is None:
        return None
    start, end = calendar_times(talk.start, talk.end)
    name = event_file_name(item.id, talk.url_path).removeprefix(EVENTS_FOLDER)
    ics = item.events_url + quote(name) if item.events_url else None
    return add_links(talk, start, end, item.url, ics)


def around(words: Words, key: str) -> tuple[Markup, Markup]:
    """A label with a place for markup, as the escaped text before and after the place."""
    before, after = words.parts(key)
    return escape(before), escape(after)


def _credits(credits: tuple[Credit, ...], words: Words) -> Markup:
    if not credits:
        return Markup()
    before, after = around(words, "talkfeed_published_on")
    return before + credit_links(credits, words) + after


def _thumbnail(image: Enclosure) -> _Thumbnail:
    """Fit an image into ``THUMBNAIL_BOX``, never enlarged, keeping its proportions."""
    if image.dimensions is None:
        return _Thumbnail(image.url, None, None)
    width, height = image.dimensions
    scale = min(1.0, THUMBNAIL_BOX[0] / max(width, 1), THUMBNAIL_BOX[1] / max(height, 1))
    return _Thumbnail(image.url, max(1, round(width * scale)), max(1, round(height * scale)))


def _facts(item: Item, words: Words) -> tuple[Markup | str, ...]:
    """When, at which event, where. An event written as paragraphs or a list is shown whole
    under the line, which links its page by the word "Event" where it has one."""
    talk = item.talk
    facts: list[Markup | str] = []
    if talk.start is not None:
        when = words.when(talk.start, talk.end)
        facts.append(Markup('<time datetime="{}">{}</time>').format(talk.start.isoformat(), when))
    event = event_markup(talk, item.url)
    if event is None or event.shape == "inline":
        facts += [event_html(talk, item.url)]
    elif talk.event_url:
        target = urljoin(item.url, talk.event_url)
        facts += [Markup('<a href="{}">{}</a>').format(target, words("event")) if safe_url(target) else ""]
    facts += [talk.location or ""]
    return tuple(fact for fact in facts if fact)


def _subscriptions(feeds: Sequence[FeedLink]) -> tuple[_Subscription, ...]:
    """Each feed, and for a calendar the links that subscribe each kind of calendar app to it."""
    return tuple(
        _Subscription(feed, subscribe_links(feed.href, feed.name or feed.title))
        if feed.media_type == CALENDAR_TYPE
        else _Subscription(feed, None)
        for feed in feeds
    )


def render_snippets(settings: FeedSettings, feeds: Sequence[FeedLink]) -> tuple[str, str]:
    """Render the HTML a site's own pages carry to link the feeds: the ``<link rel="alternate">``
    tags for its ``<head>``, and a block of subscribe links for a page."""
    words = words_for(settings.wording)
    head = TEMPLATES.get_template("snippet-head.html.j2").render(settings=settings, feeds=feeds, words=words)
    subscribe = TEMPLATES.get_template("snippet-subscribe.html.j2").render(
        settings=settings,
        words=words,
        subscriptions=_subscriptions(feeds),
        page_url=settings.feeds_url + PAGE_NAME,
    )
    return _inert(head), _inert(subscribe)


def _inert(html: str) -> str:
    """Write braces as character references: the snippets are saved as Hugo templates, where a
    title holding ``{{`` would otherwise be run as template code."""
    return html.strip().replace("{", "&#123;").replace("}", "&#125;") + "\n"
