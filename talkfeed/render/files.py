"""Lay out every file of a build (the feeds of each view, calendars, pages, the CSS), each as a
function that gives its bytes a piece at a time from the talks' stored parts."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import quote

from talkfeed.model import FORMATS, Entry, FeedSettings, Part
from talkfeed.plan import ABOUT_NAME, Plan
from talkfeed.render.calendar import CALENDAR_NAME, calendar_chunks, event_calendar_chunks
from talkfeed.render.calendar_links import event_file_name
from talkfeed.render.feeds import ATOM_NAME, RSS_NAME, atom_chunks, rss_chunks
from talkfeed.render.html.page import (
    PAGE_NAME,
    STYLESHEET_NAME,
    FeedLink,
    ViewLink,
    feed_stylesheet,
    page_chunks,
    render_about,
    render_snippets,
)
from talkfeed.render.jsonfeed import JSON_NAME, json_chunks
from talkfeed.render.settings import feed_settings, titled
from talkfeed.render.slots import Chunk, Version, no_version
from talkfeed.render.words import words_for
from talkfeed.select.views import View, upcoming
from talkfeed.urls import talk_urls
from talkfeed.write.files import Content
from talkfeed.write.splice import Spliced

__all__ = ["FORMATS", "UPCOMING_CALENDAR_NAME", "feed_links", "render_files", "snippets", "view_settings"]

UPCOMING_CALENDAR_NAME = "upcoming.ics"
_PER_VIEWS = frozenset({"tag", "author", "lang", "past", "source"})
"""The views ``--per`` asks for: each gets its feeds, its calendar and its page."""
_FEED_FILES: Mapping[
    str, tuple[str, str, str, Callable[[Sequence[Entry], FeedSettings, Part, Version], Iterator[Chunk]]]
] = {
    "rss": (RSS_NAME, "RSS 2.0", "application/rss+xml", rss_chunks),
    "atom": (ATOM_NAME, "Atom 1.0", "application/atom+xml", atom_chunks),
    "json": (JSON_NAME, "JSON Feed 1.1", "application/feed+json", json_chunks),
}


def render_files(
    plan: Plan, views: Sequence[View], talks: Sequence[Entry], part: Part, version: Version = no_version
) -> dict[str, Content]:
    """Lay out the plan's formats of every view, keyed by path below the output folder.

    ``talks`` are every valid talk of the run, whose parts ``part`` gives and ``version`` names.
    Each file with talks in it is ``Spliced``: a function that gives its bytes a piece at a
    time, each talk's part a slot that the writer fills or copies from the old file. No file is
    ever whole in memory.
    """
    newest = max((talk.modified or talk.published for talk in views[0].talks), default=None)
    languages = {plan.language, *(view.language for view in views if view.kind == "lang")}
    settings_by_language = {code: feed_settings(plan, talks, code, newest) for code in languages}
    upcoming_of = partial(upcoming, plan=plan)
    known = _remembered(version)
    outputs = _render(views, settings_by_language, plan.formats, plan.feed_limit, upcoming_of, part, known)
    if "ics" in plan.formats:
        outputs.update(_event_files(plan, views, settings_by_language[plan.language], part, known))
    return outputs


def _event_files(
    plan: Plan, views: Sequence[View], settings: FeedSettings, part: Part, version: Version
) -> dict[str, Content]:
    """Give each talk with a start its own calendar, which its article on the pages links ("add to
    calendar"): ``events/<slug>-<uid>.ics``, its event as the calendars have it."""
    files: dict[str, Content] = {}
    for view in views:
        for entry in view.talks:
            if entry.start is None:
                continue
            source = plan.source_of(entry)
            base = source.base_urls[entry.lang]
            lasting_id = talk_urls(entry.url_path, entry.listed_at, entry.outside_url, base)[1]
            name = event_file_name(lasting_id, entry.url_path)
            if name not in files:
                files[name] = Spliced(partial(_event_chunks, entry, settings, part, version))
    return files


def _event_chunks(
    entry: Entry, settings: FeedSettings, part: Part, version: Version, notes: Mapping[str, str]
) -> Iterator[Chunk]:
    return event_calendar_chunks(entry, settings, part, version, notes)


def _remembered(version: Version) -> Version:
    """Ask ``version`` once per talk: every file asks it for each of its talks."""
    known: dict[tuple[int, str], str | None] = {}

    def remembered(entry: Entry) -> str | None:
        try:
            return known[entry.key]
        except KeyError:
            told = known[entry.key] = version(entry)
            return told

    return remembered


def _render(
    views: Sequence[View],
    settings_by_language: Mapping[str, FeedSettings],
    formats: Collection[str],
    limit: int | None,
    upcoming_of: Callable[[Sequence[Entry]], Sequence[Entry]],
    part: Part,
    version: Version,
) -> dict[str, Content]:
    main = views[0]
    root = settings_by_language[main.language]
    if {"rss", "atom"} & set(formats):
        # Relative, so a feed opened from disk is styled too.
        root = replace(root, stylesheet_url=STYLESHEET_NAME)
    outputs: dict[str, Content] = {}
    for view in views:
        settings = view_settings(view, root, settings_by_language)
        if settings.stylesheet_url == STYLESHEET_NAME and view.folder:
            # A language's own feeds are styled in their own words.
            outputs[view.folder + STYLESHEET_NAME] = feed_stylesheet(settings.wording)
        for format_name, (name, _, _, chunks) in _FEED_FILES.items():
            if format_name in formats:
                outputs[view.folder + name] = _spliced(chunks, view.talks[:limit], settings, part, version)
        if "ics" in formats and view.kind in ("all", "upcoming"):
            calendar = CALENDAR_NAME if view.kind == "all" else UPCOMING_CALENDAR_NAME
            outputs[calendar] = _calendar(view.talks, settings, part, version, root.feeds_url + calendar)
        if view.kind in _PER_VIEWS:
            # Each --per view is a set of its own: feeds, calendar and page.
            if "ics" in formats:
                url = settings.feeds_url + CALENDAR_NAME
                outputs[view.folder + CALENDAR_NAME] = _calendar(view.talks, settings, part, version, url)
            if "html" in formats:
                outputs[view.folder + PAGE_NAME] = _spliced(
                    page_chunks,
                    view.talks,
                    settings,
                    feed_links(settings, formats, own_calendar_only=True),
                    (),
                    None if view.kind == "past" else upcoming_of(view.talks),
                    "../" * view.folder.count("/") + ABOUT_NAME,
                    part,
                    version,
                )
    if root.stylesheet_url is not None:
        outputs[STYLESHEET_NAME] = feed_stylesheet(root.wording)
    outputs[ABOUT_NAME] = render_about(root, feed_links(root, formats))
    if "html" in formats:
        outputs[PAGE_NAME] = _spliced(
            page_chunks,
            main.talks,
            root,
            feed_links(root, formats),
            _view_links(views[1:], root, settings_by_language, formats),
            next(view.talks for view in views if view.kind == "upcoming"),
            ABOUT_NAME,
            part,
            version,
        )
    return outputs


def snippets(plan: Plan) -> tuple[str, str]:
    """The HTML that links a build's feeds from the site's own pages: for its ``<head>``, and
    a block of subscribe links."""
    settings = feed_settings(plan, (), plan.language, None)
    return render_snippets(settings, feed_links(settings, plan.formats))


def _spliced(chunks: Callable[..., Iterable[Chunk]], *arguments: Any) -> Spliced:
    """A file whose chunks need no notes of the last run."""
    return Spliced(lambda notes: chunks(*arguments))


def _calendar(
    talks: Sequence[Entry], settings: FeedSettings, part: Part, version: Version, url: str
) -> Spliced:
    """A calendar file served at ``url``, which takes its events' time zones from the last run's
    notes where it can."""
    return Spliced(lambda notes: calendar_chunks(talks, settings, settings.title, part, version, notes, url))


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
        own_words = root.stylesheet_url is not None and language.wording != root.wording
        return replace(
            language,
            feeds_url=root.feeds_url + quote(view.folder),
            stylesheet_url=STYLESHEET_NAME if own_words else root.stylesheet_url,
            about_url=root.about_url,
        )
    words = words_for(root.wording)
    title = {
        "upcoming": words("talkfeed_upcoming"),
        "past": words("talkfeed_past"),
        "tag": words("talkfeed_tagged", view.label),
        "author": words("talkfeed_by", view.label),
        "source": words("talkfeed_talks_from", view.label),
    }[view.kind]
    full_title = titled(title, site)
    return replace(
        root, title=full_title, description=full_title, feeds_url=root.feeds_url + quote(view.folder)
    )


def feed_links(
    root: FeedSettings, formats: Collection[str], own_calendar_only: bool = False
) -> list[FeedLink]:
    """The feeds and calendars of a set, for links to them; a view's page offers its own calendar only."""
    links = [
        FeedLink(title, root.feeds_url + name, media_type)
        for format_name, (name, title, media_type, _) in _FEED_FILES.items()
        if format_name in formats
    ]
    if "ics" in formats:
        words = words_for(root.wording)
        calendar = root.feeds_url + CALENDAR_NAME
        links.append(FeedLink(words("talkfeed_calendar"), calendar, "text/calendar", root.title))
        if not own_calendar_only:
            upcoming = root.feeds_url + UPCOMING_CALENDAR_NAME
            # Named as the calendar names itself: the title of the upcoming view's feeds.
            name = view_settings(View("upcoming/", "upcoming", "", (), root.language), root, {}).title
            links.append(FeedLink(words("talkfeed_upcoming_calendar"), upcoming, "text/calendar", name))
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


def is_feed(name: str) -> bool:
    """Tell whether a path below the output folder is a feed (a WebSub topic): RSS, Atom or JSON."""
    return name.rsplit("/", 1)[-1] in {file_name for file_name, *_ in _FEED_FILES.values()}
