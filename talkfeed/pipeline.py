"""Run talkfeed's jobs: read every page, choose and order the talks, render, write.

Everything is rendered before anything is written, and nothing is written when any
page has an error (unless the run asks to skip invalid pages).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from talkfeed import __version__
from talkfeed.cache import (
    CachedPage,
    PageCache,
    code_stamp,
    default_cache_folder,
    file_signature,
    finding_from,
    finding_record,
)
from talkfeed.clean import has_control
from talkfeed.errors import ConfigError, EmptyResultError, Finding, InvalidTalksError, Severity
from talkfeed.model import FORMATS, Entry, FeedSettings, Site, Talk, entry_of
from talkfeed.read.cascade import read_cascades
from talkfeed.read.discover import PageFile, find_pages
from talkfeed.read.page import ReadContext, read_page, unexpected
from talkfeed.read.permalinks import PageFacts, PathStyle, PermalinkError, expand
from talkfeed.read.site import Source, locate_source, read_author_names
from talkfeed.select.choose import Selection, collect_talks, held_back
from talkfeed.select.views import plan_views, start_moment
from talkfeed.urls import permalink
from talkfeed.write.files import MANIFEST_NAME, Written, locked, needs_recovery, recover, write_files

DEFAULT_WAIT_SECONDS = 300.0
_PARALLEL_FROM = 200
"""Below this many pages to read, starting worker processes costs more than it saves."""


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
    lang: str | None = None
    now: datetime | None = None
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    formats: tuple[str, ...] = FORMATS
    per: tuple[str, ...] = ()
    author: str | None = None
    use_cache: bool = True
    allow_empty: bool = False
    """Publish empty feeds when SOURCE has no talk in the language (else it is an error)."""
    cache_folder: Path | None = None
    """Where the page cache lives; ``None`` is the user's cache folder."""
    progress: Callable[[int], AbstractContextManager[Callable[[int], None] | None]] | None = None
    """Given the number of pages to read, a context giving a function to call per page read."""


@dataclass(frozen=True)
class Catalog:
    """Every page of SOURCE read: the valid talks of every language, and all findings."""

    source: Source
    all_talks: tuple[Entry, ...]
    """Every valid talk; with their pieces when the catalog was read for a build."""
    findings: tuple[Finding, ...]
    invalid: tuple[str, ...]
    """Pages left out for errors, by path."""
    pages: int
    """How many talk pages were found."""
    language: str
    """The language a build publishes."""
    zone: tzinfo

    @property
    def talks(self) -> tuple[Entry, ...]:
        """The talks of the language a build publishes."""
        return tuple(talk for talk in self.all_talks if talk.lang == self.language)


@dataclass(frozen=True)
class BuildReport:
    findings: tuple[Finding, ...]
    published: int
    """How many talks the main feed holds."""
    written: tuple[Written, ...] = field(default=())
    skipped: tuple[str, ...] = field(default=())


def read_catalog(options: Options, for_build: bool = False, run: _Run | None = None) -> Catalog:
    """Find and read every talk page of SOURCE; raises ``ConfigError`` for unusable settings.

    For a build, each talk's pieces are rendered too (or taken from the cache), which needs
    the base URL: without one it raises ``ConfigError`` before reading anything.
    """
    own_run = run is None
    run = run or _Run.start(options)
    try:
        return _read_catalog(options, for_build, run)
    finally:
        if own_run:
            run.cache.close()


def _read_catalog(options: Options, for_build: bool, run: _Run) -> Catalog:
    setup = run.setup
    source, site, context = setup.source, setup.source.site, setup.context
    base_urls = _BaseUrls(site, options) if for_build else None
    if base_urls is not None:
        base_urls.of(setup.language)
    language, zone = setup.language, context.zone
    pages = run.pages
    findings = [*setup.findings, *run.findings]
    entries: list[Entry] = []
    invalid: list[str] = []
    run.cache.with_pieces = for_build
    outcomes = _read_pages(pages, context, options, base_urls, run.cache)
    for page, outcome in zip(pages, outcomes, strict=True):
        findings.extend(outcome.findings)
        if outcome.entry is not None:
            entries.append(outcome.entry)
        elif outcome.skipped_reason is None:
            invalid.append(page.name)
    duplicates, left_out = _duplicate_permalinks(entries)
    findings.extend(duplicates)
    valid = [entry for entry in entries if entry.path not in left_out]
    return Catalog(
        source,
        tuple(valid),
        tuple(sorted(findings, key=_finding_order)),
        tuple(invalid),
        len(pages),
        language,
        zone,
    )


