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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, tzinfo
from html import unescape
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from talkfeed.clean import clean_line, clean_text, safe_link
from talkfeed.errors import Finding, PageError, Severity, finding_order
from talkfeed.model import FileInfo, Link, PermalinkRule, Talk, TalkTime, day_of, moment_of
from talkfeed.read.cascade import Cascade, cascaded, renders_section
from talkfeed.read.dates import (
    ACCEPTED_FORMS,
    DEFAULT_DATE_KEYS,
    DateError,
    date_from_file_name,
    hugo_refuses,
    parse_talk_time,
)
from talkfeed.read.discover import PageFile
from talkfeed.read.media import image_size, media_type
from talkfeed.read.parsing import DEFAULT_MAX_PAGE_BYTES, FrontMatter, read_page_text
from talkfeed.read.paths import cannot_read, file_inside, is_plain_name, read_regular
from talkfeed.read.permalinks import PageFacts, PathStyle, page_url_path, sanitize_path
from talkfeed.read.shortcodes import expand_shortcodes
from talkfeed.urls import with_scheme

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
MAX_NESTING = 100
"""How deep a page's content may nest; the HTML sanitizer's time grows with the square of it."""
_QUOTE_OR_INDENT = re.compile(r"[ \t>]*")
_LINE_LEAD = re.compile(r"^[ \t>]+", re.MULTILINE)
_OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
"""Where ``str.splitlines`` ends a line besides a line feed."""
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
_NOT_NESTING = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    | {"p", "li", "dt", "dd", "tr", "td", "th", "option", "tbody", "thead"}
)
"""Void elements, and elements HTML closes by itself, which are often written unclosed."""
_T = TypeVar("_T")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".svg")
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


_MISSING_HEADER_IMAGE = (
    'header image "{name}" is not in static/img/ (nor a theme\'s); the feeds carry no image for it'
)
"""A file of the site, not of the page: many pages of one theme name the same one."""


def once_per_site_file(findings: list[Finding]) -> list[Finding]:
    """Say each problem with one file of the site once, on the first page (in finding order)
    that names it, counting the others: a theme's missing header image is one problem."""
    pattern = re.compile(re.escape(_MISSING_HEADER_IMAGE).replace(re.escape("{name}"), '[^"]*') + "$")
    same: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=finding_order):
        if finding.severity is Severity.WARNING and pattern.match(finding.message):
            same.setdefault(finding.message, []).append(finding)
    kept: list[Finding] = []
    for finding in findings:
        group = same.get(finding.message)
        if group is None or len(group) == 1:
            kept.append(finding)
        elif finding is group[0]:
            others = len(group) - 1
            note = f" (also named by {others} other page{'s' if others > 1 else ''})"
            kept.append(replace(finding, message=finding.message + note))
    return kept


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
    notes = _Notes(page.name)
    if page.bundle is not None:
        notes.looked_at.append(str(page.bundle))
    try:
        regular = stat.S_ISREG(os.stat(page.path).st_mode)
    except OSError:
        regular = True  # reading it reports why it cannot be read
    if not regular:
        notes.warn("is not a regular file (a FIFO, device or socket); skipped")
        return notes.result(None, skipped_reason="not a regular file")
    try:
        talk = _read(page, context, notes)
    except PageError as error:
        notes.error(error.message, error.line)
        return notes.result(None)
    except _Refused:
        return notes.result(None)
    except _NotATalk as reason:
        return notes.result(None, skipped_reason=str(reason))
    except Exception as error:  # one page's bug must not stop the others
        notes.error(unexpected(error))
        return notes.result(None)
    return notes.result(None if notes.has_errors() else talk)


def unexpected(error: Exception) -> str:
    """Say in one line that talkfeed failed on a page, for a finding instead of a traceback."""
    return (
        f"talkfeed could not handle this page ({type(error).__name__}: {error}); the other pages "
        "go on; please report this with the page"
    )


class _Refused(Exception):
    """The page's errors are noted already; it yields no talk."""


class _NotATalk(Exception):
    """The page is not a talk (a widget page, a headless bundle); it is skipped quietly."""


class _Notes:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[Finding] = []
        self.looked_at: list[str] = []

    def error(self, message: str, line: int | None = None) -> None:
        self.items.append(Finding(self.name, line, Severity.ERROR, message))

    def warn(self, message: str, line: int | None = None) -> None:
        self.items.append(Finding(self.name, line, Severity.WARNING, message))

    def has_errors(self) -> bool:
        return any(item.severity is Severity.ERROR for item in self.items)

    def all(self) -> tuple[Finding, ...]:
        return tuple(self.items)

    def result(self, talk: Talk | None, skipped_reason: str | None = None) -> PageResult:
        return PageResult(talk, self.all(), skipped_reason, tuple(sorted(set(self.looked_at))))


