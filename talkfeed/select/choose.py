"""Choose the talks a feed shows and put them in feed order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from talkfeed.model import Entry


@dataclass(frozen=True)
class Selection:
    """Which talks the default rules leave out; the run's options can let each kind back in."""

    now: datetime
    drafts: bool = False
    future: bool = False
    expired: bool = False
    limit: int | None = None


def collect_talks(talks: Iterable[Entry], selection: Selection) -> list[Entry]:
    """Keep the talks Hugo would publish, newest first; equal dates fall back to permalink order."""
    kept = [talk for talk in talks if _is_published(talk, selection)]
    kept.sort(key=lambda talk: talk.url_path)
    kept.sort(key=lambda talk: talk.published, reverse=True)
    return kept if selection.limit is None else kept[: selection.limit]


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