def read_talks(options: Options) -> tuple[list[Talk], list[Finding]]:
    """Read every talk page of SOURCE into full ``Talk`` records, for callers who want them all.

    No cache, nothing rendered: pages with errors are left out and their findings returned.
    """
    setup = _setup(options)
    findings = list(setup.findings)
    talks = []
    for page in setup.pages:
        result = read_page(page, setup.context)
        findings.extend(result.findings)
        if result.talk is not None:
            talks.append(result.talk)
    return talks, sorted(findings, key=_finding_order)


@dataclass
class _Run:
    """One run's view of SOURCE: how to read it, its pages, and its cache (open until the end)."""

    setup: _Setup
    pages: list[PageFile]
    findings: list[Finding]
    cache: PageCache

    @classmethod
    def start(cls, options: Options) -> _Run:
        setup = _setup(options)
        if not options.use_cache:
            return cls(setup, setup.pages, [], PageCache.disabled())
        folder = options.cache_folder or default_cache_folder()
        cache, problem = PageCache.open(folder, setup.source.given, repr(setup.context))
        findings = [] if problem is None else [Finding(str(folder), None, Severity.WARNING, problem)]
        return cls(setup, setup.pages, findings, cache)


@dataclass(frozen=True)
class _Setup:
    source: Source
    context: ReadContext
    language: str
    pages: list[PageFile] = field(repr=False)
    findings: list[Finding] = field(repr=False)


def _setup(options: Options) -> _Setup:
    """Settle where the pages are and how to read them, from the options and the site config."""
    _check_options(options)
    source = locate_source(options.source)
    site = source.site
    zone = _zone(options.timezone or site.time_zone, from_option=options.timezone is not None)
    language = options.lang or site.default_language
    if options.lang and site.root is not None and options.lang not in site.languages:
        known = ", ".join(sorted(site.languages))
        raise ConfigError(f"--lang {options.lang}: the site has no such language ({known})")
    _check_permalinks(site)
    pages, findings, indexes = find_pages(source)
    if source.note is not None:
        findings.insert(0, Finding(str(options.source), None, Severity.WARNING, source.note))
    authors, author_findings = read_author_names(site.root, source.content_roots)
    cascades, cascade_findings = read_cascades(indexes, site.cascade, source.relative)
    context = ReadContext(
        zone=zone,
        default_language=site.default_language,
        prefixed_languages=frozenset(
            code
            for code in site.languages
            if not site.multihost and (code != site.default_language or site.default_language_in_subdir)
        ),
        permalinks={code: lang.permalinks for code, lang in site.languages.items()},
        path_style=PathStyle(
            lower=site.lower_paths,
            remove_accents=site.remove_path_accents,
            ugly=site.ugly_urls,
            older_hugo=any("current Hugo refuses" in finding.message for finding in author_findings),
        ),
        date_keys=site.date_keys,
        cascades=cascades,
        authors=authors,
        site_root=site.root,
        static_dirs=site.static_dirs,
    )
    return _Setup(source, context, language, pages, [*findings, *author_findings, *cascade_findings])


def _check_options(options: Options) -> None:
    """Refuse option values no output may carry: control characters and line breaks."""
    named = {"--title": options.title, "--author": options.author, "--lang": options.lang}
    for name, value in named.items():
        if value is not None and (has_control(value) or not value.strip()):
            raise ConfigError(f"{name} must be one line of text without control characters")
    if options.lang is not None and ("/" in options.lang or options.lang.strip(".") == ""):
        raise ConfigError(f"--lang {options.lang!r} is not a language code")


def _check_permalinks(site: Site) -> None:
    """Refuse a ``permalinks`` pattern Hugo would refuse, before any page is read."""
    sample = PageFacts(sections=("talk",), file_name="talk", title="Talk", slug=None, date=None)
    for language in site.languages.values():
        for rule in language.permalinks:
            try:
                expand(rule.pattern, sample, PathStyle())
            except PermalinkError as error:
                where = str(site.config_file) if site.config_file else None
                raise ConfigError(f"permalinks: {error} (in {rule.pattern!r})", where) from None


def select(catalog: Catalog, options: Options, language: str | None = None) -> list[Entry]:
    """Apply the draft, future, expiry and limit rules, and order one language's talks for the feed."""
    chosen = language or catalog.language
    return collect_talks((talk for talk in catalog.all_talks if talk.lang == chosen), _selection(options))


