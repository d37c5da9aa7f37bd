"""Every output format, found through one registry: its name and the object that renders it.

Adding a format is one module (a ``Format``: its part of each talk, its links, its files) and
one line here. Formats are imported when first asked for: a run that renders nothing (a build
where nothing changed, ``check``) does not pay for feedgen, icalendar and jinja2.
"""

from __future__ import annotations

import functools
import importlib

from talkfeed.formats.format import FeedLink, Format, ViewFiles, ViewLink

_REGISTRY = {
    "rss": ("talkfeed.formats.feeds", "RSS"),
    "atom": ("talkfeed.formats.feeds", "ATOM"),
    "json": ("talkfeed.formats.jsonfeed", "JSON"),
    "ics": ("talkfeed.formats.calendar", "CALENDAR"),
    "html": ("talkfeed.formats.web.page", "PAGE"),
}
FORMATS = tuple(_REGISTRY)
"""Every format's name, in the order a build writes them (``--format`` chooses among them)."""


@functools.cache
def format_of(name: str) -> Format:
    """The format called ``name`` (one of ``FORMATS``)."""
    module, attribute = _REGISTRY[name]
    found: Format = getattr(importlib.import_module(module), attribute)
    return found


__all__ = ["FORMATS", "FeedLink", "Format", "ViewFiles", "ViewLink", "format_of"]
