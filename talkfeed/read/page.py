"""Read one talk page into a ``Talk``: the one place raw front matter is seen.

Front matter may be YAML (``---``), TOML (``+++``) or JSON (``{ … }``), written for any
Academic / Wowchemy / Hugo Blox version from 2017 on; the page's own keys say which
era it follows.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from html import unescape
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from talkfeed.clean import clean_line, clean_text, safe_link
from talkfeed.errors import Finding, PageError
from talkfeed.model import UNDATED, Link, PermalinkRule, Talk
from talkfeed.read.cascade import Cascade, cascaded, renders_section
from talkfeed.read.decks import DeckSite, deck_links
from talkfeed.read.discover import PageFile
from talkfeed.read.notes import NotATalk, Notes, Refused
from talkfeed.read.page_body import read_body
from talkfeed.read.page_dates import DateReader, page_dates
from talkfeed.read.page_files import PageFiles
from talkfeed.read.parsing import DEFAULT_MAX_PAGE_BYTES, FrontMatter, go_true, read_page_text
from talkfeed.read.permalinks import PageFacts, PathStyle, page_url_path, sanitize_path
from talkfeed.urls import with_scheme

_YAML_11_TRUE = frozenset({"yes", "Yes", "YES", "on", "On", "ON"})
"""What YAML 1.1 reads as true and YAML 1.2 as text."""

_LINK_KEYS = (
    ("url_slides", "slides"),
    ("url_video", "video"),
    ("url_pdf", "pdf"),
    ("url_code", "code"),
    ("url_poster", "poster"),
    ("url_dataset", "dataset"),
    ("url_project", "project"),
    ("url_source", "source"),
)
"""The link keys of Academic and Wowchemy, each with its type (the language labels it)."""
FRONT_MATTER_KEYS = frozenset(
    {
        "title",
        "publishDate",
        "pubdate",
        "published",
        "date",
        "date_end",
        "all_day",
        "time_start",
        "time_end",
        "event_start",
        "event_end",
        "event_all_day",
        "event_name",
        "lastmod",
        "expiryDate",
        "draft",
        "event",
        "event_url",
        "location",
        "address",
        "summary",
        "abstract_short",
        "abstract",
        "authors",
        "author",
        "tags",
        "links",
        "slides",
        "image",
        "header",
        "slug",
        "url",
        "type",
        "headless",
        "build",
        "_build",
        "modified",
        "unpublishdate",
        *(key for key, _ in _LINK_KEYS),
    }
)
"""Every front-matter key talkfeed reads; the README documents each one."""
_CAPTURED_BY_TABLE = frozenset(
    key.lower() for key in FRONT_MATTER_KEYS - {"image", "title", "url", "date", "type", "header"}
)
MAX_ITEMS = 100
"""Tags, authors or links a page may give; more are cut with a warning."""
_T = TypeVar("_T")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ERA_2026_KEYS = ("event_name", "event_start", "event_end", "event_all_day")
_BLOX_2026_NAMES = {
    "event": "event_name",
    "date_end": "event_end",
    "all_day": "event_all_day",
    "url_slides": "links: [{type: slides, url: …}]",
    "url_video": "links: [{type: video, url: …}]",
    "url_pdf": "links: [{type: pdf, url: …}]",
    "url_code": "links: [{type: code, url: …}]",
}
"""Older keys a Hugo Blox 2026 page may still hold (they are read), and their new names."""
_ADDRESS_PARTS = ("street", "city", "region", "postcode", "country")
OWNER_IDS = ("me", "admin")
"""The ids themes give the site's owner: Hugo Blox 2025+ ``me``, Academic and Wowchemy ``admin``."""


