"""Render every file of a build, in memory: the feeds of each view, calendars, the page, the CSS."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from functools import partial
from urllib.parse import quote

from talkfeed.model import FORMATS, Entry, FeedSettings
from talkfeed.plan import ABOUT_NAME, Plan
from talkfeed.render.calendar import CALENDAR_NAME, render_calendar
from talkfeed.render.feeds import ATOM_NAME, RSS_NAME, render_atom, render_rss
from talkfeed.render.html.page import (
    PAGE_NAME,
    STYLESHEET_NAME,
    FeedLink,
    ViewLink,
    feed_stylesheet,
    render_about,
    render_page,
)
from talkfeed.render.jsonfeed import JSON_NAME, render_json_feed
from talkfeed.render.settings import feed_settings
from talkfeed.select.views import View, upcoming

__all__ = ["FORMATS", "UPCOMING_CALENDAR_NAME", "render_files", "view_settings"]

UPCOMING_CALENDAR_NAME = "upcoming.ics"
_PER_VIEWS = frozenset({"tag", "author", "lang", "past"})
"""The views ``--per`` asks for: each gets its feeds, its calendar and its page."""
_FEED_FILES: Mapping[str, tuple[str, str, str, Callable[[Sequence[Entry], FeedSettings], bytes]]] = {
    "rss": (RSS_NAME, "RSS 2.0", "application/rss+xml", render_rss),
    "atom": (ATOM_NAME, "Atom 1.0", "application/atom+xml", render_atom),
    "json": (JSON_NAME, "JSON Feed 1.1", "application/feed+json", render_json_feed),
}


def render_files(plan: Plan, views: Sequence[View], talks: Sequence[Entry]) -> dict[str, bytes]:
    """Render the plan's formats of every view to bytes, keyed by path below the output folder.

    ``talks`` are every valid talk of the run, whose parts are rendered already.
    """
    newest = max((talk.modified or talk.published for talk in views[0].talks), default=None)
    languages = {plan.language, *(view.language for view in views if view.kind == "lang")}
    settings_by_language = {code: feed_settings(plan, talks, code, newest) for code in languages}
    return _render(views, settings_by_language, plan.formats, plan.feed_limit, partial(upcoming, plan=plan))


def _render(
    views: Sequence[View],
    settings_by_language: Mapping[str, FeedSettings],
    formats: Collection[str],
    limit: int | None,
    upcoming_of: Callable[[Sequence[Entry]], Sequence[Entry]],
) -> dict[str, bytes]:
    main = views[0]
    root = settings_by_language[main.language]
    if {"rss", "atom"} & set(formats):
        # Relative, so a feed opened from disk is styled too.
        root = replace(root, stylesheet_url=STYLESHEET_NAME)
    outputs: dict[str, bytes] = {}
    for view in views:
        settings = view_settings(view, root, settings_by_language)
        for format_name, (name, _, _, render) in _FEED_FILES.items():
            if format_name in formats:
                outputs[view.folder + name] = render(view.talks[:limit], settings)
        if "ics" in formats and view.kind in ("all", "upcoming"):
            calendar = CALENDAR_NAME if view.kind == "all" else UPCOMING_CALENDAR_NAME
            outputs[calendar] = render_calendar(view.talks, settings, settings.title)
        if view.kind in _PER_VIEWS:
            # Each --per view is a set of its own: feeds, calendar and page.
            if "ics" in formats:
                outputs[view.folder + CALENDAR_NAME] = render_calendar(view.talks, settings, settings.title)
            if "html" in formats:
                outputs[view.folder + PAGE_NAME] = render_page(
                    view.talks,
                    settings,
                    _feed_links(settings, formats, own_calendar_only=True),
                    upcoming=upcoming_of(view.talks),
                    about_href="../" * view.folder.count("/") + ABOUT_NAME,
                )
    if root.stylesheet_url is not None:
        outputs[STYLESHEET_NAME] = feed_stylesheet()
    outputs[ABOUT_NAME] = render_about(root)
    if "html" in formats:
        outputs[PAGE_NAME] = render_page(
            main.talks,
            root,
            _feed_links(root, formats),
            _view_links(views[1:], root, settings_by_language, formats),
            upcoming=next(view.talks for view in views if view.kind == "upcoming"),
        )
    return outputs


def view_settings(
    view: View, root: FeedSettings, settings_by_language: Mapping[str, FeedSettings]
) -> FeedSettings:
    """Give a view its own title and self links, below the main feeds' folder."""
    if view.kind == "all":
        return root
    if root.stylesheet_url is not None:
        root = replace(root, stylesheet_url="../" * view.folder.count("/") + STYLESHEET_NAME)
    site = root.site_title
    if view.kind == "lang":
        language = settings_by_language[view.language]
        return replace(
            language,
            feeds_url=root.feeds_url + quote(view.folder),
            stylesheet_url=root.stylesheet_url,
            about_url=root.about_url,
        )
    title = {
        "upcoming": "Upcoming talks",
        "past": "Past talks",
        "tag": f"Talks tagged {view.label}",
        "author": f"Talks by {view.label}",
    }[view.kind]
    full_title = f"{title} — {site}" if site else title
    return replace(
        root, title=full_title, description=full_title, feeds_url=root.feeds_url + quote(view.folder)
    )


def _feed_links(
    root: FeedSettings, formats: Collection[str], own_calendar_only: bool = False
) -> list[FeedLink]:
    links = [
        FeedLink(title, root.feeds_url + name, media_type)
        for format_name, (name, title, media_type, _) in _FEED_FILES.items()
        if format_name in formats
    ]
    if "ics" in formats:
        links.append(FeedLink("Calendar (iCalendar)", root.feeds_url + CALENDAR_NAME, "text/calendar"))
        if not own_calendar_only:
            upcoming = root.feeds_url + UPCOMING_CALENDAR_NAME
            links.append(FeedLink("Upcoming talks (iCalendar)", upcoming, "text/calendar"))
    return links


def _view_links(
    views: Sequence[View],
    root: FeedSettings,
    settings_by_language: Mapping[str, FeedSettings],
    formats: Collection[str],
) -> list[ViewLink]:
    """Link each view: its own page where it has one, else its first feed."""
    names = [name for format_name, (name, *_) in _FEED_FILES.items() if format_name in formats]
    links = []
    for view in views:
        settings = view_settings(view, root, settings_by_language)
        if view.kind in _PER_VIEWS and "html" in formats:
            links.append(ViewLink(settings.title, settings.feeds_url))
        elif names:
            links.append(ViewLink(settings.title, settings.feeds_url + names[0]))
    return links
