"""Choose the talks a feed shows and put them in feed order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from talkfeed.model import Entry, Selection

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def collect_talks(talks: Iterable[Entry], selection: Selection) -> list[Entry]:
    """Keep the talks Hugo would publish, newest first; equal dates fall back to permalink order."""
    return list(
        in_order([talk for talk in talks if _is_published(talk, selection)], lambda talk: talk.published)
    )


def in_order(
    talks: Iterable[Entry], moment: Callable[[Entry], datetime], newest_first: bool = True
) -> tuple[Entry, ...]:
    """Sort once with a total key: the moment (newest or oldest first), the permalink, the source."""
    sign = -1 if newest_first else 1
    return tuple(
        sorted(talks, key=lambda talk: (sign * _microseconds(moment(talk)), talk.url_path, talk.source))
    )


def _microseconds(moment: datetime) -> int:
    """An exact number for an aware moment, so a sort key can negate it."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def held_back(talk: Entry, selection: Selection) -> str | None:
    """Say why a talk stays out of the feeds ("draft", "future", "expired"), or ``None``."""
    if talk.draft and not selection.drafts:
        return "draft"
    if talk.published > selection.now and not selection.future:
        return "future"
    if talk.expires is not None and talk.expires <= selection.now and not selection.expired:
        return "expired"
    return None


def _is_published(talk: Entry, selection: Selection) -> bool:
    return held_back(talk, selection) is None
