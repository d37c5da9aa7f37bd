"""Render each talk's HTML for the feeds: the talk's facts on top, then its texts and links."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import quote, urljoin, urlsplit

import jinja2
from markupsafe import Markup, escape

from talkfeed.formats.web.markup import markdown_html, plain_text, safe_url, sanitize, without_media
from talkfeed.formats.web.text import event_text, leading_blocks
from talkfeed.formats.words import Words, words_for
from talkfeed.model import Credit, FileInfo, Link, Talk, TalkTime, Wording
from talkfeed.urls import permalink, talk_urls, with_scheme

_MORE = re.compile(r"<!--more-->")
"""Hugo's summary divider, wherever it stands (Hugo's page lexer finds it anywhere)."""
_TAG_NAME = re.compile(r"<\s*([A-Za-z][A-Za-z0-9]*)")
_PHRASING = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
        "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
    }
)  # fmt: skip
"""The elements that may stand inside a line of text (HTML's phrasing content)."""
_LISTS = frozenset({"ul", "ol", "dl", "table"})
_LINK_LABELS = {
    kind: f"btn_{kind}"
    for kind in (
        "slides", "video", "pdf", "preprint", "code", "dataset", "project", "poster", "source", "doi", "site",
        "event", "calendar", "registration", "demo", "model",
    )
}  # fmt: skip
"""The link types whose label the language gives (Hugo Blox's ``btn_<type>`` ids), where a page gives none."""

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("talkfeed.formats.web", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,  # else every render stats the template's file
)


@dataclass(frozen=True)
class Enclosure:
    """A file published with a talk, at its absolute URL."""

    url: str
    size: int
    media_type: str
    title: str
    dimensions: tuple[int, int] | None = None


@dataclass(frozen=True)
class EventMarkup:
    """A talk's event written as HTML, sanitized, and how it stands in a text."""

    html: Markup
    shape: str
    """"inline" (a line of text, links kept), "block" (paragraphs), or "list" (a list of venues)."""


@dataclass(frozen=True)
class Item:
    """A talk ready for every feed format: its URL and its HTML and text, rendered once."""

    talk: Talk
    url: str
    """Where the talk links: its page, or for a talk without one, its event or its list page."""
    summary_html: str
    summary_text: str
    content_html: str
    image: Enclosure | None = None
    attachments: tuple[Enclosure, ...] = ()
    id: str = ""
    """The talk's lasting id (GUID, Atom id, UID): its permalink, or for a talk without a page,
    its list page's URL with the talk's path as fragment, which never changes and never 404s."""

    about_url: str = ""
    """The page about the feeds, which documents the JSON extension."""
    credits: tuple[Credit, ...] = ()
    """In an aggregate: the sites that publish the talk, each with its page of it, the item's first."""
    events_url: str = ""
    """Where the talk's own calendar file is served (its folder); "" for none."""
    wording: Wording = field(default_factory=Wording)
    """The language the item speaks: its talk's."""
    site_url: str | None = None
    """The base URL of the talk's site, which its links from the site's root are relative to."""

    @property
    def words(self) -> Words:
        return words_for(self.wording)

    @functools.cached_property
    def event_text(self) -> str:
        """The event as one line of text, each link's address after its text (JSON ``_talk.event``)."""
        event = event_markup(self.talk, self.url)
        return event_text(event.html, one_line=True) if event is not None else self.talk.event or ""

    @functools.cached_property
    def event_lines(self) -> str:
        """The event as text, a list's items on lines of their own (the calendar's description)."""
        event = event_markup(self.talk, self.url)
        return event_text(event.html, one_line=False) if event is not None else self.talk.event or ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.url)