@dataclass(frozen=True)
class ReadContext:
    """What reading a page needs to know about the site."""

    zone: tzinfo
    default_language: str
    prefixed_languages: frozenset[str] = frozenset()
    """The languages whose paths start with their code (``fr/talk/…``)."""
    list_sections: bool = True
    """Hugo renders sections' list pages (``disableKinds`` does not name ``section``)."""
    permalinks: Mapping[str, tuple[PermalinkRule, ...]] = field(default_factory=dict)
    """Each language's ``permalinks`` rules."""
    path_style: PathStyle = field(default_factory=PathStyle)
    date_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Hugo's ``frontmatter`` chains; empty for Hugo's defaults."""
    cascades: tuple[Cascade, ...] = ()
    authors: Mapping[tuple[str, str], str] | None = None
    """Display names by (language, author slug); language '' applies to all."""
    owner: str | None = None
    """The slug of the site owner's profile: what ``me`` (or ``admin``) names without a profile of its own."""
    site_root: Path | None = None
    static_dirs: tuple[str, ...] = ("static",)
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    """Pages larger than this are an error (``--max-page-size``)."""


@dataclass(frozen=True)
class PageResult:
    """A page read: its ``Talk`` (``None`` when it has errors or is not a talk) and findings."""

    talk: Talk | None
    findings: tuple[Finding, ...]
    skipped_reason: str | None = None
    dependencies: tuple[str, ...] = ()
    """Other files whose presence or size the result depends on (bundle files, images)."""


def read_page(page: PageFile, context: ReadContext) -> PageResult:
    """Read one page; never raises for bad input, which becomes error findings instead."""
    notes = Notes(page.name)
    if page.bundle is not None:
        notes.looked_at.append(str(page.bundle))
    try:
        regular = stat.S_ISREG(os.stat(page.path).st_mode)
    except OSError:
        regular = True  # reading it reports why it cannot be read
    if not regular:
        notes.warn("is not a regular file (a FIFO, device or socket); skipped")
        return _result(notes, None, skipped_reason="not a regular file")
    try:
        talk = _read(page, context, notes)
    except PageError as error:
        notes.error(error.message, error.line)
        return _result(notes, None)
    except Refused:
        return _result(notes, None)
    except NotATalk as reason:
        return _result(notes, None, skipped_reason=str(reason))
    except Exception as error:  # one page's bug must not stop the others
        notes.error(unexpected(error))
        return _result(notes, None)
    return _result(notes, None if notes.has_errors() else talk)


def _result(notes: Notes, talk: Talk | None, skipped_reason: str | None = None) -> PageResult:
    return PageResult(talk, notes.all(), skipped_reason, tuple(sorted(set(notes.looked_at))))


def unexpected(error: Exception) -> str:
    """Say in one line that talkfeed failed on a page, for a finding instead of a traceback."""
    return (
        f"talkfeed could not handle this page ({type(error).__name__}: {error}); the other pages "
        "go on; please report this with the page"
    )


def _read(page: PageFile, context: ReadContext, notes: Notes) -> Talk:
    text = read_page_text(page.path, limit=context.max_page_bytes)
    if text.decoding_problem_line is not None:
        notes.warn(
            "text is not valid UTF-8; undecodable bytes were replaced (save the file as UTF-8)",
            text.decoding_problem_line,
        )
    return _Fields(page, context, text.matter, notes).talk()


