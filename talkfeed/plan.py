"""Settle a run once: the options go in, one frozen ``Plan`` comes out, and nothing after reads them.

Every setting is checked here, before a page is read: each source site and its languages,
each language's base URL, the time zones, the one ``now`` of the run, the formats and views,
the output folder and the cache. A setting that cannot be used is a ``ConfigError`` naming it.

A run reads one site, or aggregates several (``Options.sources``): each source is settled
on its own (its config, languages, base URLs, permalinks, time zone), and the feeds are the
aggregate's, served at its own base URL.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from talkfeed.clean import clean_line, has_control
from talkfeed.errors import ConfigError, Finding, Severity
from talkfeed.formats import FORMATS
from talkfeed.model import Entry, Selection, Site, SourceOption, Wording
from talkfeed.read.labels import wording_of
from talkfeed.read.parsing import DEFAULT_MAX_PAGE_BYTES
from talkfeed.read.permalinks import PageFacts, PathStyle, PermalinkError, expand
from talkfeed.read.reading import Progress
from talkfeed.read.site import Source, locate_source
from talkfeed.slugs import folder_name
from talkfeed.store.store import default_cache_folder
from talkfeed.urls import talk_urls

DEFAULT_WAIT_SECONDS = 300.0
_UNKEYED = frozenset({"selection", "wait_seconds", "progress"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_CALENDAR_REFRESH = timedelta(hours=1)
"""How often the calendars ask calendar apps to fetch them again (REFRESH-INTERVAL, X-PUBLISHED-TTL)."""
DEFAULT_FOLDER = "talkfeed"
"""The folder of the site's publish folder a build writes into when no output is given: one
Hugo publishes nothing into, so Hugo's files and talkfeed's never meet."""
ABOUT_NAME = "about.html"
"""The page a build writes beside the feeds to say what they are and what ``_talk`` holds."""


@dataclass(frozen=True)
class Options:
    """One run's settings, as the command line or a caller gives them."""

    source: Path = Path()
    sources: tuple[SourceOption, ...] = ()
    """Several sites to aggregate; when given, ``source`` is not read and ``base_url`` is the
    aggregate's own URL (where its feeds are served), not a site's."""
    output: Path | None = None
    """Where to write; ``None``: ``talkfeed/`` in the site's publish folder (Hugo's ``publishDir``)."""
    replace: tuple[Path, ...] = ()
    """Files of another program (Hugo's section feed) in the output folder that the build may
    replace; any other file it did not write stops it."""
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
    hubs: tuple[str, ...] = ()
    """WebSub hubs the feeds name, which a build tells when they change."""
    calendar_refresh: timedelta = DEFAULT_CALENDAR_REFRESH
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    """Talk pages larger than this are an error."""


@dataclass(frozen=True)
class SourcePlan:
    """One site of the run, settled: where its talks are, which language it publishes, its URLs."""

    source: Source
    name: str
    """How findings name its files: by its path as given and a slash, in an aggregate; else ""."""
    label: str
    """How the aggregate's items credit the site, its slug unlike any other source's."""
    language: str
    """The language its talks in the main feeds are in."""
    languages: tuple[str, ...]
    """The languages whose talks the run renders: the published one, or all with ``--per lang``."""
    zone: tzinfo
    """The zone of its dates written without an offset."""
    link_bases: Mapping[str, str | None]
    """Each language's base URL as Hugo links it (``/`` stays relative), for ``list``."""
    base_urls: Mapping[str, str]
    """Each rendered language's checked, absolute base URL, ending in a slash; a build needs them."""
    wordings: Mapping[str, Wording] = field(default_factory=dict)
    """How each rendered language speaks: its locale and labels, the site's ``i18n`` tables over
    talkfeed's own."""
    notes: tuple[Finding, ...] = ()
    """What settling its languages found to warn about (a language without labels), each once."""
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    """Its talk pages larger than this are an error."""

    @property
    def site(self) -> Site:
        return self.source.site

    @property
    def home_url(self) -> str:
        """The site's home page, for crediting it: its published language's base URL."""
        return self.base_urls.get(self.language) or self.link_bases.get(self.language) or ""


