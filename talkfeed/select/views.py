"""Decide which feeds a build publishes: all talks, upcoming and past, per tag, author and language.

A view is a list of talks in its own order with its own title, written into its own folder
below the output folder.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from talkfeed.model import Entry, moment_of
from talkfeed.select.choose import collect_talks, in_order
from talkfeed.slugs import folder_name, hashed

if TYPE_CHECKING:
    from talkfeed.plan import Plan

PER_CHOICES = ("tag", "author", "lang", "past", "source")
_VIEW_FOLDERS = frozenset({"upcoming", "past", "tags", "authors", "sources"})
Zones = Callable[[Entry], tzinfo]
"""Gives the zone of a talk's dates written without an offset (its site's)."""


@dataclass(frozen=True)
class View:
    """One set of feeds: its folder ("" or "tags/x/"), its talks in order, and how it is named."""

    folder: str
    kind: str
    """"all", "upcoming", "past", "tag", "author", "lang" or "source"."""
    label: str
    """What the view holds, for titles: the tag, the author, the language or the source; "" for all."""
    talks: tuple[Entry, ...]
    language: str


def choose_views(plan: Plan, talks: Sequence[Entry]) -> list[View]:
    """Choose and order the talks of every view the plan asks for, from every valid talk.

    The main feeds hold each source's talks in the language it publishes. Per-language views
    are made for the languages the sources render that have talks.
    """
    chosen = collect_talks((talk for talk in talks if plan.publishes(talk)), plan.selection)
    by_language: dict[str, list[Entry]] = {}
    if "lang" in plan.per:
        rendered = [talk for talk in talks if talk.lang in plan.source_of(talk).languages]
        for code in sorted(({talk.lang for talk in rendered} | {plan.language}) - {""}):
            own = (talk for talk in rendered if talk.lang == code)
            by_language[code] = collect_talks(own, plan.selection)
    labels = [source.label for source in plan.sources]
    return plan_views(chosen, by_language, plan.language, plan.per, plan.now, plan.zone_of, labels)


def plan_views(
    talks: Sequence[Entry],
    by_language: Mapping[str, Sequence[Entry]],
    language: str,
    per: Iterable[str],
    now: datetime,
    zone: Zones,
    source_labels: Sequence[str] = (),
) -> list[View]:
    """Lay out the views of one build; ``talks`` are the main feeds', in feed order.

    Upcoming talks start after ``now`` (soonest first); past ones, written only when asked
    for, do not (latest first); talks without a start are in neither. Per-tag, per-author
    and per-source views keep feed order; a source's view is named by ``source_labels``.
    """
    wanted = set(per)
    views = [
        View("", "all", "", tuple(talks), language),
        View("upcoming/", "upcoming", "", _upcoming(talks, now, zone), language),
    ]
    if "past" in wanted:
        views.append(View("past/", "past", "", _past(talks, now, zone), language))
    if "tag" in wanted:
        views += _grouped(talks, "tags", "tag", language, lambda talk: _named(talk.tags))
    if "author" in wanted:
        views += _grouped(talks, "authors", "author", language, lambda talk: talk.speakers)
    if "source" in wanted:
        views += _grouped(
            talks,
            "sources",
            "source",
            language,
            lambda talk: [(source_labels[each], source_labels[each]) for each in talk.sources],
        )
    if "lang" in wanted:
        folders = _language_folders(by_language)
        views += [
            View(f"{folders[code]}/", "lang", code, tuple(by_language[code]), code)
            for code in sorted(by_language)
        ]
    return views


def _language_folders(codes: Iterable[str]) -> dict[str, str]:
    """Give each language a folder of its own below the output folder.

    A code's slug serves unless it is empty, holds a dot (a feed's file name), is another
    view's folder, or is also the slug of another code that it does not spell exactly; then
    the slug gains a hash of the code.
    """
    slugs = {code: folder_name(code) for code in codes}
    counts = Counter(slugs.values())
    return {
        code: slug
        if slug and "." not in slug and slug not in _VIEW_FOLDERS and (counts[slug] == 1 or slug == code)
        else hashed(code, slug.replace(".", "-"))
        for code, slug in slugs.items()
    }


def start_moment(talk: Entry, zone: tzinfo) -> datetime | None:
    """When a talk begins, as an aware datetime; an all-day talk begins at midnight in ``zone``."""
    return None if talk.start is None else moment_of(talk.start, zone)


def upcoming(talks: Sequence[Entry], plan: Plan) -> tuple[Entry, ...]:
    """The talks that start after the plan's ``now``, soonest first."""
    return _upcoming(talks, plan.now, plan.zone_of)


def started(talks: Sequence[Entry], plan: Plan) -> tuple[Entry, ...]:
    """The talks that started by the plan's ``now``, the latest first."""
    return _past(talks, plan.now, plan.zone_of)


def _upcoming(talks: Sequence[Entry], now: datetime, zone: Zones) -> tuple[Entry, ...]:
    starts = _starts(talks, zone)
    chosen = [talk for talk in talks if talk.key in starts and starts[talk.key] > now]
    return in_order(chosen, lambda talk: starts[talk.key], newest_first=False)


def _past(talks: Sequence[Entry], now: datetime, zone: Zones) -> tuple[Entry, ...]:
    starts = _starts(talks, zone)
    chosen = [talk for talk in talks if talk.key in starts and starts[talk.key] <= now]
    return in_order(chosen, lambda talk: starts[talk.key], newest_first=True)


def _starts(talks: Sequence[Entry], zone: Zones) -> dict[tuple[int, str], datetime]:
    return {talk.key: moment for talk in talks if (moment := start_moment(talk, zone(talk))) is not None}


def _grouped(
    talks: Sequence[Entry],
    folder: str,
    kind: str,
    language: str,
    values: Callable[[Entry], Iterable[tuple[str, str]]],
) -> list[View]:
    """Group talks by ``values``: each a label and what names its folder (a speaker's slug)."""
    groups: dict[str, list[Entry]] = defaultdict(list)
    labels: dict[str, str] = {}
    for talk in talks:
        for value, named in values(talk):
            slug = folder_name(named)
            if slug and talk not in groups[slug]:
                groups[slug].append(talk)
                labels.setdefault(slug, value)
    return [
        View(f"{folder}/{slug}/", kind, labels[slug], tuple(groups[slug]), language)
        for slug in sorted(groups)
    ]


def _named(values: Iterable[str]) -> list[tuple[str, str]]:
    """Values named and folded by themselves (tags)."""
    return [(value, value) for value in values]
