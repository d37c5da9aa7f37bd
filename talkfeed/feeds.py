"""Render RSS 2.0 and Atom 1.0 with feedgen: the one module that imports it.

feedgen's defaults are set aside where they would break reproducible output:
``add_entry`` prepends unless told to append, ``updated``/``lastBuildDate`` default to the
clock, and the generator tag names feedgen. The channel's dates come from the newest talk.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from talkfeed.html import Item
from talkfeed.model import FeedSettings

RSS_NAME = "index.xml"
ATOM_NAME = "atom.xml"
_EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)


def feed_updated(items: Sequence[Item]) -> datetime:
    """Date a feed by its newest talk, never by the clock, so output is reproducible."""
    dates = [item.talk.modified or item.talk.published for item in items]
    dates += [item.talk.published for item in items]
    return max(dates, default=_EMPTY_FEED_DATE)


def render_rss(items: Sequence[Item], settings: FeedSettings) -> bytes:
    """Render an RSS 2.0 channel with content:encoded, dc:creator and atom:link self."""
    feed = _feed(items, settings, self_name=RSS_NAME, self_type="application/rss+xml")
    for item in items:
        entry = _entry(feed, item)
        entry.guid(item.url, permalink=True)
        for author in item.talk.authors:
            entry.dc.dc_creator(author)
    return bytes(feed.rss_str(pretty=True))


def render_atom(items: Sequence[Item], settings: FeedSettings) -> bytes:
    """Render an Atom 1.0 feed with html summary and content and an author per entry."""
    feed = _feed(items, settings, self_name=ATOM_NAME, self_type="application/atom+xml")
    for item in items:
        entry = _entry(feed, item)
        entry.id(item.url)
        for author in item.talk.authors:
            entry.author({"name": author})
    return bytes(feed.atom_str(pretty=True))


def _feed(items: Sequence[Item], settings: FeedSettings, self_name: str, self_type: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)
    feed.id(settings.feeds_url + self_name)
    feed.title(settings.title)
    feed.subtitle(settings.description)
    # Self first, alternate last: feedgen puts the last link into the RSS <channel><link>.
    feed.link(href=settings.feeds_url + self_name, rel="self", type=self_type)
    feed.link(href=settings.home_url, rel="alternate", type="text/html")
    feed.language(settings.language)
    feed.author({"name": settings.author})
    feed.generator("talkfeed", version=settings.version, uri="https://pypi.org/project/talkfeed/")
    feed.updated(feed_updated(items))
    return feed


def _entry(feed: FeedGenerator, item: Item) -> FeedEntry:
    entry = feed.add_entry(order="append")
    talk = item.talk
    entry.title(talk.title)
    entry.link(href=item.url, rel="alternate", type="text/html")
    entry.published(talk.published)
    entry.updated(talk.modified or talk.published)
    if item.summary_html:
        entry.summary(item.summary_html, type="html")
    entry.content(item.content_html, type="html")
    for tag in talk.tags:
        entry.category(term=tag)
    return entry