@dataclass(frozen=True)
class Plan:
    """One run, settled: where the talks are, what to publish, how, where, and when "now" is."""

    sources: tuple[SourcePlan, ...]
    """The sites read, in the order given; one unless the run aggregates."""
    aggregate: bool
    """The run publishes several sites' talks as one set of feeds, crediting each item's site."""
    language: str
    """The language the main feeds are in; for an aggregate, the one they declare: "" when its
    sources publish different languages (each its own), so the feeds declare none."""
    selection: Selection
    """Which talks are published, and the run's one reading of the clock (or ``--now``)."""
    feed_limit: int | None
    """How many talks each RSS, Atom and JSON feed holds at most (``--limit``, else Hugo's
    ``services.rss.limit``/``rssLimit``); calendars and pages keep every talk."""
    formats: tuple[str, ...]
    per: tuple[str, ...]
    output: Path | None
    """Where a build writes (absolute); ``None`` only for ``check`` and ``list`` of several
    sources given no output folder."""
    wait_seconds: float
    title: str | None
    author: str | None
    skip_invalid: bool
    allow_empty: bool
    cache_folder: Path | None
    """``None``: no cache."""
    feeds_url: str = ""
    """For a build: the URL the output folder is served at (the main feeds' folder)."""
    served_path: str = ""
    """Where the output folder is served below the site's base URL (``talkfeed/``), ending in a
    slash; "" for a folder outside the site's publish folder, or an aggregate's."""
    replaceable: tuple[str, ...] = ()
    """Files of another program in the output folder (relative to it) that a build may replace."""
    dropped: tuple[Finding, ...] = ()
    """Sources left out (``--skip-invalid``), each with the warning that says why."""
    progress: Progress | None = field(default=None, compare=False, repr=False)
    hubs: tuple[str, ...] = ()
    """The WebSub hubs every feed names, each a checked http(s) URL, in the order given."""
    calendar_refresh: timedelta = DEFAULT_CALENDAR_REFRESH
    """How often calendar apps should fetch the calendars again."""
    store_folder: Path = field(default_factory=default_cache_folder)
    """Where a build keeps what it owes its hubs: the cache folder, also with ``--no-cache``
    (which is about reading pages), so a ping a hub did not take is sent again."""

    @property
    def about_url(self) -> str:
        """For a build: where the page about the feeds is served."""
        return self.feeds_url + ABOUT_NAME

    @property
    def now(self) -> datetime:
        """The run's one reading of the clock (or ``--now``), kept in its selection."""
        return self.selection.now

    def key_fields(self) -> dict[str, Any]:
        """The plan's fields that decide what a build writes, by name: all but its clock (the
        moments it changes what is published are kept apart), its wait and its progress bar."""
        kept = {item.name: getattr(self, item.name) for item in fields(self) if item.name not in _UNKEYED}
        return kept | {"selection": replace(self.selection, now=_EPOCH)}

    def lasting_id(self, entry: Entry) -> str:
        """A talk's id, as its items and events carry it."""
        source = self.source_of(entry)
        base = source.base_urls.get(entry.lang) or source.link_bases.get(entry.lang) or "/"
        return talk_urls(entry.url_path, entry.listed_at, entry.outside_url, base.rstrip("/") + "/")[1]

    def link(self, entry: Entry) -> str:
        """Where a talk links, as ``list`` prints it: its permalink (site-relative where the base
        URL is), or, for a talk without a page of its own, its event or the list page showing it."""
        base = (self.source_of(entry).link_bases.get(entry.lang) or "").rstrip("/") + "/"
        return talk_urls(entry.url_path, entry.listed_at, entry.outside_url, base)[0]

    def source_of(self, entry: Entry) -> SourcePlan:
        """The site a talk was read from."""
        return self.sources[entry.source]

    def zone_of(self, entry: Entry) -> tzinfo:
        """The zone of a talk's dates written without an offset: its site's."""
        return self.sources[entry.source].zone

    def publishes(self, entry: Entry) -> bool:
        """Whether a talk is in the language its site publishes in the main feeds."""
        return entry.lang == self.sources[entry.source].language


