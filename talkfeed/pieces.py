"""Render a talk's part of every output once: its pieces, which builds splice into files."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from talkfeed.calendar import calendar_piece
from talkfeed.feeds import atom_piece, rss_piece
from talkfeed.html import Item, render_item
from talkfeed.html.page import page_piece
from talkfeed.jsonfeed import json_piece
from talkfeed.model import Talk

PIECES: Mapping[str, Callable[[Item], str]] = {
    "rss": rss_piece,
    "atom": atom_piece,
    "json": json_piece,
    "ics": calendar_piece,
    "html": page_piece,
}


def render_pieces(talk: Talk, base_url: str) -> dict[str, str]:
    """Render the talk once, then its piece of each output; URLs are made from ``base_url``."""
    item = render_item(talk, base_url)
    return {name: render(item) for name, render in PIECES.items()}
