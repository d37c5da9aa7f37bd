"""Recognise one talk that several sources publish (co-speakers each list it) and publish it once.

Two talks of different sources are the same talk when they have the same event page and the
same start, or the same title (compared loosely) on the same start day. The earliest published
of them is kept, so the item's id never changes when another source lists the talk later; the
item names every speaker and links to each source's page.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from talkfeed.model import Entry, TalkTime, day_of

_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Shared:
    """Talks of several sources that are one talk: the kept one first, and why they match."""

    talks: tuple[Entry, ...]
    reason: str


def shared_talks(talks: Iterable[Entry]) -> list[Shared]:
    """Find the talks published by more than one source, grouped; each group's earliest first."""
    buckets: dict[tuple[object, ...], list[Entry]] = defaultdict(list)
    for talk in talks:
        for key in _keys(talk):
            buckets[key].append(talk)
    parent: dict[tuple[int, str], tuple[int, str]] = {}
    reasons: dict[tuple[int, str], str] = {}

    def root(key: tuple[int, str]) -> tuple[int, str]:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    by_key: dict[tuple[int, str], Entry] = {}
    for bucket_key, bucket in buckets.items():
        # One talk per source: two pages of one site are two talks, as the site says.
        firsts: dict[int, Entry] = {}
        for talk in sorted(bucket, key=_age):
            firsts.setdefault(talk.source, talk)
        if len(firsts) < 2:
            continue
        members = sorted(firsts.values(), key=_age)
        for talk in members:
            by_key[talk.key] = talk
        for talk in members[1:]:
            first, other = root(members[0].key), root(talk.key)
            if first != other:
                parent[other] = first
            reasons.setdefault(talk.key, _REASONS[str(bucket_key[0])])
    groups: dict[tuple[int, str], list[Entry]] = defaultdict(list)
    for key, talk in by_key.items():
        groups[root(key)].append(talk)
    found = []
    for members in groups.values():
        ordered = tuple(sorted(members, key=_age))
        why = sorted({reasons[talk.key] for talk in ordered[1:] if talk.key in reasons})
        found.append(Shared(ordered, " and ".join(why)))
    return sorted(found, key=lambda group: _age(group.talks[0]))


def merged(talks: Sequence[Entry], shared: Sequence[Shared]) -> tuple[Entry, ...]:
    """The talks with each shared group as one (see ``merged_entries``), in the order given."""
    kept = {entry.key: entry for entry in merged_entries(shared)}
    gone = {talk.key for group in shared for talk in group.talks[1:]}
    return tuple(kept.get(talk.key, talk) for talk in talks if talk.key not in gone)


def merged_entries(shared: Sequence[Shared]) -> list[Entry]:
    """Each group as one talk: its earliest published, with every speaker and tag of the group,
    updated when the latest of them was; a draft only when all are, expired when all are."""
    entries = []
    for group in shared:
        talks = group.talks
        expiries = [talk.expires for talk in talks]
        entries.append(
            replace(
                talks[0],
                authors=_union(talk.authors for talk in talks),
                tags=_union(talk.tags for talk in talks),
                modified=max(talk.modified or talk.published for talk in talks),
                draft=all(talk.draft for talk in talks),
                also_in=tuple(talk.source for talk in talks[1:]),
                expires=None if None in expiries else max(each for each in expiries if each is not None),
            )
        )
    return entries


_REASONS = {"event": "same event page and start", "title": "same title and start day"}


def _keys(talk: Entry) -> list[tuple[object, ...]]:
    if talk.start is None:
        return []
    keys: list[tuple[object, ...]] = []
    event = _event_key(talk.event_url)
    if event is not None:
        keys.append(("event", event, _start_key(talk.start)))
    title = _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", talk.title).casefold()).strip()
    if title:
        keys.append(("title", title, day_of(talk.start)))
    return keys


def _event_key(url: str | None) -> str | None:
    """An absolute web address, compared without case in its host, scheme and trailing slash."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def _start_key(start: TalkTime) -> object:
    """A start to compare: the instant of a time (whatever its offset), or the day of a date."""
    return start.timestamp() if isinstance(start, datetime) else start


def _age(talk: Entry) -> tuple[datetime, int, str]:
    return (talk.published, talk.source, talk.path)


def _union(values: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for group in values:
        for value in group:
            seen.setdefault(" ".join(value.casefold().split()), value)
    return tuple(seen.values())