def _read(page: PageFile, context: ReadContext, notes: _Notes) -> Talk:
    text = read_page_text(page.path, limit=context.max_page_bytes)
    if text.decoding_problem_line is not None:
        notes.warn(
            "text is not valid UTF-8; undecodable bytes were replaced (save the file as UTF-8)",
            text.decoding_problem_line,
        )
    return _Fields(page, context, text.matter, notes).talk()


class _Fields:
    """Turn one page's front matter into a ``Talk``, noting each problem on its line."""

    def __init__(self, page: PageFile, context: ReadContext, matter: FrontMatter, notes: _Notes) -> None:
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
        self._times: dict[str, TalkTime | None] = {}
        self._warned_dates: set[str] = set()

    def talk(self) -> Talk:
        if self.values.get("type") == "widget_page" or self.values.get("headless") is True:
            raise _NotATalk("not a talk page (a widget page or a headless bundle)")
        build = self._build_options()
        if build.get("list") == "never":
            raise _NotATalk("left out of lists by its build options (list: never)")
        era_2026 = any(self._raw(key) is not None for key in _ERA_2026_KEYS)
        legacy = not era_2026 and any(self._raw(key) is not None for key in ("time_start", "time_end"))
        if era_2026:
            self._hint_new_names()
        dates = _PageDates(self).resolve()
        start, end = self._talk_times(era_2026, legacy)
        lang = self.page.lang
        body = self._body()
        if dates.published is None:
            if not self.notes.has_errors():
                self.notes.error(
                    "no date: add publishDate (or date), for example publishDate: 2024-05-01T14:00:00Z"
                )
            raise _Refused
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
            published=dates.published,
            modified=dates.modified,
            expires=dates.expires,
            draft=self._flag("draft"),
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
            image=self._image(),
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

    def _talk_times(self, era_2026: bool, legacy: bool) -> tuple[TalkTime | None, TalkTime | None]:
        if era_2026:
            keys, all_day_key = ("event_start", "event_end"), "event_all_day"
        elif legacy:
            keys, all_day_key = ("time_start", "time_end"), "all_day"
        else:
            keys, all_day_key = ("date", "date_end"), "all_day"
        start, end = (self._time(key) for key in keys)
        if legacy and start is None:
            start = self._time("date")
        if self._flag(all_day_key):
            start = None if start is None else day_of(start)
            end = None if end is None else day_of(end)
        if start is None and end is not None:
            self.notes.warn(f"{keys[1]} is given without {keys[0]}; the end is ignored", self.line(keys[1]))
            end = None
        if start is not None and end is not None and _ends_before(start, end):
            self.notes.warn(
                f"{keys[1]} ({_show(end)}) is before {keys[0]} ({_show(start)}); "
                "the end is not shown (correct or remove it)",
                self.line(keys[1]),
            )
            end = None
        return start, end

    def _time(self, key: str) -> TalkTime | None:
        """Read a talk time key, warning once where Hugo would refuse its form."""
        value = self.time_of(key)
        raw = self.raw_date(key)
        if value is not None and hugo_refuses(raw) and key.lower() not in self._warned_dates:
            self._warned_dates.add(key.lower())
            self.notes.warn(
                f'{self.spelled(key)} "{raw}" is read as {_show(value)}, but Hugo refuses this form '
                "(write 2024-05-01 or 2024-05-01T14:00:00Z)",
                self.line(key),
            )
        return value

    def time_of(self, key: str) -> TalkTime | None:
        """Read a date key once, noting its errors once, however often it is asked for."""
        lower = key.lower()
        if lower not in self._times:
            self._times[lower] = self._read_time(key)
        return self._times[lower]

    def _read_time(self, key: str) -> TalkTime | None:
        value = self.raw_date(key)
        name = self.spelled(key)
        if isinstance(value, time):
            self.notes.error(f"{name} is a time of day without a date ({ACCEPTED_FORMS})", self.line(key))
            return None
        try:
            return parse_talk_time(value, self.context.zone)
        except DateError as error:
            self.notes.error(f"{name} {error} ({ACCEPTED_FORMS})", self.line(key))
            return None

    def warn_date(self, key: str, message: str) -> None:
        """Warn about a date key once, whichever chain reads it first."""
        if key.lower() not in self._warned_dates:
            self._warned_dates.add(key.lower())
            self.notes.warn(f"{self.spelled(key)} {message}", self.line(key))

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

    def _links(self) -> tuple[Link, ...]:
        return tuple(self._with_file(link) for link in self._link_list())

    def _with_file(self, link: Link) -> Link:
        if urlsplit(link.url).scheme or link.url.startswith(("/", "#")):
            return link
        found = self._bundle_file(link.url.split("#")[0].split("?")[0])
        return Link(link.label, link.url, link.kind, found) if found else link

    def _link_list(self) -> tuple[Link, ...]:
        links = [Link(None, url, kind) for key, kind in _LINK_KEYS if (url := self._text(key)) is not None]
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

    def _image(self) -> FileInfo | None:
        value = self._raw("image")
        named = value.get("filename") if isinstance(value, dict) else None
        if isinstance(named, str) and named.strip():
            found = self._bundle_file(named.strip())
            if found is None:
                self.notes.warn(
                    f'featured image "{named.strip()}" is not in the page bundle; '
                    "the feeds carry no image for it",
                    self.line("filename"),
                )
            return found
        if self.page.bundle is not None:
            for candidate in sorted(self.page.bundle.glob("featured.*"), key=lambda path: path.name):
                if candidate.suffix.lower() in _IMAGE_SUFFIXES:
                    return self._bundle_file(candidate.name)
        header = self._raw("header")
        named = header.get("image") if isinstance(header, dict) else None
        if isinstance(named, str) and named.strip():
            return self._static_image(named.strip())
        return None

    def _bundle_file(self, name: str) -> FileInfo | None:
        if self.page.bundle is None or not is_plain_name(name):
            return None
        self.notes.looked_at.append(str(self.page.bundle / unquote(name)))
        path = file_inside(self.page.bundle, name, self._boundary())
        return _file_info(path, name) if path is not None else None

    def _boundary(self) -> Path:
        return self.context.site_root or (self.page.bundle or self.page.path).parent

    def _static_image(self, name: str) -> FileInfo | None:
        root = self.context.site_root
        if root is None or not is_plain_name(name):
            return None
        for folder in self.context.static_dirs:
            self.notes.looked_at.append(str(root / folder / "img" / unquote(name)))
            path = file_inside(root / folder / "img", name, root)
            if path is not None:
                return _file_info(path, f"img/{name}", in_site_root=True)
        self.notes.warn(_MISSING_HEADER_IMAGE.format(name=name), self.line("image"))
        return None

    def _body(self) -> str:
        depth = _nesting_depth(self.matter.body)
        if depth > MAX_NESTING:
            raise PageError(
                f"the content nests {depth} levels deep (quotes, lists or HTML elements); "
                f"talkfeed renders up to {MAX_NESTING} (flatten it)",
                self.matter.body_line,
            )
        expansion = expand_shortcodes(clean_text(self.matter.body), self.matter.body_line)
        for line, message in expansion.warnings:
            self.notes.warn(message, line)
        return expansion.text