def settle(options: Options, building: bool = False) -> Plan:
    """Check the options and every source's config, and settle the run; raises ``ConfigError``.

    For a build, every language it renders needs an absolute base URL, and an aggregate needs
    its own (``--base-url``: where its feeds are served). A source that cannot be read is an
    error naming it, or, with ``--skip-invalid`` in an aggregate, left out with a warning.
    """
    _check_options(options)
    aggregate = bool(options.sources)
    wanted = options.sources or (SourceOption(options.source, options.base_url, options.lang),)
    sources: list[SourcePlan] = []
    dropped: list[Finding] = []
    for spec in wanted:
        if aggregate and spec.lang is None:
            spec = replace(spec, lang=options.lang)
        try:
            sources.append(_settle_source(spec, options, building, aggregate))
        except ConfigError as error:
            if not aggregate:
                raise
            # An error without a file of its own names the source it is about.
            where = error.path or shown_path(spec.path)
            if not options.skip_invalid:
                raise ConfigError(error.message, where, error.line) from None
            left_out = f"{error.message}; this source is left out"
            dropped.append(Finding(where, error.line, Severity.WARNING, left_out))
    if not sources:
        raise ConfigError("no source could be read; nothing was written")
    _refuse_overlaps(sources)
    sources = _labelled_apart(sources)
    first = sources[0]
    now = options.now or datetime.now(UTC)
    plan = Plan(
        sources=tuple(sources),
        aggregate=aggregate,
        language=_feeds_language(options, sources),
        selection=Selection(now, options.drafts, options.future, options.expired),
        feed_limit=options.limit if options.limit is not None or aggregate else first.site.feed_limit,
        formats=options.formats,
        per=options.per,
        output=_output_folder(options, first, aggregate, building),
        wait_seconds=options.wait_seconds,
        title=options.title,
        author=options.author,
        skip_invalid=options.skip_invalid,
        allow_empty=options.allow_empty,
        cache_folder=(options.cache_folder or default_cache_folder()) if options.use_cache else None,
        dropped=tuple(dropped),
        progress=options.progress,
        hubs=_checked_hubs(options.hubs),
        calendar_refresh=options.calendar_refresh,
        store_folder=options.cache_folder or default_cache_folder(),
    )
    if not building:
        return plan
    assert plan.output is not None
    replaceable = _replaceable(options.replace, plan.output)
    if aggregate:
        if options.base_url is None:
            raise ConfigError(
                "an aggregate of several sites needs --base-url: the URL its feeds are served at"
            )
        return replace(plan, feeds_url=_checked_base(options.base_url), replaceable=replaceable)
    served = served_path(plan.output, first.site, first.language)
    return replace(
        plan,
        feeds_url=first.base_urls[first.language] + served,
        served_path=served,
        replaceable=replaceable,
    )


def _output_folder(options: Options, first: SourcePlan, aggregate: bool, building: bool) -> Path | None:
    """The absolute output folder: the one given, else ``talkfeed/`` in the site's publish folder.

    Raises ``ConfigError`` for a build of several sites given none, and where the site's
    publish folder is outside the site or Hugo publishes something into ``talkfeed/``.
    """
    if options.output is not None:
        return Path(os.path.normpath(options.output.absolute()))
    if aggregate:
        if not building:
            return None
        raise ConfigError(
            "several sources need an output folder: pass -o DIR (or set output in talkfeed.toml)"
        )
    try:
        return default_output(first.source, first.language)
    except ConfigError:
        if building:
            raise
        return None  # check and list only look there for a killed build's writes


