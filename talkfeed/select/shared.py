"""Recognise one talk that several sources publish (co-speakers each list it) and publish it once;
keep each source to its own address.

Two published talks of different sources are one talk when they have the same event page and
start at the same moment (a time, not only a day: a conference's talks share its page and its
days), or have the same title (compared loosely) on the same start day. The item is the page of
the source listed first, a rule no member can win by back-dating a page: its id, link, title
and summary never pass to a page of a source listed after it. The item names every speaker and
links to each source's page. Two pages of one site stay two talks, as the site says, even when a
third page matches both.

A source publishes only at its own address: a page whose id lies at another source's address
(two sites with one base URL, or a ``url:`` into another's site) is an error naming both.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from talkfeed.errors import Finding, Severity
from talkfeed.model import UNDATED, Entry, day_of

_NOT_WORD = re.compile(r"[\W_]+")
_REASONS = {"event": "same event page and start", "title": "same title and start day"}
_Key = tuple[int, str]


@dataclass(frozen=True)
class Shared:
    """Talks of several sources that are one talk: the kept one first (its source listed first),
    and why they match."""

    talks: tuple[Entry, ...]
    reason: str

    @functools.cached_property
    def entry(self) -> Entry:
        """The group as one talk: the page of the source listed first, with every speaker and tag
        of the group, updated when the latest of them was, and the other sources that publish it."""
        speakers: dict[str, tuple[str, str]] = {}
        for talk in self.talks:
            for name, slug in talk.speakers:
                speakers.setdefault(_folded(name), (name, slug))
        # A page without a date dates nothing: the group is published when its first dated page was.
        changes = [talk.modified or talk.published for talk in self.talks if talk.published != UNDATED]
        return replace(
            self.talks[0],
            published=next((talk.published for talk in self.talks if talk.published != UNDATED), UNDATED),
            authors=tuple(name for name, _ in speakers.values()),
            author_slugs=tuple(slug for _, slug in speakers.values()),
            tags=_union(talk.tags for talk in self.talks),
            modified=max(changes, default=None),
            also_in=tuple(talk.source for talk in self.talks[1:]),
        )


def shared_talks(talks: Iterable[Entry]) -> list[Shared]:
    """Find the talks published by more than one source, grouped; the first-listed source's first.

    ``talks`` should be the published ones: a draft or a page not yet out merges into nothing.
    """
    by_key = {talk.key: talk for talk in talks}
    buckets: dict[tuple[object, ...], list[Entry]] = defaultdict(list)
    for talk in by_key.values():
        for match in _matches(talk):
            buckets[match].append(talk)
    links: list[tuple[_Key, _Key, str]] = []
    for match, bucket in buckets.items():
        first, *others = sorted(bucket, key=_precedence)
        kind = str(match[0])
        links += ((first.key, other.key, kind) for other in others if other.source != first.source)
    groups = _joined(links)
    found = []
    for members in groups:
        kept = _one_per_source(by_key[key] for key in members)
        if len(kept) < 2:
            continue
        inside = {talk.key for talk in kept}
        direct = {kind for one, other, kind in links if one in inside and other in inside}
        every = {kind for one, other, kind in links if one in members}
        why = sorted(_REASONS[kind] for kind in direct or every)
        found.append(Shared(tuple(kept), "; ".join(why)))
    return sorted(found, key=lambda group: _age(group.talks[0]))


def merged(talks: Sequence[Entry], shared: Sequence[Shared]) -> tuple[Entry, ...]:
    """The talks with each shared group as one (its ``entry``), in the order given."""
    kept = {group.entry.key: group.entry for group in shared}
    gone = {talk.key for group in shared for talk in group.talks[1:]}
    return tuple(kept.get(talk.key, talk) for talk in talks if talk.key not in gone)


@dataclass(frozen=True)
class Home:
    """A source as its findings name it: its label, and the addresses (base URLs) it publishes at."""

    label: str
    addresses: tuple[str, ...]


def foreign_ids(
    talks: Sequence[Entry],
    id_of: Callable[[Entry], str],
    name_of: Callable[[Entry], str],
    homes: Sequence[Home],
) -> tuple[list[Finding], set[_Key]]:
    """Find the talks whose id lies at another source's address; each is an error on its file.

    An id belongs to the source whose address is the longest start of it (scheme, ``www.``
    and the host's case aside); of two sources with one address, the one listed first. A talk
    of any other source there would take that source's id, or publish in its name (two sites
    left at a starter's ``baseURL``, a site copying another's, a ``url:`` into another's site).
    Relative addresses (a site with ``baseURL = "/"`` read by ``check``) claim nothing.
    """
    claims = [
        (key.rstrip("/") + "/", number)
        for number, home in enumerate(homes)
        for key in map(_address_key, home.addresses)
        if key is not None
    ]
    claims.sort(key=lambda claim: (-len(claim[0]), claim[1]))
    by_id: dict[str, list[Entry]] = defaultdict(list)
    for talk in talks:
        by_id[id_of(talk)].append(talk)
    findings = []
    left_out: set[_Key] = set()
    for lasting_id, group in by_id.items():
        owner = _owner(lasting_id, claims)
        if owner is None:
            continue
        owned = [talk for talk in group if talk.source == owner]
        for talk in group:
            if talk.source == owner:
                continue
            left_out.add(talk.key)
            home = homes[owner]
            where = (
                f"is also the id of {name_of(owned[0])}, a page of source {home.label}"
                if owned
                else f"lies at the address of source {home.label} ({', '.join(home.addresses)})"
            )
            message = (
                f"its id {lasting_id} {where}; a source publishes only at its own address, so this "
                f"page of source {homes[talk.source].label} is not published (give each site its own "
                "base URL, or remove the page; --skip-invalid publishes the rest)"
            )
            findings.append(Finding(name_of(talk), None, Severity.ERROR, message))
    return findings, left_out


def _owner(lasting_id: str, claims: Sequence[tuple[str, int]]) -> int | None:
    """The source whose address, of ``claims`` (longest first), an id lies at; ``None``: none."""
    key = _address_key(lasting_id)
    if key is None:
        return None
    return next((number for address, number in claims if key.startswith(address)), None)


def _address_key(url: str) -> str | None:
    """An absolute web address as sources are told apart by it: host (lower case, less ``www.``)
    and path; ``None`` for a relative one."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.netloc:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path or '/'}"


def _matches(talk: Entry) -> list[tuple[object, ...]]:
    if talk.start is None:
        return []
    found: list[tuple[object, ...]] = []
    event = _event_key(talk.event_url)
    if event is not None and isinstance(talk.start, datetime):
        found.append(("event", event, talk.start.timestamp()))
    title = _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", talk.title).casefold()).strip()
    if title:
        found.append(("title", title, day_of(talk.start)))
    return found


def _event_key(url: str | None) -> str | None:
    """An absolute web address, compared without its scheme, ``www.``, host case and end slash."""
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


def _joined(links: Sequence[tuple[_Key, _Key, str]]) -> list[set[_Key]]:
    """The groups of talks the links join, directly or through others."""
    groups: list[set[_Key]] = []
    for one, other, _ in links:
        touching = [group for group in groups if one in group or other in group]
        joined = {one, other}.union(*touching)
        groups = [group for group in groups if group not in touching] + [joined]
    return groups


def _one_per_source(talks: Iterable[Entry]) -> list[Entry]:
    """Keep the earliest published talk of each source (a site's two pages are two talks), the
    source listed first first."""
    kept: dict[int, Entry] = {}
    for talk in sorted(talks, key=_age):
        kept.setdefault(talk.source, talk)
    return sorted(kept.values(), key=_precedence)


def _age(talk: Entry) -> tuple[datetime, int, str]:
    return (talk.published, talk.source, talk.path)


def _precedence(talk: Entry) -> tuple[int, datetime, str]:
    """Which page of a shared talk is the item: its source's place in the list decides, never a
    date its author writes."""
    return (talk.source, talk.published, talk.path)


def _union(values: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for group in values:
        for value in group:
            seen.setdefault(_folded(value), value)
    return tuple(seen.values())


def _folded(value: str) -> str:
    """A name as two sites may write it alike: case and spacing aside."""
    return " ".join(value.casefold().split())
