"""What every output format is to the rest of talkfeed: its part of each talk, its links, its files."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from talkfeed.formats.slots import Content, Version
from talkfeed.model import Entry, FeedSettings, Part, dated

if TYPE_CHECKING:
    from talkfeed.formats.web.item import Item


class View(Protocol):
    """What a format needs of a view (``select.views.View``): its talks in order, its folder below
    the output folder ("" or ``tags/x/``) and its kind ("all", "upcoming", "tag", …)."""

    @property
    def talks(self) -> Sequence[Entry]: ...

    @property
    def folder(self) -> str: ...

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class FeedLink:
    """A feed or calendar a page offers: ``FeedLink("RSS 2.0", "https://…/index.xml", media_type)``."""

    title: str
    href: str
    media_type: str
    name: str = ""
    """A calendar's own name (its NAME), which Outlook gives the subscription; else ``title``."""


@dataclass(frozen=True)
class ViewLink:
    """Another page of talks, such as ``ViewLink("Talks tagged Explainability", "https://…/tags/…/")``."""

    title: str
    href: str


@dataclass(frozen=True)
class ViewFiles:
    """What the files of one view are made of."""

    view: View
    settings: FeedSettings
    """The view's own: its title, and the URL of its folder (``feeds_url``)."""
    root: FeedSettings
    """The main set's, whose folder holds the files every view shares (``upcoming.ics``)."""
    part: Part
    version: Version
    limit: int | None
    """How many talks each feed holds at most; calendars and pages keep every talk."""
    feeds: Sequence[FeedLink]
    """The feeds and calendars of the view's own set, for its page."""
    views: Sequence[ViewLink]
    """The other views, which the main page links."""
    upcoming: Callable[[Sequence[Entry]], Sequence[Entry]]
    """Gives the talks of a list still to come, soonest first."""
    started: Callable[[Sequence[Entry]], Sequence[Entry]]
    """Gives the talks of a list that have started, the latest first."""
    about_href: str
    """Where the page about the feeds is, from the view's folder."""
    own_set: bool
    """The view is a set of its own (a ``--per`` view): it has its own calendar and page."""
    ids: Callable[[Entry], str]
    """Gives a talk's lasting id, as its items and events carry it."""

    def feed_talks(self) -> Sequence[Entry]:
        """The talks a feed of the view holds: those with a publish date, at most ``limit``."""
        return dated(self.view.talks)[: self.limit]


class Format(Protocol):
    """One output format: a talk's part of it, the feeds it offers, and the files it writes."""

    name: str
    """Its name in ``--format`` and in the store (``rss``)."""
    feed_file: str | None
    """The file it writes in every view's folder, where it is a feed (``index.xml``): what a link
    to a view names, and what WebSub hubs are told about; ``None`` for others."""
    styled: bool
    """Its files point browsers to ``feed.css`` (the XML feeds)."""

    def piece(self, item: Item) -> str:
        """A talk's part of this format's files, rendered once and kept."""

    def links(self, settings: FeedSettings, main: bool, upcoming_title: str) -> Sequence[FeedLink]:
        """The feeds or calendars of a set (``settings``: the main set's, or a view's own) that a
        page offers; ``upcoming_title`` names the main set's upcoming talks."""

    def files(self, view: ViewFiles) -> Iterator[tuple[str, Content]]:
        """The files this format writes for one view, by path below the output folder."""


Registry = Mapping[str, Format]