def held_back_counts(catalog: Catalog, options: Options) -> dict[str, int]:
    """Count the chosen language's talks the default rules leave out: drafts, future, expired."""
    selection = _selection(options)
    counts: dict[str, int] = {}
    for talk in catalog.talks:
        reason = held_back(talk, selection)
        if reason is not None:
            counts[reason] = counts.get(reason, 0) + 1
    return counts


def feed_settings(catalog: Catalog, options: Options, code: str | None = None) -> FeedSettings:
    """Settle one language's feed URLs, title and language from the options and the site config."""
    site = catalog.source.site
    code = code or catalog.language
    language = site.languages.get(code)
    base_url = _BaseUrls(site, options).of(code)
    site_title = options.title or (language and language.title) or site.title or ""
    title = options.title or (f"Talks — {site_title}" if site_title else "Talks")
    talks = [talk for talk in catalog.all_talks if talk.lang == code]
    return FeedSettings(
        base_url=base_url,
        feeds_url=base_url + _served_path(options.output, site.root),
        home_url=_home_url(talks, catalog.source.single_page is not None, base_url),
        title=title,
        description=f"Talks from {site_title}" if site_title else "Talks",
        language=(language and language.language_code) or site.language_code or code,
        author=options.author or site.author or site_title or "talkfeed",
        generator="talkfeed",
        version=__version__,
        site_title=site_title,
        icon_url=base_url + site.icon if site.icon else None,
    )


def build(options: Options) -> BuildReport:
    """Read, select, render, then write the feeds into ``options.output``.

    Raises ``InvalidTalksError`` when pages have errors and skipping was not asked for;
    nothing is written then. When no page, setting or output changed since the last build
    into the same folder, and the clock has not passed a publish, expiry or start date since,
    nothing is read or rendered: every output is reported unchanged.
    """
    # The whole run holds the lock: a run that read an older site can never write over a newer one.
    with locked(options.output, options.wait_seconds):
        recover(options.output)
        run = _Run.start(options)
        try:
            return _build(options, run)
        finally:
            run.cache.close()


