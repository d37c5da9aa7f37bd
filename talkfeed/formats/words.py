"""Speak a language in the outputs: its labels, and its dates, times, ranges and lists (from CLDR).

``words_for(wording)`` gives the one ``Words`` of a language; renderers ask it for every text a
person reads that is not the page's own. Machine fields (RFC 822 and RFC 3339 dates, ids, JSON
keys) never come from here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime

from talkfeed import cldr
from talkfeed.model import TalkTime, Wording
from talkfeed.read.labels import catalogue

_PLACE = re.compile(r"\{\{-?\s*\.\s*-?\}\}")
"""Where a label takes its value, as Hugo's i18n writes it: ``{{ . }}``."""


@functools.cache
def words_for(wording: Wording) -> Words:
    """The words of one language (made once per language)."""
    return Words(wording)


class Words:
    """A language's labels and forms, as ``Wording`` settles them."""

    def __init__(self, wording: Wording) -> None:
        self.wording = wording
        self.locale = wording.locale
        self._labels: dict[str, dict[str, str]] = {}
        for key, category, text in wording.labels:
            self._labels.setdefault(key, {})[category] = text

    def __call__(self, key: str, value: str = "", count: int | None = None) -> str:
        """The label ``key``, its ``{{ . }}`` filled with ``value``; for ``count`` things, in its
        plural form."""
        texts = self._labels.get(key) or catalogue("en")[key]
        category = cldr.plural_category(self.locale, count) if count is not None else "other"
        text = texts.get(category) or texts["other"]
        return _PLACE.sub(lambda _: value, text)

    def parts(self, key: str) -> tuple[str, str]:
        """A label with a place for a value, as the text before and after the place."""
        marker = "\x00"
        before, _, after = self(key, marker).partition(marker)
        return before, after

    def field(self, key: str, count: int | None = None) -> str:
        """A label that a value follows, with the language's colon: "When: "."""
        return self(key, count=count) + self("talkfeed_colon")

    def day(self, value: TalkTime) -> str:
        return cldr.day(value.date() if isinstance(value, datetime) else value, self.locale)

    def when(self, start: TalkTime | None, end: TalkTime | None) -> str:
        """Say when a talk is, each moment with its own UTC offset; an all-day talk by its days."""
        locale = self.locale
        if start is None:
            return ""
        if not isinstance(start, datetime):
            last = end if end is not None and not isinstance(end, datetime) else None
            days = (
                cldr.day(start, locale) if last is None or last == start else cldr.days(start, last, locale)
            )
            return self("talkfeed_all_day", days)
        if not isinstance(end, datetime):
            return self._moment(start, cldr.clock(start, locale))
        if end.date() == start.date() and end.utcoffset() == start.utcoffset():
            return self._moment(start, cldr.clocks(start, end, locale))
        return cldr.span(
            self._moment(start, cldr.clock(start, locale)), self._moment(end, cldr.clock(end, locale)), locale
        )

    def _moment(self, value: datetime, clock: str) -> str:
        time = f"{clock} {cldr.offset(value, self.locale)}"
        return cldr.day_and_time(cldr.day(value.date(), self.locale), time, self.locale)

    def listing(self, items: Sequence[str]) -> str:
        """Several names in a line: "Ada, Grace" (English), "Ada, Grace et Hedy"."""
        return cldr.listing(items, self.locale)

    def keywords(self, items: Sequence[str]) -> str:
        """Tags in a line: "r, data-science", "graphs、sparsity"."""
        return cldr.keywords(items, self.locale)

    def series(self, items: Sequence[str]) -> str:
        """Several sites in a title: "Alice, Bob and Carol"."""
        return cldr.series(items, self.locale)