def _profile(directory: Mapping[tuple[str, str], str], lang: str, slug: str) -> str | None:
    return directory.get((lang, slug)) or directory.get(("", slug))


def _file_info(path: Path, url_path: str, in_site_root: bool = False) -> FileInfo:
    """Describe a file published with a talk; raises ``PageError`` when it cannot be read."""
    kind = media_type(path.name)
    dimensions = None
    try:
        if kind.startswith("image/"):
            dimensions = image_size(read_regular(path, 65535))
        size = path.stat().st_size
    except OSError as error:
        raise PageError(f"{url_path}: {cannot_read(error)}") from None
    return FileInfo(url_path, size, kind, in_site_root, dimensions)


def _link_from(item: Mapping[str, Any]) -> Link | None:
    url = item.get("url")
    if not isinstance(url, str) or not url.strip():
        return None
    named = item.get("name") or item.get("label")
    label = clean_line(str(named)) if named else None if item.get("type") else clean_line(url)
    kind = item.get("type") or item.get("icon") or "link"
    return Link(label or None, with_scheme(url.strip()), clean_line(str(kind)))


def _ends_before(start: TalkTime, end: TalkTime) -> bool:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return end < start
    return day_of(end) < day_of(start)


def _show(value: TalkTime | None) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value.isoformat()


def _outside_url(event_url: str | None, links: tuple[Link, ...]) -> str | None:
    """Where a talk without a page of its own links: its event, else its first web link."""
    for url in (event_url, *(link.url for link in links)):
        if url is not None and urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc:
            return url
    return None


