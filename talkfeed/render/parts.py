"""Render a talk's part of every output once: its pieces, which builds splice into files."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from talkfeed.model import Talk
from talkfeed.render.calendar import calendar_piece
from talkfeed.render.feeds import atom_piece, rss_piece
from talkfeed.render.html import Item, render_item
from talkfeed.render.html.page import page_piece
from talkfeed.render.jsonfeed import json_piece

PIECES: Mapping[str, Callable[[Item], str]] = {
    "rss": rss_piece,
    "atom": atom_piece,
    "json": json_piece,
    "ics": calendar_piece,
    "html": page_piece,
}


def render_pieces(talk: Talk, base_url: str, about_url: str = "") -> dict[str, str]:
    """Render the talk once, then its piece of each output; URLs are made from ``base_url``.

    ``about_url`` is the page about the feeds, which JSON items name as their extension's doc.
    """
    item = render_item(talk, base_url, about_url)
    return {name: render(item) for name, render in PIECES.items()}
