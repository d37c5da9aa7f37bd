"""Render JSON Feed 1.1 as data, written with ``json``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from talkfeed.formats.format import FeedLink, ViewFiles
from talkfeed.formats.slots import Chunk, Content, Version, joined, no_version, slots, spliced
from talkfeed.formats.web import Item
from talkfeed.model import Entry, FeedSettings, Part, TalkTime, own_piece

JSON_NAME = "feed.json"
VERSION = "https://jsonfeed.org/version/1.1"
_encode_text: Callable[[str], str] = json.encoder.encode_basestring
_MEMBER = object()
"""The key of a list's member, which has none."""


_ITEM_INDENT = " " * 4


def json_piece(item: Item) -> str:
    """Render one item as it stands in the feed's ``items`` list, indented to its place.

    The text is what ``json.dumps(data, ensure_ascii=False, indent=2)`` gives, each line
    indented by four spaces more; with ``indent``, ``json`` encodes in Python, value by value.
    """
    out = [_ITEM_INDENT]
    _write(_item(item), _ITEM_INDENT, out)
    return "".join(out)


def _write(value: Any, indent: str, out: list[str]) -> None:
    """Append ``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it at
    ``indent``: texts through json's own C encoder, the layout as its Python encoder makes it."""
    kind = type(value)
    if kind is str:
        out.append(_encode_text(value))
    elif (kind is dict or kind is list) and value:
        inner = indent + "  "
        out.append("{\n" if kind is dict else "[\n")
        members = value.items() if kind is dict else ((_MEMBER, member) for member in value)
        for index, (key, member) in enumerate(members):
            out.append(",\n" + inner if index else inner)
            if key is not _MEMBER:
                out.append(_encode_text(key) + ": ")
            _write(member, inner, out)
        out.append("\n" + indent + ("}" if kind is dict else "]"))
    else:
        out.append(json.dumps(value))


def render_json_feed(entries: Sequence[Entry], settings: FeedSettings, part: Part = own_piece) -> bytes:
    """Render the feed; keys keep one order and dates are RFC 3339, so output is reproducible."""
    return joined(json_chunks(entries, settings, part))


def json_chunks(
    entries: Sequence[Entry], settings: FeedSettings, part: Part, version: Version = no_version
) -> Iterator[Chunk]:
    """Give the feed a piece at a time: its head, each item (a slot), its end.

    The document is exactly what ``json.dumps(feed, indent=2)`` gives for the whole feed, with
    ``items`` its last key: each item's piece is that text, rendered once per talk.
    """
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": settings.title,
        "home_page_url": settings.home_url,
        "feed_url": settings.feeds_url + JSON_NAME,
        "description": settings.description,
    }
    if settings.hubs:
        # JSON Feed 1.1: with WebSub, the feed_url is the topic a subscriber gives the hub.
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in settings.hubs]
    if settings.language:
        feed["language"] = settings.language
    if settings.icon_url is not None:
        feed["icon"] = feed["favicon"] = settings.icon_url
    feed["authors"] = [{"name": settings.author}]
    head = json.dumps(feed, ensure_ascii=False, indent=2)
    # ``head`` ends with "\n}": the items go in as the object's last member.
    yield (head[: -len("\n}")] + ',\n  "items": ').encode("utf-8")
    if not entries:
        yield b"[]\n}\n"
        return
    slot = slots("json", part, version)
    for index, entry in enumerate(entries):
        yield b"[\n" if index == 0 else b",\n"
        yield slot(entry, None)
    yield b"\n  ]\n}\n"


class _JsonFeed:
    """JSON Feed 1.1 (see ``Format``): one file per view."""

    name = "json"
    feed_file = JSON_NAME
    styled = False

    def piece(self, item: Item) -> str:
        return json_piece(item)

    def links(self, settings: FeedSettings, main: bool, upcoming_title: str) -> Sequence[FeedLink]:
        return [FeedLink("JSON Feed 1.1", settings.feeds_url + JSON_NAME, "application/feed+json")]

    def files(self, view: ViewFiles) -> Iterator[tuple[str, Content]]:
        talks = view.feed_talks()
        yield (
            view.view.folder + JSON_NAME,
            spliced(json_chunks, talks, view.settings, view.part, view.version),
        )


JSON = _JsonFeed()


def _item(item: Item) -> dict[str, Any]:
    talk = item.talk
    data: dict[str, Any] = {
        "id": item.id,
        "url": item.url,
        "title": talk.title,
        "content_html": item.content_html,
    }
    if item.summary_text:
        data["summary"] = item.summary_text
    data["date_published"] = _timestamp(talk.published)
    data["date_modified"] = _timestamp(talk.modified or talk.published)
    if talk.authors:
        data["authors"] = [{"name": name} for name in talk.authors]
    if talk.tags:
        data["tags"] = list(talk.tags)
    if item.image is not None:
        data["image"] = item.image.url
    if item.attachments:
        data["attachments"] = [
            {"url": file.url, "mime_type": file.media_type, "title": file.title, "size_in_bytes": file.size}
            for file in item.attachments
        ]
    data["_talk"] = _talk_extension(item)
    return data


def _talk_extension(item: Item) -> dict[str, Any]:
    talk = item.talk
    data: dict[str, Any] = {"about": item.about_url + "#talk-extension"} if item.about_url else {}
    if talk.start is not None:
        data["start"] = _iso(talk.start)
        data["all_day"] = not isinstance(talk.start, datetime)
    if talk.end is not None:
        data["end"] = _iso(talk.end)
    optional = {
        "event": item.event_text,
        "event_url": urljoin(item.url, talk.event_url) if talk.event_url else None,
        "location": talk.location,
    }
    data.update({key: value for key, value in optional.items() if value})
    if talk.address:
        data["address"] = list(talk.address)
    if item.credits:
        data["sources"] = [
            {"name": credit.label, "url": credit.site_url, "page": credit.page_url} for credit in item.credits
        ]
    return data


def _timestamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _iso(value: TalkTime) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()