@dataclass(frozen=True)
class _Dates:
    date: datetime | None
    published: datetime | None
    modified: datetime | None
    expires: datetime | None
    slug: str | None
    """The slug a ``:filename`` date gives, where it gives one."""


_CHAINS = ("date", "lastmod", "publishdate", "expirydate")
_PUBLISH_KEYS = frozenset({"date", "publishdate", "pubdate", "published"})
_CHAIN_LABELS = {"date": "the page date", "lastmod": "lastmod", "publishdate": "the publish date"}


class _PageDates:
    """Resolve a page's four dates along Hugo's ``frontmatter`` chains, as Hugo does.

    A chain's first key with a value wins; a key the page does not set stands for the date
    an earlier chain found (``publishDate`` falls back to the page date, which falls back to
    ``lastmod``). A value Hugo cannot parse is skipped, as Hugo 0.111 skipped it (current
    Hugo refuses the site), with a warning naming what was used instead.
    """

    def __init__(self, fields: _Fields) -> None:
        self.fields = fields
        self.resolved: dict[str, datetime] = {}
        self.sources: dict[str, str] = {}
        self.refused: list[tuple[str, str, object, TalkTime]] = []
        self.slug: str | None = None

    def resolve(self) -> _Dates:
        chains = self.fields.context.date_keys or DEFAULT_DATE_KEYS
        for name in _CHAINS:
            for key in chains.get(name, ()):
                value = self._value(key)
                if value is not None:
                    self.resolved[name] = value
                    self.sources[name] = key
                    break
        self._report_refused()
        modified = self.resolved.get("lastmod")
        if self.sources.get("lastmod") in _PUBLISH_KEYS:
            modified = None
        return _Dates(
            date=self.resolved.get("date"),
            published=self.resolved.get("publishdate"),
            modified=modified,
            expires=self.resolved.get("expirydate"),
            slug=self.slug,
        )

    def _value(self, key: str) -> datetime | None:
        fields, zone = self.fields, self.fields.context.zone
        if key == ":filename":
            moment, slug = date_from_file_name(fields.page.parts[-1], zone)
            if moment is not None:
                self.slug = slug or None
            return moment
        if key == ":filemodtime":
            try:
                return datetime.fromtimestamp(fields.page.path.stat().st_mtime, tz=UTC)
            except OSError:
                return None
        if key.startswith(":"):
            return None
        raw = fields.raw_date(key)
        if raw is None or raw == "":
            return self.resolved.get(key)
        parsed = fields.time_of(key)
        if parsed is None:
            return None
        if hugo_refuses(raw):
            self.refused.append((key, str(raw), raw, parsed))
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            fields.warn_date(
                key,
                f"is a bare number ({raw}): Hugo reads it as seconds since 1970 ({_show(parsed)}), "
                "and so does talkfeed (write a date such as 2024-05-01)",
            )
        return moment_of(parsed, zone)

    def _report_refused(self) -> None:
        for key, text, _, parsed in self.refused:
            used = [
                f"{self.fields.spelled(self.sources[name])} ({self.resolved[name].isoformat()}) "
                f"for {_CHAIN_LABELS[name]}"
                for name in ("publishdate", "date")
                if name in self.sources and self.sources[name] != key
            ]
            instead = f"uses {used[0]} instead" if used else "has no other date to use instead"
            self.fields.warn_date(
                key,
                f'"{text}" is not a date Hugo can read: current Hugo refuses to build the site and '
                f"Hugo 0.111 ignores the value; talkfeed ignores it too and {instead} "
                f"(write {_show(parsed)})",
            )


def _nesting_depth(markdown: str) -> int:
    """Bound how deep Markdown nests: quote markers and indentation per line, and raw HTML tags."""
    deepest = 0
    # Each line's leading quote markers and indentation; most lines have none.
    if _OTHER_LINE_BREAKS.search(markdown) is None:
        leads = (lead.group() for lead in _LINE_LEAD.finditer(markdown))
    else:
        leads = (lead.group() for line in markdown.splitlines() if (lead := _QUOTE_OR_INDENT.match(line)))
    for marks in leads:
        deepest = max(deepest, marks.count(">") + len(marks.expandtabs(4).replace(">", "")) // 2)
    depth = 0
    for match in _TAG.finditer(markdown):
        closing, name, self_closing = match.groups()
        if name.lower() in _NOT_NESTING or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest
