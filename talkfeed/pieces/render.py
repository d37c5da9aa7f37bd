"""Render a talk's part of every format once: the parts builds splice into their files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from talkfeed.formats import FORMATS, format_of
from talkfeed.formats.web import Item, render_item
from talkfeed.formats.web.item import own_page
from talkfeed.model import Credit, Entry, PartSettings, Talk


def render_pieces(talk: Talk, settings: PartSettings) -> dict[str, str]:
    """Render the talk once, then its part of each format, as ``settings`` shape them."""
    return _parts(
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
    return _parts(
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


def _parts(item: Item) -> dict[str, str]:
    return {name: format_of(name).piece(item) for name in FORMATS}
