"""Settle a run once: the options go in, one frozen ``Plan`` comes out, and nothing after reads them.

Every setting is checked here, before a page is read: the site and its languages, each
language's base URL, the time zone, the one ``now`` of the run, the formats and views, the
output folder and the cache. A setting that cannot be used is a ``ConfigError`` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from talkfeed.cache import default_cache_folder
from talkfeed.clean import has_control
from talkfeed.errors import ConfigError
from talkfeed.model import FORMATS, Site
from talkfeed.read.permalinks import PageFacts, PathStyle, PermalinkError, expand
from talkfeed.read.site import Source, locate_source
from talkfeed.select.choose import Selection

DEFAULT_WAIT_SECONDS = 300.0
ABOUT_NAME = "about.html"
"""The page a build writes beside the feeds to say what they are and what ``_talk`` holds."""

Progress = Callable[[int], AbstractContextManager[Callable[[int], None] | None]]
"""Given the number of pages to read, a context giving a function to call per page read."""


@dataclass(frozen=True)
class Options:
    """One run's settings, as the command line or a caller gives them."""

    source: Path = Path()
    output: Path = Path("public")
    base_url: str | None = None
    title: str | None = None
    timezone: str | None = None
    limit: int | None = None
    drafts: bool = False
    future: bool = False
    expired: bool = False
    skip_invalid: bool = False
    allow_empty: bool = False
    """Publish empty feeds when SOURCE has no talk in the language (else it is an error)."""
    lang: str | None = None
    now: datetime | None = None
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    formats: tuple[str, ...] = FORMATS
    per: tuple[str, ...] = ()
    author: str | None = None
    use_cache: bool = True
    cache_folder: Path | None = None
    """Where the page cache lives; ``None`` is the user's cache folder."""
    progress: Progress | None = None