def render_item(
    talk: Talk,
    base_url: str,
    about_url: str = "",
    credit: Credit | None = None,
    also: tuple[Credit, ...] = (),
    events_url: str = "",
    wording: Wording | None = None,
) -> Item:
    """Render one talk's summary and full content as sanitized HTML with absolute URLs, in the
    language ``wording`` gives (talkfeed's English by default).

    In an aggregate, ``credit`` names the talk's site, and ``also`` the other sites that
    publish the same talk, each with its own page of it.
    """
    wording = wording or Wording()
    words = words_for(wording)
    link, lasting_id = talk_urls(talk.url_path, talk.listed_at, talk.outside_url, base_url)
    url = permalink(base_url, talk.url_path)
    credits = (Credit(credit.label, credit.site_url, own_page(talk, base_url)), *also) if credit else ()
    clean = partial(sanitize, base=url)
    body_html = clean(markdown_html(talk.body)) if talk.body.strip() else ""
    abstract_html = clean(markdown_html(talk.abstract)) if talk.abstract else ""
    summary_html = _summary_html(talk, clean, abstract_html, body_html)
    event = event_markup(talk, url)
    content_html = TEMPLATES.get_template("item.html.j2").render(
        talk=talk,
        words=words,
        facts=facts_line(talk, wording, url),
        event_html=event_html(talk, url),
        event_block=event.html if event is not None and event.shape != "inline" else "",
        event_link=_event_link(talk, url),
        when=words.when(talk.start, talk.end),
        where=", ".join(place_of(talk)),
        speakers=words.listing(talk.authors),
        tags=words.keywords(talk.tags),
        credits=credit_links(credits, words),
        abstract_html=Markup(abstract_html),
        body_html=Markup(body_html),
        links=talk_links(talk, url, words, base_url),
    )
    image = _enclosure(talk.image, words("talkfeed_featured_image"), url, base_url) if talk.image else None
    attachments = tuple(
        _enclosure(link.file, link_label(link, words), url, base_url) for link in talk.links if link.file
    )
    text = plain_text(summary_html)
    return Item(
        talk,
        link,
        summary_html,
        text,
        content_html.strip(),
        image,
        attachments,
        lasting_id,
        about_url,
        credits,
        events_url,
        wording,
        base_url,
    )


def _event_link(talk: Talk, url: str) -> Markup | str:
    """The event's page, linked by its address (for an event whose HTML is shown whole)."""
    if not talk.event_url or not safe_url(talk.event_url):
        return ""
    target = urljoin(url, talk.event_url)
    return Markup('<a href="{}">{}</a>').format(target, target)


def credit_links(credits: tuple[Credit, ...], words: Words) -> Markup:
    """The sites that publish a talk, each linking its page of it, listed as the language lists."""
    links = [Markup('<a href="{}">{}</a>').format(credit.page_url, credit.label) for credit in credits]
    return markup_listing(links, words)


def markup_listing(items: list[Markup], words: Words) -> Markup:
    """List pieces of markup as the language lists names, its own words escaped."""
    places = [f"\x00{index}\x00" for index in range(len(items))]
    listed = str(escape(words.listing(places)))
    for place, item in zip(places, items, strict=True):
        listed = listed.replace(place, str(item))
    return Markup(listed)


def own_page(talk: Talk, base_url: str) -> str:
    """The page of its site that shows a talk: its own, or for a talk without one, its list page."""
    return permalink(base_url, talk.url_path if talk.listed_at is None else talk.listed_at)


def _enclosure(file: FileInfo, title: str, page_url: str, base_url: str) -> Enclosure:
    location = (
        base_url + quote(file.path) if file.in_site_root else urljoin(page_url, quote(file.path, safe="/%"))
    )
    return Enclosure(location, file.size, file.media_type, title, file.dimensions)


def facts_line(talk: Talk, wording: Wording | None = None, url: str = "") -> tuple[str, ...]:
    """Say when and where in one line: ``Tue 4 Jan 2022 · Event · Location``.

    An event written as a list of venues is left out: it does not read as a line.
    """
    words = words_for(wording or Wording())
    facts = []
    if talk.start is not None:
        facts.append(words.day(talk.start))
    event = event_markup(talk, url)
    if talk.event and (event is None or event.shape != "list"):
        facts.append(talk.event)
    facts += [talk.location] if talk.location else []
    return tuple(facts)


