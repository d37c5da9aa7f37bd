"""Render each talk's HTML for the feeds: the talk's facts on top, then its texts and links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from urllib.parse import quote, urljoin

import jinja2
from markupsafe import Markup, escape

from talkfeed.formats.web.markup import markdown_html, plain_text, safe_url, sanitize
from talkfeed.model import Credit, FileInfo, Link, Talk, TalkTime
from talkfeed.urls import permalink, talk_urls, with_scheme

_FIRST_PARAGRAPH = re.compile(r"<p>.*?</p>", re.DOTALL)

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("talkfeed.formats.web", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,  # else every render stats the template's file
)


@dataclass(frozen=True)
class Enclosure:
    """A file published with a talk, at its absolute URL."""

    url: str
    size: int
    media_type: str
    title: str
    dimensions: tuple[int, int] | None = None


@dataclass(frozen=True)
class Item:
    """A talk ready for every feed format: its URL and its HTML and text, rendered once."""

    talk: Talk
    url: str
    """Where the talk links: its page, or for a talk without one, its event or its list page."""
    summary_html: str
    summary_text: str
    content_html: str
    image: Enclosure | None = None
    attachments: tuple[Enclosure, ...] = ()
    id: str = ""
    """The talk's lasting id (GUID, Atom id, UID): its permalink, or for a talk without a page,
    its list page's URL with the talk's path as fragment, which never changes and never 404s."""

    about_url: str = ""
    """The page about the feeds, which documents the JSON extension."""
    credits: tuple[Credit, ...] = ()
    """In an aggregate: the sites that publish the talk, each with its page of it, the item's first."""
    events_url: str = ""
    """Where the talk's own calendar file is served (its folder); "" for none."""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.url)


def render_item(
    talk: Talk,
    base_url: str,
    about_url: str = "",
    credit: Credit | None = None,
    also: tuple[Credit, ...] = (),
    events_url: str = "",
) -> Item:
    """Render one talk's summary and full content as sanitized HTML with absolute URLs.

    In an aggregate, ``credit`` names the talk's site, and ``also`` the other sites that
    publish the same talk, each with its own page of it.
    """
    link, lasting_id = talk_urls(talk.url_path, talk.listed_at, talk.outside_url, base_url)
    url = permalink(base_url, talk.url_path)
    credits = (Credit(credit.label, credit.site_url, own_page(talk, base_url)), *also) if credit else ()
    clean = partial(sanitize, base=url)
    body_html = clean(markdown_html(talk.body)) if talk.body.strip() else ""
    abstract_html = clean(markdown_html(talk.abstract)) if talk.abstract else ""
    summary_html = _summary_html(talk, clean, abstract_html, body_html)
    content_html = TEMPLATES.get_template("item.html.j2").render(
        talk=talk,
        facts=facts_line(talk),
        event_html=event_html(talk, url),
        when=describe_when(talk.start, talk.end),
        where=", ".join(part for part in (talk.location, *talk.address) if part),
        abstract_html=Markup(abstract_html),
        body_html=Markup(body_html),
        links=talk_links(talk, url),
        credits=credits,
    )
    image = _enclosure(talk.image, "Featured image", url, base_url) if talk.image else None
    attachments = tuple(_enclosure(link.file, link.label, url, base_url) for link in talk.links if link.file)
    text = plain_text(summary_html)
    return Item(
        talk,
        link,
        summary_html,
        text,
        content_html.strip(),
        image,
        attachments,
        lasting_id,
        about_url,
        credits,
        events_url,
    )


def own_page(talk: Talk, base_url: str) -> str:
    """The page of its site that shows a talk: its own, or for a talk without one, its list page."""
    return permalink(base_url, talk.url_path if talk.listed_at is None else talk.listed_at)


def _enclosure(file: FileInfo, title: str, page_url: str, base_url: str) -> Enclosure:
    location = (
        base_url + quote(file.path) if file.in_site_root else urljoin(page_url, quote(file.path, safe="/%"))
    )
    return Enclosure(location, file.size, file.media_type, title, file.dimensions)


def facts_line(talk: Talk) -> tuple[str, ...]:
    """Say when and where in one line: ``Tue 4 Jan 2022 · Event · Location``."""
    facts = []
    if talk.start is not None:
        facts.append(_day_label(talk.start))
    facts += [part for part in (talk.event, talk.location) if part]
    return tuple(facts)


def describe_when(start: TalkTime | None, end: TalkTime | None) -> str:
    """Format a talk's time for people, each moment with its own UTC offset."""
    if start is None:
        return ""
    if not isinstance(start, datetime):
        last = end if end is not None and not isinstance(end, datetime) else None
        if last is None or last == start:
            return f"{_day_label(start)} (all day)"
        return f"{_day_label(start)} – {_day_label(last)} (all day)"
    if not isinstance(end, datetime):
        return f"{_day_label(start)}, {start:%H:%M} {_offset_label(start)}"
    if end.date() == start.date() and end.utcoffset() == start.utcoffset():
        return f"{_day_label(start)}, {start:%H:%M}–{end:%H:%M} {_offset_label(start)}"
    return (
        f"{_day_label(start)}, {start:%H:%M} {_offset_label(start)} – "
        f"{_day_label(end)}, {end:%H:%M} {_offset_label(end)}"
    )


def _day_label(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def _offset_label(value: datetime) -> str:
    offset = value.utcoffset() or timedelta()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _summary_html(talk: Talk, clean: partial[str], abstract_html: str, body_html: str) -> str:
    if talk.summary:
        return str(clean(markdown_html(talk.summary))).strip()
    if abstract_html:
        return abstract_html.strip()
    first = _FIRST_PARAGRAPH.search(body_html)
    return first.group() if first else ""


def event_html(talk: Talk, url: str) -> Markup | str:
    if not talk.event:
        return ""
    if talk.event_url and safe_url(talk.event_url):
        target = urljoin(url, talk.event_url)
        return Markup(f'<a href="{escape(target)}">{escape(talk.event)}</a>')
    return talk.event


def talk_links(talk: Talk, base: str) -> tuple[Link, ...]:
    """Keep a talk's links with safe schemes, made absolute against ``base`` (its permalink)."""
    return tuple(_absolute_link(link, base) for link in talk.links if safe_url(link.url))


def _absolute_link(link: Link, base: str) -> Link:
    return Link(link.label, urljoin(base, with_scheme(link.url)), link.kind)