def default_output(source: Source, language: str) -> Path:
    """``talkfeed/`` in the site's publish folder, as Hugo resolves ``publishDir`` (relative to
    the site root; each language's own folder below it on a multihost site).

    Raises ``ConfigError`` where it cannot be used: no site, a publish folder outside the site
    (a site's config does not choose where talkfeed writes outside it), or a folder Hugo
    publishes something into.
    """
    site = source.site
    if site.root is None:
        raise ConfigError("no Hugo site around this page to publish into: pass -o DIR", str(source.given))
    publish = Path(os.path.normpath(site.root / site.publish_dir))
    real_root = Path(os.path.realpath(site.root))
    real_publish = Path(os.path.realpath(publish))
    if real_publish != real_root and real_root not in real_publish.parents:
        raise ConfigError(
            f"the site's publishDir {site.publish_dir!r} is outside the site; talkfeed writes there "
            "only when told: pass -o DIR",
            str(site.config_file or site.root),
        )
    if site.multihost:
        publish = publish / language
    clash = hugo_output_in(source, DEFAULT_FOLDER)
    if clash is not None:
        raise ConfigError(
            f"Hugo publishes {clash} into {DEFAULT_FOLDER}/ of the site, where talkfeed writes by "
            "default: pass -o DIR (or set output in talkfeed.toml)",
            str(site.root),
        )
    return publish / DEFAULT_FOLDER


def hugo_output_in(source: Source, folder: str) -> str | None:
    """Name what Hugo would publish into ``folder`` at the top of the site, if anything does:
    a content section or page of that name, a static folder's files, a permalink pattern."""
    site = source.site
    assert site.root is not None
    for content in source.content_roots:
        for candidate in (content.path / folder, *content.path.glob(f"{folder}.*")):
            if candidate.exists():
                return candidate.relative_to(site.root).as_posix()
    for static in site.static_dirs:
        if (site.root / static / folder).exists():
            return f"{static}/{folder}"
    for language in site.languages.values():
        for rule in language.permalinks:
            if rule.pattern.lstrip("/").split("/")[0] == folder:
                return f"the permalinks pattern {rule.pattern!r}"
    return None


def _replaceable(files: tuple[Path, ...], output: Path) -> tuple[str, ...]:
    """The files given to replace, named relative to the output folder; each must be in it."""
    names = []
    for given in files:
        path = Path(os.path.normpath(given.absolute()))
        if output not in path.parents:
            raise ConfigError(f"--replace {given}: not a file in the output folder {shown_path(output)}")
        names.append(path.relative_to(output).as_posix())
    return tuple(names)


def _feeds_language(options: Options, sources: list[SourcePlan]) -> str:
    """The language the feeds declare: ``--lang``, else the sources' one; "" when they differ."""
    if options.lang:
        return options.lang
    languages = {source.language for source in sources}
    return languages.pop() if len(languages) == 1 else ""


