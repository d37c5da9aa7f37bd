"""Render each talk's part of every output once, in the worker that read it, for the store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from talkfeed.model import EVENTS_FOLDER, Credit, PartSettings, Talk, Wording
from talkfeed.plan import Plan, SourcePlan


@dataclass(frozen=True)
class PartMaker:
    """A build's work on each talk it reads: render its part of every output, as its language's
    settings shape them (a ``TalkWork``)."""

    settings: Mapping[str, PartSettings]
    """By language: only the languages the build renders."""
    stamps: Mapping[str, str] = field(init=False)
    """By language, what names its settings: made once, asked of every page."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "stamps", {code: stamp_of(each) for code, each in self.settings.items()})

    def stamp(self, lang: str) -> str | None:
        return self.stamps.get(lang)

    def __call__(self, talk: Talk) -> dict[str, str]:
        from talkfeed.pieces.render import render_pieces  # rendering's imports cost 0.3 s

        return render_pieces(talk, self.settings[talk.lang])


def stamp_of(settings: PartSettings) -> str:
    """Name the settings a talk's parts were made with (its wording included): a digest."""
    return hashlib.sha256(json.dumps(asdict(settings)).encode()).hexdigest()


def part_settings(plan: Plan, source: SourcePlan) -> dict[str, PartSettings]:
    """What a source's talks' parts depend on, per language: its base URL, the page about the
    feeds, and in an aggregate the site to credit."""
    return {
        code: PartSettings(
            base,
            plan.about_url,
            Credit(source.label, source.home_url) if plan.aggregate else None,
            plan.feeds_url + EVENTS_FOLDER if plan.feeds_url and "ics" in plan.formats else "",
            source.wordings.get(code) or Wording(),
        )
        for code, base in source.base_urls.items()
    }
