"""Render the page people see beside the feeds, and the stylesheet that makes raw feeds readable.

The page is one self-contained HTML file: its CSS is inline, it has no script, and it carries an
autodiscovery ``<link rel="alternate">`` for every feed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from urllib.parse import quote

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
from talkfeed.formats.web.item import TEMPLATES, Enclosure, Item, describe_when, event_html, talk_links
from talkfeed.model import EVENTS_FOLDER, Credit, Entry, FeedSettings, Link, Part, own_piece

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
class _Article:
    title: str
    url: str
    facts: tuple[Markup | str, ...]
    """When, at which event, where: ``<time>`` markup, the event (linked where known), the place."""
    summary_html: Markup
    links: tuple[Link, ...]
    speakers: tuple[str, ...]
    image: Enclosure | None
    credits: tuple[Credit, ...]
    calendar: AddLinks | None
    """For a talk with a start: its own calendar file and the new-event forms, filled in."""


def page_piece(item: Item) -> str:
    """Render one talk's ``<article>`` for the page, as a piece."""
    return str(TEMPLATES.get_template("article.html.j2").render(article=_article(item)))


def render_page(
    entries: Sequence[Entry],
    settings: FeedSettings,
    feeds: Sequence[FeedLink],
    views: Sequence[ViewLink] = (),
    upcoming: Sequence[Entry] = (),
    about_href: str = "about.html",
    part: Part = own_piece,
) -> bytes:
    """Render the page whole; see ``page_chunks``."""
    return joined(page_chunks(entries, settings, feeds, views, upcoming, about_href, part))


def page_chunks(
    entries: Sequence[Entry],
    settings: FeedSettings,
    feeds: Sequence[FeedLink],
    views: Sequence[ViewLink],
    upcoming: Sequence[Entry],
    about_href: str,
    part: Part,
    version: Version = no_version,
) -> Iterator[Chunk]:
    """Give the talks as one HTML page linking every feed and view, a piece at a time.

    The ``upcoming`` talks come first, in the order given (soonest first), under their own
    heading; then every other talk of ``entries``, in the order given, as past talks. Each
    talk's article is a slot: the template is given a marker for it, unique to this call.
    """
    coming = {entry.key for entry in upcoming}
    sections: list[tuple[str, Sequence[Entry]]] = [("Upcoming talks", upcoming)] if upcoming else []
    rest = [entry for entry in entries if entry.key not in coming]
    if rest or not sections:
        sections.append(("Past talks" if sections else "Talks", rest))
    marker = Markup(f"\x00article-{secrets.token_hex(8)}\x00")
    # Rendered whole with a marker per article (small without them), then cut at the markers.
    text = TEMPLATES.get_template("page.html.j2").render(
        settings=settings,
        subscriptions=_subscriptions(feeds),
        sections=tuple((heading, (marker for _ in talks)) for heading, talks in sections),
        views=tuple(views),
        about_href=about_href,
    )
    head, *afters = text.split(marker)
    yield head.encode("utf-8")
    slot = slots("html", part, version)
    for entry, after in zip((talk for _, talks in sections for talk in talks), afters, strict=True):
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
                view.upcoming(talks),
                view.about_href,
                view.part,
                view.version,
            )
            yield view.view.folder + PAGE_NAME, page


PAGE = _Page()


def render_about(settings: FeedSettings, feeds: Sequence[FeedLink] = ()) -> bytes:
    """Render the page about the feeds, which documents the JSON Feed extension ``_talk`` and
    says how each kind of calendar app subscribes to the ``feeds`` that are calendars."""
    calendars = tuple(each for each in _subscriptions(feeds) if each.calendar is not None)
    page = TEMPLATES.get_template("about.html.j2").render(settings=settings, calendars=calendars)
    return page.encode("utf-8")


def feed_stylesheet() -> bytes:
    """Return the CSS that the XML feeds name in their ``xml-stylesheet`` instruction."""
    return files("talkfeed.formats.web").joinpath("templates", STYLESHEET_NAME).read_bytes()


def _article(item: Item) -> _Article:
    talk = item.talk
    return _Article(
        title=talk.title,
        url=item.url,
        facts=_facts(item),
        summary_html=Markup(item.summary_html),
        links=talk_links(talk, item.url),
        speakers=talk.authors,
        image=item.image,
        credits=item.credits,
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


def _facts(item: Item) -> tuple[Markup | str, ...]:
    talk = item.talk
    facts: list[Markup | str] = []
    if talk.start is not None:
        when = describe_when(talk.start, talk.end)
        facts.append(Markup(f'<time datetime="{escape(talk.start.isoformat())}">{escape(when)}</time>'))
    facts += [fact for fact in (event_html(talk, item.url), talk.location) if fact]
    return tuple(facts)


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
    head = TEMPLATES.get_template("snippet-head.html.j2").render(settings=settings, feeds=feeds)
    subscribe = TEMPLATES.get_template("snippet-subscribe.html.j2").render(
        settings=settings,
        subscriptions=_subscriptions(feeds),
        page_url=settings.feeds_url + PAGE_NAME,
    )
    return _inert(head), _inert(subscribe)


def _inert(html: str) -> str:
    """Write braces as character references: the snippets are saved as Hugo templates, where a
    title holding ``{{`` would otherwise be run as template code."""
    return html.strip().replace("{", "&#123;").replace("}", "&#125;") + "\n"