def _settle_source(spec: SourceOption, options: Options, building: bool, aggregate: bool) -> SourcePlan:
    """Settle one site: its language, zone and base URLs; raises ``ConfigError``."""
    source = locate_source(spec.path)
    site = source.site
    language = spec.lang or site.default_language
    if spec.lang and site.root is not None and spec.lang not in site.languages:
        known = ", ".join(sorted(site.languages))
        setting = "--lang" if spec.lang == options.lang else "lang"
        raise ConfigError(f"{setting} {spec.lang}: the site has no such language ({known})")
    if spec.lang is not None and ("/" in spec.lang or spec.lang.strip(".") == ""):
        raise ConfigError(f"lang {spec.lang!r} is not a language code")
    _check_permalinks(site)
    codes = tuple(sorted({language, *site.languages}))
    languages = codes if "lang" in options.per else (language,)
    base = spec.base_url
    if base is not None and (has_control(base) or not base.strip()):
        raise ConfigError("a source's base URL must be one line without control characters")
    hint = (
        "give it a base-url in a [[sources]] entry of talkfeed.toml"
        if aggregate
        else "pass --base-url https://example.org/"
    )
    label = clean_line(spec.label or "") or clean_line(site.title or "") or source.given.absolute().name
    base_urls = {code: _absolute_base(site, base, code, hint) for code in languages} if building else {}
    wordings: dict[str, Wording] = {}
    notes: list[Finding] = []
    for code in languages:
        wordings[code], found = wording_of(site, code, lambda path: source.relative(path))
        notes += found
    return SourcePlan(
        source=source,
        name=_files_prefix(shown_path(spec.path), source.given.is_file()) if aggregate else "",
        label=label or "site",
        language=language,
        languages=languages,
        zone=_zone(options.timezone or site.time_zone, from_option=options.timezone is not None),
        link_bases={code: _written_base(site, base, code) for code in codes},
        base_urls=base_urls,
        wordings=wordings,
        notes=tuple(dict.fromkeys(notes)),
        max_page_bytes=options.max_page_bytes,
    )


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the current folder where it lies below it."""
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            return path.relative_to(Path.cwd()).as_posix()
    return path.as_posix()


def _files_prefix(name: str, is_page: bool) -> str:
    """What findings put before the path of a source's file: the source's folder (a page's own
    folder), as shown, and a slash; "" for the current folder."""
    folder = (Path(name).parent if is_page else Path(name)).as_posix()
    return "" if folder == "." else folder.rstrip("/") + "/"


def _refuse_overlaps(sources: list[SourcePlan]) -> None:
    """Refuse one site given twice, or a source inside another: its talks would be read twice."""
    places = [(Path(os.path.realpath(source.source.given)), source) for source in sources]
    for index, (place, source) in enumerate(places):
        for other_place, other in places[index + 1 :]:
            if place == other_place or place in other_place.parents or other_place in place.parents:
                raise ConfigError(
                    f"sources {source.name or place} and {other.name or other_place} overlap: "
                    "give each site once, and no folder inside another"
                )


def _labelled_apart(sources: list[SourcePlan]) -> list[SourcePlan]:
    """Give each source a label with a folder name of its own (``--per source``): a label whose
    slug another has, or that has none ("!!!"), gains its place in the list ("Lab (2)")."""
    seen: set[str] = set()
    result = []
    for number, source in enumerate(sources, start=1):
        slug = folder_name(source.label)
        if not slug or slug in seen:
            source = replace(source, label=f"{source.label} ({number})")
            slug = folder_name(source.label)
        seen.add(slug)
        result.append(source)
    return result


def served_path(output: Path, site: Site, language: str) -> str:
    """Where an output folder is served: its path below the site's publish folder, as Hugo's
    (below the language's own folder on a multihost site), ending in a slash.

    Any other folder is taken to be served at the base URL itself.
    """
    if site.root is None:
        return ""
    publish = Path(os.path.normpath(site.root / site.publish_dir))
    if site.multihost:
        publish = publish / language
    try:
        below = output.relative_to(publish)
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
    if options.max_page_bytes < 1:
        raise ConfigError("--max-page-size must be at least one byte")


def _checked_hubs(hubs: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse a hub that is not one line of an absolute http(s) URL: a feed names it, and a build
    posts to it. Each hub is kept once, in the order given."""
    for hub in hubs:
        try:
            parts = urlsplit(hub)
        except ValueError:
            parts = urlsplit("")
        broken = has_control(hub) or any(char.isspace() for char in hub)
        if broken or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"hub {hub!r} is not an absolute http(s) URL on one line "
                "(use the address the hub publishes, such as https://hub.example.org/)"
            )
    return tuple(dict.fromkeys(hubs))


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


def _absolute_base(site: Site, option: str | None, code: str, hint: str) -> str:
    """A language's base URL made absolute (``/`` against ``--base-url`` or the site's) and checked."""
    written = _written_base(site, option, code)
    if written is not None and not _host(written):
        absolute = next((url for url in (option, site.base_url) if url and _host(url)), None)
        if absolute is not None:
            written = urljoin(absolute.strip(), written.strip())
    return _checked_base(written, hint)


def _host(url: str) -> str:
    try:
        return urlsplit(url.strip()).netloc
    except ValueError:
        return ""


def _checked_base(value: str | None, hint: str = "pass --base-url https://example.org/") -> str:
    if value is None:
        raise ConfigError(f"no base URL: {hint} or set baseURL in the site config")
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = urlsplit("")
    broken = has_control(value) or any(char.isspace() for char in value.strip())
    if broken or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f'base URL "{value}" is not an absolute http(s) URL ({hint})')
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
