"""Render each talk's part of every output once, in the worker that read it, for the store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from talkfeed.model import EVENTS_FOLDER, Credit, PartSettings, Talk
from talkfeed.plan import Plan, SourcePlan


@dataclass(frozen=True)
class PartMaker:
    """A build's work on each talk it reads: render its part of every output, as its language's
    settings shape them (a ``TalkWork``)."""

    settings: Mapping[str, PartSettings]
    """By language: only the languages the build renders."""

    def stamp(self, lang: str) -> str | None:
        settings = self.settings.get(lang)
        return None if settings is None else stamp_of(settings)

    def __call__(self, talk: Talk) -> dict[str, str]:
        from talkfeed.pieces.render import render_pieces  # rendering's imports cost 0.3 s

        return render_pieces(talk, self.settings[talk.lang])


def stamp_of(settings: PartSettings) -> str:
    """Name the settings a talk's parts were made with."""
    return json.dumps(asdict(settings))


def part_settings(plan: Plan, source: SourcePlan) -> dict[str, PartSettings]:
    """What a source's talks' parts depend on, per language: its base URL, the page about the
    feeds, and in an aggregate the site to credit."""
    return {
        code: PartSettings(
            base,
            plan.about_url,
            Credit(source.label, source.home_url) if plan.aggregate else None,
            plan.feeds_url + EVENTS_FOLDER if plan.feeds_url and "ics" in plan.formats else "",
        )
        for code, base in source.base_urls.items()
    }