def recover_output(output: Path, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> bool:
    """Finish the writes of a run killed in ``output``, if one was; tell whether there was one."""
    if not needs_recovery(output):
        return False
    with locked(output, wait_seconds):
        recover(output)
    return True


def _build(options: Options, run: _Run) -> BuildReport:
    record_name = str(options.output.absolute())
    unchanged = _unchanged_build(options, run, record_name)
    if unchanged is not None:
        return unchanged
    # Rendering's libraries take a third of a second to import: a run with nothing to do skips them.
    from talkfeed.render.files import render_outputs

    catalog = read_catalog(options, for_build=True, run=run)
    if catalog.invalid and not options.skip_invalid:
        raise InvalidTalksError(catalog.invalid, catalog.findings)
    if not catalog.talks and not options.allow_empty:
        raise EmptyResultError(
            f"no valid talk in language {catalog.language} among {catalog.pages} talk page(s) found; "
            "nothing was written (check SOURCE and --lang, or pass --allow-empty to publish empty feeds)"
        )
    talks = select(catalog, options)
    languages = sorted({talk.lang for talk in catalog.all_talks} | {catalog.language})
    by_language = (
        {code: select(catalog, options, code) for code in languages} if "lang" in options.per else {}
    )
    views = plan_views(talks, by_language, catalog.language, options.per, _now(options), catalog.zone)
    newest = max((talk.modified or talk.published for talk in talks), default=None)
    settings = {
        code: replace(feed_settings(catalog, options, code), empty_updated=newest)
        for code in {catalog.language, *by_language}
    }
    outputs = render_outputs(views, settings, options.formats)
    written = write_files(options.output, outputs)
    report = BuildReport(catalog.findings, len(talks), tuple(written), catalog.invalid)
    _remember_build(options, run, record_name, report, _valid_until(catalog, options))
    return report


def _run_key(options: Options, run: _Run) -> str:
    """Sum up what besides the pages decides a build's output: version, settings, options."""
    relevant = replace(
        options,
        now=None,
        progress=None,
        wait_seconds=0.0,
        source=options.source.absolute(),
        output=options.output.absolute(),
    )
    return hashlib.sha256(f"{__version__}|{code_stamp()}|{run.setup!r}|{relevant!r}".encode()).hexdigest()


def _unchanged_build(options: Options, run: _Run, record_name: str) -> BuildReport | None:
    record = run.cache.recall(record_name)
    if record is None or record.get("key") != _run_key(options, run):
        return None
    until = record.get("valid_until")
    if until is not None and _now(options) >= datetime.fromisoformat(until):
        return None
    fingerprint = run.cache.fingerprint(run.pages)
    if fingerprint is None or fingerprint != record.get("fingerprint"):
        return None
    files = record.get("files", {})
    if any(_file_state(options.output / name) != state for name, state in files.items()):
        return None
    findings = tuple(
        sorted((*(finding_from(row) for row in record.get("findings", [])),), key=_finding_order)
    )
    written = tuple(
        Written(options.output / name, False) for name in sorted(files) if not name.startswith(".")
    )
    return BuildReport(findings, int(record.get("published", 0)), written, tuple(record.get("skipped", [])))


def _remember_build(
    options: Options, run: _Run, record_name: str, report: BuildReport, valid_until: datetime | None
) -> None:
    fingerprint = run.cache.fingerprint(run.pages)
    if fingerprint is None:
        return
    names = [written.path.relative_to(options.output).as_posix() for written in report.written]
    run.cache.remember(
        record_name,
        {
            "key": _run_key(options, run),
            "fingerprint": fingerprint,
            "valid_until": valid_until.isoformat() if valid_until is not None else None,
            "files": {name: _file_state(options.output / name) for name in [*names, MANIFEST_NAME]},
            "findings": [finding_record(finding) for finding in report.findings],
            "published": report.published,
            "skipped": list(report.skipped),
        },
    )


def _file_state(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _valid_until(catalog: Catalog, options: Options) -> datetime | None:
    """The first moment after now at which a talk is published, expires or starts."""
    now = _now(options)
    moments = [
        moment
        for talk in catalog.all_talks
        for moment in (talk.published, talk.expires, start_moment(talk, catalog.zone))
        if moment is not None and moment > now
    ]
    return min(moments, default=None)


def describe_url(catalog: Catalog, options: Options, talk: Entry) -> str:
    """Where a talk links: its permalink (site-relative where the base URL is), or, for a talk
    without a page of its own, its event or the list page that shows it."""
    if talk.listed_at is not None and talk.outside_url is not None:
        return talk.outside_url
    path = talk.url_path if talk.listed_at is None else talk.listed_at
    base_urls = _BaseUrls(catalog.source.site, options)
    written = base_urls.written(talk.lang)
    if written is None:
        return "/" + path
    if not urlsplit(written).netloc:
        return permalink(written.rstrip("/") + "/", path)
    return permalink(base_urls.of(talk.lang), path)


class _BaseUrls:
    """Each language's base URL, as current Hugo settles it.

    A language's own non-empty ``baseURL`` first (Hugo's ``--baseURL`` does not override
    it), else ``--base-url``, else the site's. A relative one (``/``) is made absolute
    against ``--base-url`` or the site's, for feeds need absolute links.
    """

    def __init__(self, site: Site, options: Options) -> None:
        self.site = site
        self.option = options.base_url

    def written(self, code: str) -> str | None:
        """The base URL as given, if any, before it is checked."""
        language = self.site.languages.get(code)
        return (language and language.base_url) or self.option or self.site.base_url

    def of(self, code: str) -> str:
        """The checked base URL, ending in a slash; raises ``ConfigError`` without a usable one."""
        written = self.written(code)
        if written is not None and not urlsplit(written.strip()).netloc:
            absolute = next(
                (url for url in (self.option, self.site.base_url) if url and urlsplit(url.strip()).netloc),
                None,
            )
            if absolute is not None:
                written = urljoin(absolute.strip(), written.strip())
        return _base_url(written)


def _read_pages(
    pages: Sequence[PageFile],
    context: ReadContext,
    options: Options,
    base_urls: _BaseUrls | None,
    cache: PageCache,
) -> list[CachedPage]:
    """Read every page not in the cache, on every core when there are many.

    For a build (``base_urls`` given), each talk's pieces come from the cache when they were
    made for its base URL, and are rendered otherwise.
    """
    outcomes: dict[Path, CachedPage] = {}
    for page in pages:
        cached = cache.lookup(page)
        if cached is not None and _complete(cached, base_urls):
            outcomes[page.path] = cached
    missing = [page for page in pages if page.path not in outcomes]
    signatures = [file_signature(str(page.path)) for page in missing]
    urls = {} if base_urls is None else {code: base_urls.of(code) for code in _languages(context, missing)}
    fresh = _read_all(missing, context, urls, options)
    for page, signature, (outcome, dependencies) in zip(missing, signatures, fresh, strict=True):
        outcomes[page.path] = outcome
        cache.store(page, signature, dependencies, outcome)
    cache.flush(kept={str(page.path) for page in pages})
    return [outcomes[page.path] for page in pages]


def _complete(cached: CachedPage, base_urls: _BaseUrls | None) -> bool:
    if base_urls is None or cached.entry is None:
        return True
    return cached.pieces_stamp == base_urls.of(cached.entry.lang)


def _languages(context: ReadContext, pages: Sequence[PageFile]) -> set[str]:
    return {page.lang or context.default_language for page in pages}


def _read_all(
    pages: Sequence[PageFile], context: ReadContext, base_urls: Mapping[str, str], options: Options
) -> Iterator[tuple[CachedPage, tuple[str, ...]]]:
    reading = options.progress(len(pages)) if options.progress else contextlib.nullcontext(None)
    with reading as advance:
        for result in _map_pages(pages, context, base_urls):
            if advance is not None:
                advance(1)
            yield result


def _map_pages(
    pages: Sequence[PageFile], context: ReadContext, base_urls: Mapping[str, str]
) -> Iterator[tuple[CachedPage, tuple[str, ...]]]:
    work = partial(_process_page, context=context, base_urls=base_urls)
    workers = min(os.cpu_count() or 1, 8)
    if len(pages) < _PARALLEL_FROM or workers < 2:
        yield from map(work, pages)
        return
    # Forked workers start at once and share the imported modules; results come back in order.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(work, pages, chunksize=32)


def _process_page(
    page: PageFile, context: ReadContext, base_urls: Mapping[str, str]
) -> tuple[CachedPage, tuple[str, ...]]:
    """Read one page and, for a build, render its pieces: the work one worker does per page."""
    from talkfeed.render.parts import render_pieces

    result = read_page(page, context)
    entry = None
    stamp = None
    if result.talk is not None:
        base_url = base_urls.get(result.talk.lang)
        try:
            pieces = render_pieces(result.talk, base_url) if base_url is not None else {}
        except Exception as error:  # one page's bug must not stop the others
            failed = Finding(page.name, None, Severity.ERROR, unexpected(error))
            return CachedPage((*result.findings, failed), None, None, None), result.dependencies
        stamp = base_url
        entry = entry_of(result.talk, pieces)
    return CachedPage(result.findings, result.skipped_reason, entry, stamp), result.dependencies


def _selection(options: Options) -> Selection:
    return Selection(
        now=_now(options),
        drafts=options.drafts,
        future=options.future,
        expired=options.expired,
        limit=options.limit,
    )


def _now(options: Options) -> datetime:
    return options.now or datetime.now(UTC)


def _duplicate_permalinks(talks: Sequence[Entry]) -> tuple[list[Finding], set[str]]:
    """Find talks whose permalink an earlier-published talk already has; leave them out.

    Hugo builds such a site and one page wins the path. The first published talk keeps the
    permalink, so the id feed readers already know never moves to another talk.
    """
    # Languages with a base URL of their own can use the same path: group by language too.
    by_path: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for talk in talks:
        if talk.listed_at is None:
            by_path[(talk.lang, talk.url_path)].append(talk)
    findings = []
    left_out: set[str] = set()
    for (_, url_path), group in by_path.items():
        if len(group) < 2:
            continue
        keeper, *others = sorted(group, key=lambda talk: (talk.published, talk.path))
        for talk in others:
            left_out.add(talk.path)
            findings.append(
                Finding(
                    talk.path,
                    None,
                    Severity.WARNING,
                    f"permalink /{url_path} is also the permalink of {keeper.path}, published earlier, "
                    "which keeps it; this talk is left out (give one of them another slug: or url:)",
                )
            )
    return findings, left_out


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


def _base_url(value: str | None) -> str:
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


def _served_path(output: Path, site_root: Path | None) -> str:
    """Where the output folder is served: its path below the site's ``public/``, as Hugo's.

    Any other folder is taken to be served at the base URL itself.
    """
    if site_root is None:
        return ""
    try:
        below = output.absolute().relative_to(site_root / "public")
    except ValueError:
        return ""
    return "".join(f"{part}/" for part in below.parts)


def _home_url(talks: Sequence[Entry], single_page: bool, base_url: str) -> str:
    folders = [talk.url_path.strip("/").split("/")[:-1] for talk in talks]
    if not folders or single_page:
        return base_url
    common = folders[0]
    for folder in folders[1:]:
        size = 0
        while size < min(len(common), len(folder)) and common[size] == folder[size]:
            size += 1
        common = common[:size]
    return permalink(base_url, "".join(f"{part}/" for part in common))


def _finding_order(finding: Finding) -> tuple[str, int]:
    return (finding.path, finding.line or 0)
