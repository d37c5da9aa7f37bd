"""Render a talk's part of every output once: its pieces, which builds splice into files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from talkfeed.model import Credit, Entry, PartSettings, Talk
from talkfeed.render.calendar import calendar_piece
from talkfeed.render.feeds import atom_piece, feed_pieces, rss_piece
from talkfeed.render.html import Item, render_item
from talkfeed.render.html.item import own_page
from talkfeed.render.html.page import page_piece
from talkfeed.render.jsonfeed import json_piece

PIECES: Mapping[str, Callable[[Item], str]] = {
    "rss": rss_piece,
    "atom": atom_piece,
    "json": json_piece,
    "ics": calendar_piece,
    "html": page_piece,
}


def render_pieces(talk: Talk, settings: PartSettings) -> dict[str, str]:
    """Render the talk once, then its piece of each output, as ``settings`` shape them."""
    return _pieces(
        render_item(
            talk,
            settings.base_url,
            settings.about_url,
            settings.credit,
            events_url=settings.events_url,
            wording=settings.wording,
        )
    )


def render_shared(entry: Entry, talks: Sequence[Talk], settings: Sequence[PartSettings]) -> dict[str, str]:
    """Render a talk several sources publish, as one item: the first talk's page and text, the
    speakers, tags and dates of ``entry`` (the group merged), and a credit linking each page."""
    first, *others = talks
    also = tuple(
        Credit(each.credit.label, each.credit.site_url, own_page(other, each.base_url))
        for other, each in zip(others, settings[1:], strict=True)
        if each.credit is not None
    )
    talk = replace(
        first,
        authors=entry.authors,
        author_slugs=entry.author_slugs,
        tags=entry.tags,
        modified=entry.modified,
    )
    own = settings[0]
    return _pieces(
        render_item(
            talk,
            own.base_url,
            own.about_url,
            own.credit,
            also,
            events_url=own.events_url,
            wording=own.wording,
        )
    )


def _pieces(item: Item) -> dict[str, str]:
    # RSS and Atom from one look at the item: feedgen's entry is prepared once per shape.
    feeds = feed_pieces(item)
    return {name: feeds[name] if name in feeds else render(item) for name, render in PIECES.items()}