class _Fields:
    """Turn one page's front matter into a ``Talk``, noting each problem on its line."""

    def __init__(self, page: PageFile, context: ReadContext, matter: FrontMatter, notes: Notes) -> None:
        self.page = page
        self.context = context
        self.matter = matter
        self.notes = notes
        # Hugo's front-matter keys are case-insensitive: the first spelling of a key wins.
        self._spelling: dict[str, str] = {}
        values: dict[str, Any] = {}
        for key, value in matter.values.items():
            if str(key).lower() not in values:
                self._spelling[str(key).lower()] = str(key)
                values[str(key).lower()] = value
        lifted = self._lift_captured_keys(values)
        inherited = cascaded(context.cascades, page.parts[:-1], page.parts[-1], page.lang)
        self.values = {**{key: value for key, value in inherited.items() if key not in lifted}, **lifted}
        self.dates = DateReader(self.raw_date, self.spelled, self.line, notes, context.zone)
        self.files = PageFiles(page, context.site_root, context.static_dirs, notes)

    def talk(self) -> Talk:
        if self.values.get("type") == "widget_page" or self.values.get("headless") is True:
            raise NotATalk("not a talk page (a widget page or a headless bundle)")
        build = self._build_options()
        if build.get("list") == "never":
            raise NotATalk("left out of lists by its build options (list: never)")
        era_2026 = any(self._raw(key) is not None for key in _ERA_2026_KEYS)
        legacy = not era_2026 and any(self._raw(key) is not None for key in ("time_start", "time_end"))
        if era_2026:
            self._hint_new_names()
        dates = page_dates(self.dates, self.context.date_keys, self.page.path, self.page.parts[-1])
        start, end = self.dates.talk_times(era_2026, legacy, self._flag)
        lang = self.page.lang
        body = read_body(self.matter, self.notes)
        published = dates.published
        if published is None:
            published = UNDATED
        if published is UNDATED and not self.notes.has_errors():
            self.notes.warn(
                "no date: Hugo publishes the page dated 0001-01-01, and talkfeed lists it too (on the "
                "page and in the calendars by its start, last where it has none), but the feeds leave "
                "it out (add publishDate, for example publishDate: 2024-05-01T14:00:00Z)"
            )
        title = self._title()
        event_url = self._url("event_url")
        links = self._links()
        pageless = build.get("render") == "never"
        event_key = "event_name" if era_2026 and self._text("event_name") else "event"
        authors, author_slugs = self._authors(lang)
        return Talk(
            path=self.page.name,
            url_path=self._url_path(lang, title, dates.date, dates.slug),
            lang=lang,
            title=title,
            published=published,
            modified=dates.modified,
            expires=dates.expires,
            draft=self._draft(),
            start=start,
            end=end,
            event=self._plain(event_key),
            event_url=event_url,
            location=self._plain("location"),
            address=self._address(),
            summary=self._text("summary") or self._text("abstract_short"),
            abstract=self._text("abstract"),
            body=body,
            authors=authors,
            author_slugs=author_slugs,
            tags=self._strings("tags"),
            links=links,
            image=self.files.image(self._raw("image"), self._raw("header"), self.line),
            listed_at=self._section_path(lang) if pageless else None,
            outside_url=_outside_url(event_url, links) if pageless else None,
            list_path=self._section_path(lang),
            event_html=self._markup(event_key),
        )

    def _build_options(self) -> dict[str, str]:
        """Read Hugo's ``build`` options (``_build`` before Hugo 0.100), booleans as Hugo maps them."""
        value = self._raw("build")
        if value is None:
            value = self._raw("_build")
        if not isinstance(value, Mapping):
            return {}
        options = {}
        for key, setting in value.items():
            if isinstance(setting, bool):
                setting = "always" if setting else "never"
            options[str(key).lower()] = str(setting).strip().lower()
        return options

    def _section_path(self, lang: str) -> str:
        """The list page that shows a talk without a page: its section's, else the home page."""
        style = self.context.path_style
        section = self.page.parts[:1]
        shown = self.context.list_sections and renders_section(self.context.cascades, section, lang)
        parts = [sanitize_path(part, style) for part in section] if shown else []
        if lang in self.context.prefixed_languages:
            parts.insert(0, sanitize_path(lang, style))
        return "".join(f"{part}/" for part in parts)

    def line(self, key: str) -> int | None:
        """The line of a front-matter key, however the page spells it."""
        return self.matter.line_of(self._spelling.get(key.lower(), key))

    def spelled(self, key: str) -> str:
        """The key as the page writes it."""
        return self._spelling.get(key.lower(), key)

    def _lift_captured_keys(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """Read keys that TOML put inside a table by mistake (``tags`` after ``[header]``)."""
        lifted = dict(values)
        for table, content in values.items():
            if not isinstance(content, dict):
                continue
            captured = [
                key for key in content if key.lower() in _CAPTURED_BY_TABLE and key.lower() not in values
            ]
            for key in sorted(captured):
                self.notes.warn(
                    f"{key} is inside the [{table}] table (every key after [{table}] belongs to it); "
                    f"read as a top-level key: move it above [{table}]",
                    self.matter.line_of(key),
                )
                lifted[key.lower()] = content[key]
        return lifted

    def _raw(self, key: str) -> Any:
        assert key in FRONT_MATTER_KEYS, f"{key} is read but not listed in FRONT_MATTER_KEYS"
        return self.values.get(key.lower())

    def raw_date(self, key: str) -> Any:
        """A date key's value, for any key Hugo's ``frontmatter`` chains may name."""
        return self.values.get(key.lower())

    def _hint_new_names(self) -> None:
        """On a Hugo Blox 2026 page, point each older key still used to its new name."""
        for old, new in _BLOX_2026_NAMES.items():
            if self._raw(old) not in (None, ""):
                self.notes.warn(f"{old} is an older key; Hugo Blox 2026 names it {new}", self.line(old))

    def _draft(self) -> bool:
        """Read ``draft`` as Hugo does (``cast.ToBool``): a number other than 0, or a text Go's
        ``strconv.ParseBool`` reads as true; any other text ("yes", quoted) is no draft.

        YAML 1.1 (PyYAML, and Hugo up to 0.111) reads a bare ``yes`` or ``on`` as true; current
        Hugo reads YAML 1.2, to which it is text, so it publishes the page: talkfeed follows
        current Hugo and says so.
        """
        value = self._raw("draft")
        if value is True and (written := self.matter.written(self.spelled("draft"))) in _YAML_11_TRUE:
            self.notes.warn(
                f"draft: {written} is text to current Hugo, which publishes the page (Hugo 0.111 and "
                "older read it as true); talkfeed publishes it too (write draft: true to keep it out)",
                self.line("draft"),
            )
            return False
        return go_true(value)

    def _flag(self, key: str) -> bool:
        value = self._raw(key)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "yes", "on", "1")
        return value is True

    def _text(self, key: str) -> str | None:
        value = self._raw(key)
        if value is None:
            return None
        if isinstance(value, dict | list):
            self.notes.warn(
                f"{key} should be text, not a {'list' if isinstance(value, list) else 'table'}; ignored",
                self.line(key),
            )
            return None
        text = clean_text(value if isinstance(value, str) else str(value)).strip()
        return text or None

    def _plain(self, key: str) -> str | None:
        """Read a text that themes show as plain text, dropping any HTML tags written in it."""
        text = self._text(key)
        if text is None or "<" not in text:
            return text
        return clean_line(unescape(_HTML_TAG.sub(" ", text))) or None

    def _markup(self, key: str) -> str | None:
        """Read a text as written where it holds HTML (shown sanitized), else ``None``."""
        text = self._text(key)
        return text if text is not None and _HTML_TAG.search(text) else None

    def _url(self, key: str) -> str | None:
        url = self._text(key)
        if url is None:
            return None
        if not safe_link(url):
            self.notes.warn(
                f"{key} is not a web link (only http, https and mailto are kept); ignored", self.line(key)
            )
            return None
        return with_scheme(url)

    def _strings(self, key: str) -> tuple[str, ...]:
        value = self._raw(key)
        items = value if isinstance(value, list) else [value]
        seen: dict[str, None] = {}
        for item in items:
            if item is None or isinstance(item, dict | list):
                continue
            text = clean_line(str(item))
            if text:
                seen.setdefault(text)
        return self._bounded(key, tuple(seen))

    def _bounded(self, key: str, items: tuple[_T, ...]) -> tuple[_T, ...]:
        """Keep the first ``MAX_ITEMS`` of a list, saying so: each one costs every output a line."""
        if len(items) <= MAX_ITEMS:
            return items
        self.notes.warn(f"{key} has {len(items)} items; the first {MAX_ITEMS} are kept", self.line(key))
        return items[:MAX_ITEMS]

    def _title(self) -> str:
        title = self._text("title")
        if title is None:
            fallback = f"Untitled talk ({self.page.parts[-1]})"
            self.notes.warn(f'no title; shown as "{fallback}" (add title: ...)', 1)
            return fallback
        return title

    def _url_path(self, lang: str, title: str, date: datetime | None, slug: str | None) -> str:
        facts = PageFacts(
            sections=self.page.parts[:-1],
            file_name=self.page.parts[-1],
            title=title,
            slug=self._text("slug") or slug,
            date=date,
        )
        prefix = lang if lang in self.context.prefixed_languages else ""
        return page_url_path(
            facts=facts,
            url=self._text("url"),
            rules=self.context.permalinks.get(lang, ()),
            style=self.context.path_style,
            prefix=prefix,
        )

    def _address(self) -> tuple[str, ...]:
        value = self._raw("address")
        if isinstance(value, dict):
            parts = (value.get(key) for key in _ADDRESS_PARTS)
            return tuple(clean_text(str(part)).strip() for part in parts if part not in (None, ""))
        text = self._text("address")
        return (text,) if text else ()

    def _authors(self, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The speakers' names and slugs, as Hugo Blox resolves an id: the profile of its slug
        (``data/authors/<slug>.yaml``, else ``content/authors/<slug>/``), else the id as written.

        ``me`` (or ``admin``) without a profile of its own is the site's owner (talkfeed's rule:
        Hugo Blox's templates show such an id as written).
        """
        directory = self.context.authors or {}
        names: list[str] = []
        slugs: list[str] = []
        for written in self._strings("authors") or self._strings("author"):
            slug = sanitize_path(written, PathStyle())
            name = _profile(directory, lang, written) or _profile(directory, lang, slug)
            owner = self.context.owner
            if name is None and slug in OWNER_IDS and owner is not None:
                slug, name = owner, _profile(directory, lang, owner)
            names.append(name or written)
            slugs.append(slug)
        return tuple(names), tuple(slugs)

    def _own_pdf(self) -> Link | None:
        """The PDF of a bundle named as its folder (``2017_UV/2017_UV.pdf``), which Academic,
        Wowchemy and Hugo Blox find (``Resources.GetMatch "<ContentBaseName>.pdf"``) and link."""
        if self.page.bundle is None:
            return None
        name = f"{self.page.bundle.name}.pdf"
        return Link(None, name, "pdf") if self.files.bundle_file(name) is not None else None

    def _links(self) -> tuple[Link, ...]:
        return tuple(self.files.with_file(link) for link in self._link_list())

    def _link_list(self) -> tuple[Link, ...]:
        links = [Link(None, url, kind) for key, kind in _LINK_KEYS if (url := self._text(key)) is not None]
        own_pdf = self._own_pdf()
        if own_pdf is not None:
            # The themes link a bundle's <folder>.pdf as the talk's PDF, before any url_pdf.
            links = [own_pdf, *(link for link in links if link.kind != "pdf")]
        lang = self.page.lang
        prefix = lang if lang in self.context.prefixed_languages else ""
        site = DeckSite(
            self.context.permalinks.get(lang, ()),
            self.context.path_style,
            prefix,
            self.context.max_page_bytes,
        )
        links += deck_links(self._raw("slides"), self.files, site)
        value = self._raw("links")
        for item in value if isinstance(value, list) else []:
            if isinstance(item, dict) and (link := _link_from(item)) is not None:
                links.append(link)
        unique: dict[str, Link] = {}
        for link in links[: MAX_ITEMS * 2]:
            if safe_link(link.url):
                unique.setdefault(link.url, link)
            else:
                self.notes.warn(
                    f'link "{clean_line(link.url)[:80]}" is not a web link (only http, https and mailto '
                    "are kept); ignored",
                    self.line("links") if link.kind not in {kind for _, kind in _LINK_KEYS} else None,
                )
        return self._bounded("links", tuple(unique.values()))


def _profile(directory: Mapping[tuple[str, str], str], lang: str, slug: str) -> str | None:
    return directory.get((lang, slug)) or directory.get(("", slug))


def _link_from(item: Mapping[str, Any]) -> Link | None:
    url = item.get("url")
    if not isinstance(url, str) or not url.strip():
        return None
    named = item.get("name") or item.get("label")
    label = clean_line(str(named)) if named else None if item.get("type") else clean_line(url)
    kind = item.get("type") or item.get("icon") or "link"
    return Link(label or None, with_scheme(url.strip()), clean_line(str(kind)))


def _outside_url(event_url: str | None, links: tuple[Link, ...]) -> str | None:
    """Where a talk without a page of its own links: its event, else its first web link."""
    for url in (event_url, *(link.url for link in links)):
        if url is not None and urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc:
            return url
    return None
