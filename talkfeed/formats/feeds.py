"""Render RSS 2.0 and Atom 1.0 with feedgen: the one module that imports it.

Each talk's ``<item>`` and ``<entry>`` is rendered once, by feedgen, as a piece of text that
builds splice into the feed document; the result is byte for byte what feedgen writes for the
whole feed, since the document is pretty-printed with fixed indentation.

feedgen's defaults are set aside where they would break reproducible output:
``add_entry`` prepends unless told to append, ``updated``/``lastBuildDate`` default to the
clock, and the generator tag names feedgen. The channel's dates come from the newest talk.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from xml.sax.saxutils import quoteattr

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import formatRFC2822, xml_elem

from talkfeed.clean import as_html_text
from talkfeed.formats.format import FeedLink, ViewFiles
from talkfeed.formats.prepared import Prepared
from talkfeed.formats.slots import Chunk, Content, Version, joined, no_version, slots, spliced
from talkfeed.formats.web import Enclosure, Item
from talkfeed.formats.web.item import facts_line
from talkfeed.formats.web.page import STYLESHEET_NAME, feed_stylesheet
from talkfeed.model import Entry, FeedSettings, Part, own_piece
from talkfeed.urls import canonical_id

RSS_NAME = "index.xml"
ATOM_NAME = "atom.xml"
_EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)
_RSS_CLOSE = "  </channel>\n</rss>\n"
_ATOM_CLOSE = "</feed>\n"


def feed_updated(entries: Sequence[Entry], settings: FeedSettings) -> datetime:
    """Date a feed by its newest talk (an empty one by the site's), never by the clock."""
    dates = [entry.modified or entry.published for entry in entries]
    dates += [entry.published for entry in entries]
    return max(dates, default=settings.empty_updated or _EMPTY_FEED_DATE)


def feed_pieces(item: Item) -> dict[str, str]:
    """Render one talk's RSS ``<item>`` and Atom ``<entry>``, as ``"rss"`` and ``"atom"``."""
    global _LAST
    if _LAST is None or _LAST[0] is not item:
        _LAST = (item, _FEED_PIECES(_facts(item)))
    return _LAST[1]


_LAST: tuple[Item, dict[str, str]] | None = None
"""The last item's pieces: RSS and Atom come from one look at an item, asked one after the other."""


@dataclass(frozen=True)
class _FeedFormat:
    """RSS 2.0 or Atom 1.0 (see ``Format``): both from feedgen, one file per view."""

    name: str
    title: str
    file_name: str
    media_type: str
    chunks: Callable[[Sequence[Entry], FeedSettings, Part, Version], Iterator[Chunk]]
    styled = True

    @property
    def feed_file(self) -> str:
        return self.file_name

    def piece(self, item: Item) -> str:
        return feed_pieces(item)[self.name]

    def links(self, settings: FeedSettings, main: bool, upcoming_title: str) -> Sequence[FeedLink]:
        return [FeedLink(self.title, settings.feeds_url + self.file_name, self.media_type)]

    def files(self, view: ViewFiles) -> Iterator[tuple[str, Content]]:
        talks = view.feed_talks()
        yield (
            view.view.folder + self.file_name,
            spliced(self.chunks, talks, view.settings, view.part, view.version),
        )
        if view.view.kind == "all" and view.settings.stylesheet_url is not None:
            yield STYLESHEET_NAME, feed_stylesheet(view.settings.wording)
        if view.settings.stylesheet_url == STYLESHEET_NAME and view.view.folder:
            # A language's own feeds are styled in their own words.
            yield view.view.folder + STYLESHEET_NAME, feed_stylesheet(view.settings.wording)


def rss_piece(item: Item) -> str:
    """Render one talk's RSS ``<item>`` with content:encoded, dc:creator and its enclosure.

    Its HTML summary (``description``) and content are for feed readers; ``dc:coverage`` (when
    and where) and ``dcterms:abstract`` (the summary as plain text) are what a browser shows.
    Readers take ``dc:description`` for an item's HTML summary, so plain text goes elsewhere.
    """
    return feed_pieces(item)["rss"]


def atom_piece(item: Item) -> str:
    """Render one talk's Atom ``<entry>``: a plain-text summary, html content, its authors,
    and ``dc:coverage`` (when and where)."""
    return feed_pieces(item)["atom"]


class _Medium(Enum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"


@dataclass(frozen=True)
class _File:
    url: str
    size: str
    media_type: str
    title: str
    medium: _Medium


@dataclass(frozen=True)
class _Category:
    term: str
    scheme: str | None


@dataclass(frozen=True)
class _Facts:
    """What a talk's RSS item and Atom entry say, as feedgen is given it."""

    title: str
    url: str
    id: str
    permalink: bool
    published: datetime
    updated: datetime
    summary_html: str
    content_html: str
    categories: tuple[_Category, ...]
    authors: tuple[str, ...]
    creator: str
    """Every speaker in one line, as the language lists names."""
    coverage: str
    summary_text: str
    image: _File | None
    attachments: tuple[_File, ...]


def _facts(item: Item) -> _Facts:
    talk = item.talk
    # The site that publishes a talk, told apart from its tags by the site's URL as scheme.
    credits = tuple(_Category(credit.label, credit.site_url or None) for credit in item.credits)
    return _Facts(
        title=talk.title,
        url=item.url,
        id=item.id,
        permalink=item.id == canonical_id(item.url),
        published=talk.published,
        updated=talk.modified or talk.published,
        summary_html=item.summary_html,
        content_html=item.content_html,
        categories=(*(_Category(tag, None) for tag in talk.tags), *credits),
        authors=talk.authors,
        creator=item.words.listing(talk.authors),
        coverage=" · ".join(facts_line(talk, item.wording, item.url)),
        summary_text=item.summary_text,
        image=_file(item.image) if item.image is not None else None,
        attachments=tuple(_file(file) for file in item.attachments),
    )


def _file(file: Enclosure) -> _File:
    return _File(file.url, str(file.size), file.media_type, file.title, _medium(file.media_type))


def _rss_item(facts: _Facts) -> str:
    with _container() as feed:
        _add_rss_item(feed, facts)
        document: str = feed.rss_str(pretty=True).decode("utf-8")
    return document[document.index("    <item>") : document.rindex(_RSS_CLOSE)]


def _add_rss_item(feed: FeedGenerator, facts: _Facts) -> None:
    """Give ``feed`` the talk's RSS item, last."""
    entry = _entry(feed, facts)
    entry.guid(facts.id, permalink=facts.permalink)
    if facts.authors:
        # One element naming every speaker: readers keep either the first or the last of several.
        entry.dc.dc_creator(facts.creator)
    if facts.coverage:
        entry.dc.dc_coverage(facts.coverage)
    if facts.summary_text:
        entry.dcterms.abstract(facts.summary_text)
    if facts.image is not None:
        entry.enclosure(facts.image.url, facts.image.size, facts.image.media_type)
    for file in (facts.image, *facts.attachments):
        if file is not None:
            media = {"url": file.url, "fileSize": file.size, "type": file.media_type}
            entry.media.content({**media, "medium": file.medium.value}, group=None)


def _atom_entry(facts: _Facts) -> str:
    with _container() as feed:
        entry = _entry(feed, facts)
        entry.id(facts.id)
        if facts.summary_text:
            entry.summary(facts.summary_text, type="text")
        for author in facts.authors:
            entry.author({"name": author})
        if facts.coverage:
            entry.dc.dc_coverage(facts.coverage)
        links = [{"href": facts.url, "rel": "alternate", "type": "text/html"}]
        for file in (facts.image, *facts.attachments):
            if file is not None:
                attributes = {"rel": "enclosure", "type": file.media_type, "length": file.size}
                links.append({"href": file.url, **attributes, "title": file.title})
                entry.link(href=file.url, **attributes, title=file.title)
        entry.linkattributes.links(links)
        document: str = feed.atom_str(pretty=True).decode("utf-8")
    return document[document.index("  <entry>") : document.rindex(_ATOM_CLOSE)]


# feedgen builds an lxml tree for every entry; it runs once per shape of entry instead.
_FEED_PIECES = Prepared({"rss": _rss_item, "atom": _atom_entry}, dates=(formatRFC2822, datetime.isoformat))


def _attribute(value: str) -> str:
    """Quote an attribute value as lxml writes it."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return f'"{escaped}"'.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def render_rss(entries: Sequence[Entry], settings: FeedSettings, part: Part = own_piece) -> bytes:
    """Render an RSS 2.0 channel of the talks, in the order given, with atom:link self."""
    return joined(rss_chunks(entries, settings, part))


def rss_chunks(
    entries: Sequence[Entry], settings: FeedSettings, part: Part, version: Version = no_version
) -> Iterator[Chunk]:
    """Give the RSS channel a piece at a time: its head, each talk's item (a slot), its end."""
    feed = _feed(entries, settings, self_name=RSS_NAME, self_type="application/rss+xml")
    # Readers render a channel description as HTML: a tag or speaker name must show as written.
    feed.description(as_html_text(settings.description))
    document = feed.rss_str(pretty=True).decode("utf-8")
    yield from _chunks(document, _RSS_CLOSE, entries, "rss", part, version, settings)


def render_atom(entries: Sequence[Entry], settings: FeedSettings, part: Part = own_piece) -> bytes:
    """Render an Atom 1.0 feed of the talks, in the order given, with self and alternate links."""
    return joined(atom_chunks(entries, settings, part))


def atom_chunks(
    entries: Sequence[Entry], settings: FeedSettings, part: Part, version: Version = no_version
) -> Iterator[Chunk]:
    """Give the Atom feed a piece at a time: its head, each talk's entry (a slot), its end."""
    feed = _feed(entries, settings, self_name=ATOM_NAME, self_type="application/atom+xml")
    document = feed.atom_str(pretty=True).decode("utf-8")
    yield from _chunks(document, _ATOM_CLOSE, entries, "atom", part, version, settings)


def _chunks(
    document: str,
    closing: str,
    entries: Sequence[Entry],
    name: str,
    part: Part,
    version: Version,
    settings: FeedSettings,
) -> Iterator[Chunk]:
    head = document[: document.rindex(closing)]
    if settings.stylesheet_url is not None:
        # Point browsers to CSS that makes the raw feed readable (CSS, not XSLT: XSLT is going away).
        declaration, _, rest = head.partition("\n")
        instruction = f'<?xml-stylesheet type="text/css" href={quoteattr(settings.stylesheet_url)}?>'
        head = "\n".join((declaration, instruction, rest))
    yield head.encode("utf-8")
    slot = slots(name, part, version)
    for entry in entries:
        yield slot(entry, None)
    yield closing.encode("utf-8")


RSS = _FeedFormat("rss", "RSS 2.0", RSS_NAME, "application/rss+xml", rss_chunks)
ATOM = _FeedFormat("atom", "Atom 1.0", ATOM_NAME, "application/atom+xml", atom_chunks)


def _medium(media_type: str) -> _Medium:
    kind = media_type.split("/")[0]
    return _Medium(kind) if kind in ("image", "video", "audio") else _Medium.DOCUMENT


@contextlib.contextmanager
def _container() -> Iterator[FeedGenerator]:
    """Lend the feed that holds one entry while it is rendered; its own values are never kept.

    Making a FeedGenerator and loading its extensions costs more than rendering an entry,
    so one is kept per process and emptied after each use.
    """
    feed = _piece_feed()
    try:
        yield feed
    finally:
        for entry in feed.entry():
            feed.remove_entry(entry)


@functools.cache
def _piece_feed() -> FeedGenerator:
    feed = FeedGenerator()
    _load_extensions(feed)
    feed.id("urn:talkfeed:piece")
    feed.title("piece")
    feed.link(href="urn:talkfeed:piece", rel="alternate")
    feed.description("piece")
    feed.updated(_EMPTY_FEED_DATE)
    return feed


def _load_extensions(feed: FeedGenerator) -> None:
    # Namespaces are declared on the root element; pieces and feeds must declare the same ones.
    feed.load_extension("dc", atom=True, rss=True)
    feed.load_extension("media", atom=False, rss=True)
    feed.register_extension("dcterms", _TermsExtension, _TermsEntryExtension, atom=False, rss=True)
    feed.register_extension("linkattributes", BaseExtension, _LinkAttributes, atom=True, rss=False)


_DCTERMS = "http://purl.org/dc/terms/"
_ATOM = "http://www.w3.org/2005/Atom"


def _hubs_extension(hubs: tuple[str, ...]) -> type[BaseExtension]:
    """An extension that names the WebSub hubs in an RSS channel, as ``atom:link rel="hub"``
    right after its ``atom:link rel="self"`` (WebSub §4): feedgen writes only the self link of
    the links it is given into RSS."""

    class _HubsExtension(BaseExtension):  # type: ignore[misc]
        def extend_rss(self, feed: Any) -> Any:
            self_link = feed.find(f"channel/{{{_ATOM}}}link[@rel='self']")
            for hub in reversed(hubs):
                link = xml_elem(f"{{{_ATOM}}}link", feed.find("channel"), href=hub, rel="hub")
                self_link.addnext(link)
            return feed

    return _HubsExtension


class _TermsExtension(BaseExtension):  # type: ignore[misc]
    """DCMI terms, for an RSS item's plain-text ``dcterms:abstract`` (feedgen has no such extension)."""

    def extend_ns(self) -> dict[str, str]:
        return {"dcterms": _DCTERMS}


class _TermsEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.text: str | None = None

    def abstract(self, text: str) -> None:
        self.text = text

    def extend_rss(self, item: Any) -> Any:
        if self.text:
            xml_elem(f"{{{_DCTERMS}}}abstract", item).text = self.text
        return item


class _LinkAttributes(BaseEntryExtension):  # type: ignore[misc]
    """Give an Atom entry's links back the attributes feedgen 1.0 drops (all but ``href``).

    feedgen 1.0's ``FeedEntry.atom_entry`` names each new ``<link>`` element as the loop
    variable holding the link's values, so it reads its ``rel``, ``type``, ``length`` and
    ``title`` from the element itself and writes none (lkiesow/python-feedgen#135, open; fixes
    proposed in #136 and #139). Without ``rel`` every link counts as an alternate one, which
    RFC 4287 forbids for more than one link of a type. feedgen calls this extension with the
    entry element it built, and the attributes are set there, link by link, in order.
    """

    def __init__(self) -> None:
        self.wanted: list[dict[str, str]] = []

    def links(self, links: list[dict[str, str]]) -> None:
        self.wanted = links

    def extend_atom(self, entry: Any) -> Any:
        elements = iter(entry.findall("link"))
        for link in self.wanted:
            element = next(each for each in elements if each.get("href") == link["href"])
            for name, value in link.items():
                element.set(name, str(value))
        return entry


def _feed(entries: Sequence[Entry], settings: FeedSettings, self_name: str, self_type: str) -> FeedGenerator:
    feed = FeedGenerator()
    _load_extensions(feed)
    feed.id(canonical_id(settings.feeds_url + self_name))
    feed.title(settings.title)
    feed.subtitle(settings.description)
    # Self first, alternate last: feedgen puts the last link into the RSS <channel><link>.
    feed.link(href=settings.feeds_url + self_name, rel="self", type=self_type)
    for hub in settings.hubs:
        feed.link(href=hub, rel="hub")  # Atom; RSS gets them from _HubsExtension
    feed.link(href=settings.home_url, rel="alternate", type="text/html")
    if settings.hubs:
        feed.register_extension("hubs", _hubs_extension(settings.hubs), atom=False, rss=True)
    if settings.language:
        feed.language(settings.language)
    feed.author({"name": settings.author})
    feed.generator("talkfeed", version=settings.version, uri=settings.about_url or None)
    if settings.icon_url is not None:
        feed.icon(settings.icon_url)
        feed.logo(settings.icon_url)
    feed.updated(feed_updated(entries, settings))
    return feed


def _entry(feed: FeedGenerator, facts: _Facts) -> FeedEntry:
    entry = feed.add_entry(order="append")
    entry.title(facts.title)
    entry.link(href=facts.url, rel="alternate", type="text/html")
    entry.published(facts.published)
    entry.updated(facts.updated)
    if facts.summary_html:
        entry.summary(facts.summary_html, type="html")
    entry.content(facts.content_html, type="html")
    for category in facts.categories:
        entry.category(term=category.term, scheme=category.scheme)
    return entry
