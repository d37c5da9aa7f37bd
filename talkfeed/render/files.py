"""Lay out every file of a build (each format's files of each view, the page about the feeds),
each as a function that gives its bytes a piece at a time from the talks' stored parts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from urllib.parse import quote

from talkfeed.formats import FORMATS, FeedLink, Format, ViewFiles, ViewLink, format_of
from talkfeed.formats.slots import Content, Version, no_version
from talkfeed.formats.web.page import STYLESHEET_NAME, render_about, render_snippets
from talkfeed.formats.words import words_for
from talkfeed.model import Entry, FeedSettings, Part, dated
from talkfeed.plan import ABOUT_NAME, Plan
from talkfeed.render.settings import feed_settings, titled
from talkfeed.select.views import View, started, upcoming

__all__ = ["feed_links", "render_files", "snippets", "view_settings"]

_PER_VIEWS = frozenset({"tag", "author", "lang", "past", "source"})
"""The views ``--per`` asks for: each is a set of its own, with its calendar and its page."""


def render_files(
    plan: Plan, views: Sequence[View], talks: Sequence[Entry], part: Part, version: Version = no_version
) -> dict[str, Content]:
    """Lay out the plan's formats of every view, keyed by path below the output folder.

    ``talks`` are every valid talk of the run, whose parts ``part`` gives and ``version`` names.
    Each file with talks in it is ``Spliced``: a function that gives its bytes a piece at a
    time, each talk's part a slot that the writer fills or copies from the old file. No file is
    ever whole in memory.
    """
    newest = max((talk.modified or talk.published for talk in dated(views[0].talks)), default=None)
    languages = {plan.language, *(view.language for view in views if view.kind == "lang")}
    settings_by_language = {code: feed_settings(plan, talks, code, newest) for code in languages}
    known = _remembered(version)
    return _render(
        views,
        settings_by_language,
        plan.formats,
        plan.feed_limit,
        partial(upcoming, plan=plan),
        partial(started, plan=plan),
        part,
        known,
        plan.lasting_id,
    )


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
    chosen: Sequence[str],
    limit: int | None,
    upcoming_of: Callable[[Sequence[Entry]], Sequence[Entry]],
    started_of: Callable[[Sequence[Entry]], Sequence[Entry]],
    part: Part,
    version: Version,
    ids: Callable[[Entry], str],
) -> dict[str, Content]:
    formats = [format_of(name) for name in chosen]
    main = views[0]
    root = settings_by_language[main.language]
    if any(each.styled for each in formats):
        # Relative, so a feed opened from disk is styled too.
        root = replace(root, stylesheet_url=STYLESHEET_NAME)
    upcoming_title = _upcoming_title(root)
    outputs: dict[str, Content] = {}
    for view in views:
        settings = view_settings(view, root, settings_by_language)
        own_set = view.kind in _PER_VIEWS
        files = ViewFiles(
            view=view,
            settings=settings,
            root=root,
            part=part,
            version=version,
            limit=limit,
            feeds=feed_links(settings, formats, view.kind == "all", upcoming_title),
            views=_view_links(views[1:], root, settings_by_language, formats) if view.kind == "all" else (),
            upcoming=upcoming_of,
            started=started_of,
            about_href="../" * view.folder.count("/") + ABOUT_NAME,
            own_set=own_set,
            ids=ids,
        )
        for each in formats:
            outputs.update(each.files(files))
    outputs[ABOUT_NAME] = render_about(root, feed_links(root, formats, True, upcoming_title))
    return outputs


def snippets(plan: Plan) -> tuple[str, str]:
    """The HTML that links a build's feeds from the site's own pages: for its ``<head>``, and
    a block of subscribe links."""
    settings = feed_settings(plan, (), plan.language, None)
    formats = [format_of(name) for name in plan.formats]
    return render_snippets(settings, feed_links(settings, formats, True, _upcoming_title(settings)))


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
    settings: FeedSettings, formats: Sequence[Format], main: bool, upcoming_title: str = ""
) -> list[FeedLink]:
    """The feeds and calendars of a set served at ``settings.feeds_url``, for links to them (the
    main set's, or a view's own)."""
    return [link for each in formats for link in each.links(settings, main, upcoming_title)]


def _upcoming_title(root: FeedSettings) -> str:
    """The title of the main set's upcoming view, as its feeds and calendar name it."""
    return view_settings(View("upcoming/", "upcoming", "", (), root.language), root, {}).title


def _view_links(
    views: Sequence[View],
    root: FeedSettings,
    settings_by_language: Mapping[str, FeedSettings],
    formats: Sequence[Format],
) -> list[ViewLink]:
    """Link each view: its own page where it has one, else its first feed."""
    feeds = [each.feed_file for each in formats if each.feed_file is not None]
    has_page = "html" in {each.name for each in formats}
    links = []
    for view in views:
        settings = view_settings(view, root, settings_by_language)
        if view.kind in _PER_VIEWS and has_page:
            links.append(ViewLink(settings.title, settings.feeds_url))
        elif feeds:
            links.append(ViewLink(settings.title, settings.feeds_url + feeds[0]))
    return links


def is_feed(name: str) -> bool:
    """Tell whether a path below the output folder is a feed (a WebSub topic): RSS, Atom, JSON Feed."""
    return name.rsplit("/", 1)[-1] in {format_of(each).feed_file for each in FORMATS}