@dataclass(frozen=True)
class Plan:
    """One run, settled: where the talks are, what to publish, how, where, and when "now" is."""

    source: Source
    language: str
    """The language the main feeds publish."""
    zone: tzinfo
    """The zone of dates written without an offset."""
    now: datetime
    """The run's one reading of the clock (or ``--now``)."""
    selection: Selection
    feed_limit: int | None
    """How many talks each RSS, Atom and JSON feed holds at most (``--limit``, else Hugo's
    ``services.rss.limit``/``rssLimit``); calendars and pages keep every talk."""
    link_bases: Mapping[str, str | None]
    """Each language's base URL as Hugo links it (``/`` stays relative), for ``list``."""
    base_urls: Mapping[str, str]
    """Each language's checked, absolute base URL, ending in a slash; a build's feeds need them."""
    formats: tuple[str, ...]
    per: tuple[str, ...]
    output: Path
    wait_seconds: float
    title: str | None
    author: str | None
    skip_invalid: bool
    allow_empty: bool
    cache_folder: Path | None
    """``None``: no cache."""
    feeds_url: str = ""
    """For a build: the URL the output folder is served at (the main feeds' folder)."""
    progress: Progress | None = field(default=None, compare=False, repr=False)

    @property
    def site(self) -> Site:
        return self.source.site

    @property
    def about_url(self) -> str:
        """For a build: where the page about the feeds is served."""
        return self.feeds_url + ABOUT_NAME

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages whose talks the run renders: the published one, or all with ``--per lang``."""
        if "lang" in self.per:
            return tuple(sorted({self.language, *self.site.languages}))
        return (self.language,)


def settle(options: Options, building: bool = False) -> Plan:
    """Check the options and the site config, and settle the run; raises ``ConfigError``.

    For a build, every language it renders needs an absolute base URL.
    """
    _check_options(options)
    source = locate_source(options.source)
    site = source.site
    language = options.lang or site.default_language
    if options.lang and site.root is not None and options.lang not in site.languages:
        known = ", ".join(sorted(site.languages))
        raise ConfigError(f"--lang {options.lang}: the site has no such language ({known})")
    _check_permalinks(site)
    now = options.now or datetime.now(UTC)
    codes = sorted({language, *site.languages})
    plan = Plan(
        source=source,
        language=language,
        zone=_zone(options.timezone or site.time_zone, from_option=options.timezone is not None),
        now=now,
        selection=Selection(now, options.drafts, options.future, options.expired),
        feed_limit=options.limit if options.limit is not None else site.feed_limit,
        link_bases={code: _written_base(site, options.base_url, code) for code in codes},
        base_urls={},
        formats=options.formats,
        per=options.per,
        output=options.output.absolute(),
        wait_seconds=options.wait_seconds,
        title=options.title,
        author=options.author,
        skip_invalid=options.skip_invalid,
        allow_empty=options.allow_empty,
        cache_folder=(options.cache_folder or default_cache_folder()) if options.use_cache else None,
        progress=options.progress,
    )
    if not building:
        return plan
    base_urls = {code: _absolute_base(site, options.base_url, code) for code in plan.languages}
    feeds_url = base_urls[language] + served_path(plan.output, site.root)
    return replace(plan, base_urls=base_urls, feeds_url=feeds_url)


def served_path(output: Path, site_root: Path | None) -> str:
    """Where an output folder is served: its path below the site's ``public/``, as Hugo's.

    Any other folder is taken to be served at the base URL itself.
    """
    if site_root is None:
        return ""
    try:
        below = output.relative_to(site_root / "public")
    except ValueError:
        return ""
    return "".join(f"{part}/" for part in below.parts)


def _check_options(options: Options) -> None:
    """Refuse option values no output may carry: control characters and line breaks."""
    named = {"--title": options.title, "--author": options.author, "--lang": options.lang}
    for name, value in named.items():
        if value is not None and (has_control(value) or not value.strip()):
            raise ConfigError(f"{name} must be one line of text without control characters")
    if options.lang is not None and ("/" in options.lang or options.lang.strip(".") == ""):
        raise ConfigError(f"--lang {options.lang!r} is not a language code")


def _check_permalinks(site: Site) -> None:
    """Refuse a ``permalinks`` pattern Hugo would refuse."""
    sample = PageFacts(sections=("talk",), file_name="talk", title="Talk", slug=None, date=None)
    for language in site.languages.values():
        for rule in language.permalinks:
            try:
                expand(rule.pattern, sample, PathStyle())
            except PermalinkError as error:
                where = str(site.config_file) if site.config_file else None
                raise ConfigError(f"permalinks: {error} (in {rule.pattern!r})", where) from None


def _written_base(site: Site, option: str | None, code: str) -> str | None:
    """A language's base URL as current Hugo settles it, before it is checked.

    Its own non-empty ``baseURL`` first (Hugo's ``--baseURL`` does not override it), else
    ``--base-url``, else the site's.
    """
    language = site.languages.get(code)
    return (language and language.base_url) or option or site.base_url


def _absolute_base(site: Site, option: str | None, code: str) -> str:
    """A language's base URL made absolute (``/`` against ``--base-url`` or the site's) and checked."""
    written = _written_base(site, option, code)
    if written is not None and not _host(written):
        absolute = next((url for url in (option, site.base_url) if url and _host(url)), None)
        if absolute is not None:
            written = urljoin(absolute.strip(), written.strip())
    return _checked_base(written)


def _host(url: str) -> str:
    try:
        return urlsplit(url.strip()).netloc
    except ValueError:
        return ""


def _checked_base(value: str | None) -> str:
    if value is None:
        raise ConfigError(
            "no base URL: pass --base-url https://example.org/ or set baseURL in the site config"
        )
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = urlsplit("")
    broken = has_control(value) or any(char.isspace() for char in value.strip())
    if broken or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f'base URL "{value}" is not an absolute http(s) URL (use --base-url https://example.org/)'
        )
    return value.strip().rstrip("/") + "/"


def _zone(name: str | None, from_option: bool) -> tzinfo:
    if name is None:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        where = "--timezone" if from_option else "the site config's timeZone"
        raise ConfigError(
            f'{where} "{name}" is not a time zone (use an IANA name such as Europe/Amsterdam, or UTC)'
        ) from None