def describe_when(start: TalkTime | None, end: TalkTime | None, wording: Wording | None = None) -> str:
    """Format a talk's time for people, each moment with its own UTC offset."""
    return words_for(wording or Wording()).when(start, end)


def place_of(talk: Talk) -> tuple[str, ...]:
    """Where a talk is, for people: its location, then each part of its address the location does
    not already say ("Amsterdam, Netherlands" and a city Amsterdam in the Netherlands say it once)."""
    said = {_folded(part) for part in re.split(r"[,;·\n]", talk.location or "")} - {""}
    said.add(_folded(talk.location or ""))
    parts = [talk.location] if talk.location else []
    for part in talk.address:
        if _folded(part) not in said:
            parts.append(part)
            said.add(_folded(part))
    return tuple(parts)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _summary_html(talk: Talk, clean: partial[str], abstract_html: str, body_html: str) -> str:
    if talk.summary:
        return str(clean(markdown_html(talk.summary))).strip()
    if abstract_html:
        return abstract_html.strip()
    manual = _MORE.split(talk.body, maxsplit=1)
    if len(manual) == 2:
        # Hugo's manual summary: what stands before a <!--more--> line.
        return str(clean(markdown_html(manual[0]))).strip() if manual[0].strip() else ""
    return without_media(leading_blocks(body_html)).strip()


def event_markup(talk: Talk, url: str) -> EventMarkup | None:
    """A talk's event written as HTML, sanitized with its links made absolute; ``None`` for an
    event written as text."""
    if not talk.event_html:
        return None
    html = sanitize(talk.event_html, base=url).strip()
    tags = {name.lower() for name in _TAG_NAME.findall(html)}
    shape = "list" if tags & _LISTS else "inline" if tags <= _PHRASING else "block"
    return EventMarkup(Markup(html), shape)


def event_html(talk: Talk, url: str) -> Markup | str:
    """The event as one line of HTML, linked to its page: its inline HTML, else its text."""
    if not talk.event:
        return ""
    markup = event_markup(talk, url)
    inner: Markup | str = markup.html if markup is not None and markup.shape == "inline" else talk.event
    if talk.event_url and safe_url(talk.event_url) and "<a " not in str(inner):
        target = urljoin(url, talk.event_url)
        return Markup('<a href="{}">{}</a>').format(target, inner)
    return inner


def talk_links(
    talk: Talk, base: str, words: Words | None = None, site_url: str | None = None
) -> tuple[Link, ...]:
    """Keep a talk's links with safe schemes, made absolute, each with its label (the language's
    for a link the page names only by its type).

    As the themes link them (``relURL`` unless the name is a file of the page's bundle): a file
    of the bundle against ``base`` (the talk's permalink), any other relative path
    (``media/slides.pdf``, from ``static/``) against ``site_url``, the site's base URL.
    """
    words = words or words_for(Wording())
    return tuple(
        _absolute_link(link, site_url if site_url is not None and _from_root(link) else base, words)
        for link in talk.links
        if safe_url(link.url)
    )


def _from_root(link: Link) -> bool:
    """Tell whether the themes link ``link`` from the site's root: a relative path that names
    no file of the bundle (a fragment or query stays on the talk's page)."""
    url = with_scheme(link.url)
    return link.file is None and not urlsplit(url).scheme and not url.startswith(("/", "#", "?"))


def link_label(link: Link, words: Words) -> str:
    """A link's label: the page's own, else the language's label of its type, else its type."""
    if link.label is not None:
        return link.label
    key = _LINK_LABELS.get(link.kind.lower())
    return words(key) if key is not None else link.kind


def _absolute_link(link: Link, base: str, words: Words) -> Link:
    # A path from the root, an address or a fragment means the same from any base.
    return Link(link_label(link, words), urljoin(base, with_scheme(link.url)), link.kind)
