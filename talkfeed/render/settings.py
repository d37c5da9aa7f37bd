"""Settle each language's feed settings: titles, author, language and the feeds' own URLs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from talkfeed.formats.words import words_for
from talkfeed.model import Entry, FeedSettings, Wording
from talkfeed.plan import Plan
from talkfeed.urls import permalink
from talkfeed.version import __version__


def feed_settings(plan: Plan, talks: Sequence[Entry], code: str, newest: datetime | None) -> FeedSettings:
    """The settings of one language's feeds; ``talks`` are every valid talk of the run.

    An empty feed is dated ``newest``, the newest talk the main feed publishes, never the clock.
    """
    if plan.aggregate:
        return _aggregate_settings(plan, code, newest)
    source = plan.sources[0]
    site = source.site
    language = site.languages.get(code)
    base_url = source.base_urls[code]
    site_title = plan.title or (language and language.title) or site.title or ""
    own = [talk for talk in talks if talk.lang == code]
    wording = source.wordings.get(code) or Wording()
    words = words_for(wording)
    return FeedSettings(
        base_url=base_url,
        feeds_url=base_url + plan.served_path,
        home_url=_home_url(own, base_url, f"{code}/" if site.prefixes(code) else ""),
        title=plan.title or titled(words("talks"), site_title),
        description=words("talkfeed_talks_from", site_title) if site_title else words("talks"),
        language=(language and language.language_code) or site.language_code or code,
        author=plan.author or site.author or site_title or "talkfeed",
        generator="talkfeed",
        version=__version__,
        site_title=site_title,
        icon_url=base_url + site.icon if site.icon else None,
        empty_updated=newest,
        about_url=plan.about_url,
        hubs=plan.hubs,
        calendar_refresh=plan.calendar_refresh,
        wording=wording,
    )


def titled(title: str, site_title: str) -> str:
    """Name a set of feeds after the site: "Talks — Site", "Upcoming talks — Site"."""
    return f"{title} — {site_title}" if site_title else title


def _aggregate_settings(plan: Plan, code: str, newest: datetime | None) -> FeedSettings:
    """The feeds of several sites: named and linked by the aggregate's own settings, served at
    its base URL, whose page is their home."""
    wording = next((source.wordings[code] for source in plan.sources if code in source.wordings), Wording())
    words = words_for(wording)
    names = words.series([source.label for source in plan.sources])
    title = plan.title or titled(words("talks"), names)
    return FeedSettings(
        base_url=plan.feeds_url,
        feeds_url=plan.feeds_url,
        home_url=plan.feeds_url,
        title=title,
        description=words("talkfeed_talks_from", names),
        language=code,
        author=plan.author or plan.title or names,
        generator="talkfeed",
        version=__version__,
        site_title=plan.title or names,
        empty_updated=newest,
        about_url=plan.about_url,
        hubs=plan.hubs,
        calendar_refresh=plan.calendar_refresh,
        wording=wording,
    )


def _home_url(talks: Sequence[Entry], base_url: str, home_path: str) -> str:
    """The page the feeds stand for: the list page Hugo publishes that shows all the talks (their
    section's), else the language's home page."""
    list_paths = {talk.list_path for talk in talks}
    return permalink(base_url, list_paths.pop() if len(list_paths) == 1 else home_path)
