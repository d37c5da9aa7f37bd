"""The records that flow through a run: one ``Talk`` per page, what a build keeps of it, the site."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PermalinkRule:
    """One ``permalinks`` rule of a site: pages whose path matches ``target`` take ``pattern``."""

    target: str
    """A Hugo path glob (``/{talk,talk/**}``) matched against the page's path."""
    pattern: str


TalkTime = date | datetime
"""A talk's start or end: a ``datetime`` with its offset, or a ``date`` for an all-day talk."""


def day_of(value: TalkTime) -> date:
    """The day a talk time falls on, in its own offset."""
    return value.date() if isinstance(value, datetime) else value


def moment_of(value: TalkTime, zone: tzinfo) -> datetime:
    """A talk time as an aware datetime; a date is midnight in ``zone``, as Hugo widens it."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=zone)


@dataclass(frozen=True)
class FileInfo:
    """A file published with a talk, such as its featured image or its slides."""

    path: str
    """Its URL path: relative to the talk's permalink, or to the base URL when ``in_site_root``."""
    size: int
    media_type: str
    in_site_root: bool = False
    dimensions: tuple[int, int] | None = None
    """An image's width and height in pixels, where its header tells them."""


@dataclass(frozen=True)
class Link:
    """A link shown with a talk: slides, video, code, or one of its ``links`` list."""

    label: str | None
    """The page's own label; ``None`` for a link the page names only by its type (``url_slides``,
    ``links: [{type: video, url: …}]``), which each language labels in its own words."""
    url: str
    kind: str
    file: FileInfo | None = None
    """The file it names in the talk's bundle, where it names one."""


@dataclass(frozen=True)
class Talk:
    """One talk page, read and normalized; nothing downstream sees its raw front matter."""

    path: str
    """The page's path relative to SOURCE, as printed in findings."""
    url_path: str
    """The permalink below the base URL, ``talk/slug/`` (with a language prefix where due)."""
    lang: str
    title: str
    published: datetime
    modified: datetime | None
    expires: datetime | None
    draft: bool
    start: TalkTime | None
    end: TalkTime | None
    event: str | None
    """The event as one line of text (any HTML written in it dropped)."""
    event_url: str | None
    location: str | None
    address: tuple[str, ...]
    summary: str | None
    """Markdown, as written; ``None`` when the page has none."""
    abstract: str | None
    """Markdown, as written."""
    body: str
    """Markdown, with Hugo shortcodes already turned into HTML."""
    authors: tuple[str, ...]
    """The speakers, by the names their profiles give."""
    tags: tuple[str, ...]
    links: tuple[Link, ...]
    image: FileInfo | None = None
    """The featured image, where the page has one and its file exists."""
    listed_at: str | None = None
    """For a talk Hugo gives no page (``build: {render: never}``): the list page that shows it."""
    outside_url: str | None = None
    """For such a talk: the absolute URL it links to instead (its event, else its first link)."""
    list_path: str = ""
    """The list page Hugo publishes that shows the talk, below the base URL: its section's
    (``talk/``, ``fr/events/``), else its language's home page."""
    event_html: str | None = None
    """The event as written, where it is written in HTML (a list of venues with their links);
    sanitized where it is shown."""
    author_slugs: tuple[str, ...] = ()
    """Each speaker's slug, in the order of ``authors``, as Hugo links its page (``/authors/<slug>/``):
    its profile's, else its name's; () where each is its name's."""


@dataclass(frozen=True)
class SourceOption:
    """One site a run aggregates, with the settings it has of its own."""

    path: Path
    base_url: str | None = None
    """The site's URL, where its config has none (its own languages' ``baseURL`` still win)."""
    lang: str | None = None
    """The language of the site to publish (default: the run's ``--lang``, else its default)."""
    label: str | None = None
    """How items credit the site (default: its title, else its folder's name)."""


@dataclass(frozen=True)
class Credit:
    """A site a talk is published on, as an aggregate credits it: its name, home page and talk page."""

    label: str
    site_url: str
    page_url: str = ""


@dataclass(frozen=True)
class Wording:
    """How one language's outputs speak: the CLDR locale of its dates, times and lists, its writing
    direction and its labels."""

    locale: str = "en"
    """Babel's identifier of the locale (``fr_CA``, ``zh_Hant``); English keeps talkfeed's own forms."""
    direction: str = "ltr"
    """``"rtl"`` for a language written right to left (Arabic, Hebrew), else ``"ltr"``."""
    labels: tuple[tuple[str, str, str], ...] = ()
    """Each label as (id, CLDR plural category, text): talkfeed's catalogue of the language with the
    site's own ``i18n`` tables over it. An id it lacks is talkfeed's English."""


@dataclass(frozen=True)
class PartSettings:
    """What a talk's rendered parts depend on besides the talk: they are kept per these settings."""

    base_url: str
    """Its language's base URL: permalinks are made from it."""
    about_url: str = ""
    """The page about the feeds, which JSON items name as their extension's doc."""
    credit: Credit | None = None
    """In an aggregate: the site to credit the talk to."""
    events_url: str = ""
    """Where each talk's own calendar file is served (a folder, ending in a slash), which its
    article on the page links; "" for none."""
    wording: Wording = field(default_factory=Wording)
    """The language the talk's parts speak: its own."""


@dataclass(frozen=True)
class Selection:
    """Which talks the default rules leave out; the run's options can let each kind back in."""

    now: datetime
    drafts: bool = False
    future: bool = False
    expired: bool = False


EVENTS_FOLDER = "events/"
"""Where each talk's own calendar file goes, below the main feeds' folder, for "add to calendar"."""

UNDATED = datetime(1, 1, 1, tzinfo=UTC)
"""The publish date of a page that names none: Go's zero time, as Hugo dates it (and so sorts
it last by publish date). The feeds leave such a talk out: readers order items by their dates."""


def dated(talks: Sequence[Entry]) -> Sequence[Entry]:
    """The talks whose page names a publish date, in the order given (all of them, most often)."""
    if all(talk.published != UNDATED for talk in talks):
        return talks
    return [talk for talk in talks if talk.published != UNDATED]


@dataclass(frozen=True)
class Entry:
    """What one talk gives a build: the facts that choose and order it, and its rendered pieces.

    Pieces are the talk's part of each output (an RSS ``<item>``, a calendar VEVENT, …),
    rendered once and kept, so a build assembles its files without rendering every talk.
    """

    path: str
    lang: str
    url_path: str
    title: str
    draft: bool
    published: datetime
    modified: datetime | None
    expires: datetime | None
    start: TalkTime | None
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    listed_at: str | None = None
    outside_url: str | None = None
    event_url: str | None = None
    list_path: str = ""
    author_slugs: tuple[str, ...] = ()
    source: int = 0
    """Which of the run's sources it was read from (its index); ``path`` is relative to that source."""
    also_in: tuple[int, ...] = ()
    """The other sources that publish the same talk, for a talk published once for several."""
    pieces: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def sources(self) -> tuple[int, ...]:
        """Every source that publishes the talk, its own first."""
        return (self.source, *self.also_in)

    @property
    def speakers(self) -> tuple[tuple[str, str], ...]:
        """Each speaker's name and slug (its profile's, else its name's)."""
        slugs = self.author_slugs if len(self.author_slugs) == len(self.authors) else self.authors
        return tuple(zip(self.authors, slugs, strict=True))

    @property
    def key(self) -> tuple[int, str]:
        """What tells a talk apart from every other of the run: its source and its path there."""
        return (self.source, self.path)


_OWN_FIELDS = frozenset({"pieces", "source", "also_in"})
"""The fields of ``Entry`` that are not the ``Talk``'s."""

Part = Callable[[Entry, str], str]
"""Gives an entry's piece of one output (``"rss"``, …): from the entry, or from where a run keeps it."""


def own_piece(entry: Entry, name: str) -> str:
    """The piece an entry carries itself."""
    return entry.pieces.get(name, "")


def entry_of(talk: Talk, pieces: Mapping[str, str] | None = None) -> Entry:
    """Keep what a build needs of a talk (the fields ``Entry`` shares with it) and its pieces."""
    shared = {item.name: getattr(talk, item.name) for item in fields(Entry) if item.name not in _OWN_FIELDS}
    return Entry(**shared, pieces=pieces or {})


@dataclass(frozen=True)
class Language:
    """One language of the site, with the settings it has of its own or from the root."""

    code: str
    content_dir: str = "content"
    """Its content folder, relative to the site root."""
    base_url: str | None = None
    """Its own ``baseURL``, where its table sets a non-empty one."""
    title: str | None = None
    language_code: str | None = None
    time_zone: str | None = None
    permalinks: tuple[PermalinkRule, ...] = ()


@dataclass(frozen=True)
class Site:
    """What talkfeed takes from a Hugo site's configuration."""

    root: Path | None
    base_url: str | None = None
    title: str | None = None
    language_code: str | None = None
    time_zone: str | None = None
    default_language: str = "en"
    default_language_in_subdir: bool = False
    languages: Mapping[str, Language] = field(default_factory=dict)
    """The languages Hugo builds (configured, less ``disableLanguages``), the default first."""
    multihost: bool = False
    """A language table sets ``baseURL``: each language is served at its own root, unprefixed."""
    author: str | None = None
    config_file: Path | None = None
    remove_path_accents: bool = False
    lower_paths: bool = True
    ugly_urls: bool = False
    date_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Hugo's ``frontmatter`` chains (``date``, ``publishdate``, ``lastmod``, ``expirydate``)."""
    cascade: tuple[Mapping[str, Any], ...] = ()
    """The config's own ``cascade`` entries."""
    static_dirs: tuple[str, ...] = ("static",)
    """The folders Hugo serves as they are, relative to the root, most specific first."""
    icon: str | None = None
    """The site's icon, as a path below the base URL."""
    feed_limit: int | None = None
    """Hugo's ``services.rss.limit`` (older ``rssLimit``) where it is 1 or more."""
    publish_dir: str = "public"
    """Where Hugo writes the site (``publishDir``), relative to the root unless absolute."""
    disabled_kinds: frozenset[str] = frozenset()
    """The kinds of page Hugo does not render (``disableKinds``, lower case: ``section``, ``home``)."""

    def prefixes(self, code: str) -> bool:
        """Tell whether Hugo puts a language's code before its paths (``fr/talk/…``)."""
        if self.multihost:
            return False
        return code != self.default_language or self.default_language_in_subdir


@dataclass(frozen=True)
class FeedSettings:
    """Everything the renderers need besides the talks."""

    base_url: str
    """The site's URL, ending in a slash; permalinks are made from it."""
    feeds_url: str
    """The URL of the output folder, ending in a slash; the feeds' own links are made from it."""
    home_url: str
    """The page the feeds stand for: the talk section's URL."""
    title: str
    description: str
    language: str
    author: str
    generator: str
    version: str
    site_title: str = ""
    """The site's name, for the titles of views ("Upcoming talks — Site")."""
    stylesheet_url: str | None = None
    """The CSS that XML feeds point browsers to, where one is written."""
    icon_url: str | None = None
    """The site's icon, where it has one: the feeds' icon and logo."""
    empty_updated: datetime | None = None
    """The date of a feed with no talks: the site's newest talk, so it is never the clock."""
    about_url: str = ""
    """The page talkfeed writes beside the feeds to say what they are (the generator's URI)."""
    hubs: tuple[str, ...] = ()
    """The WebSub hubs the feeds name beside their self link."""
    calendar_refresh: timedelta | None = None
    """How often calendar apps should fetch a calendar again; ``None``: the calendars say nothing."""
    wording: Wording = field(default_factory=Wording)
    """The language of the feeds' own text (titles, the page, the calendars' names)."""
