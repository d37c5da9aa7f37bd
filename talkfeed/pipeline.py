"""Run talkfeed's jobs: read every page, choose and order the talks, render, write.

Everything is rendered before anything is written, and nothing is written when any
page has an error (unless the run asks to skip invalid pages).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from talkfeed import __version__
from talkfeed.cache import PageCache, default_cache_folder
from talkfeed.collect import Selection, collect_talks
from talkfeed.discover import PageFile, find_pages
from talkfeed.errors import ConfigError, Finding, InvalidTalksError, Severity
from talkfeed.html import permalink
from talkfeed.model import FeedSettings, Talk
from talkfeed.outputs import FORMATS, render_outputs
from talkfeed.reader import PageResult, ReadContext, read_page
from talkfeed.site import Source, locate_source, read_author_names
from talkfeed.views import plan_views
from talkfeed.writer import Written, locked, write_files

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
    cache_folder: Path | None = None
    """Where the page cache lives; ``None`` is the user's cache folder."""
    progress: Callable[[int], AbstractContextManager[Callable[[int], None] | None]] | None = None
    """Given the number of pages to read, a context giving a function to call per page read."""


@dataclass(frozen=True)
class Catalog:
    """Every page of SOURCE read: the valid talks of every language, and all findings."""

    source: Source
    all_talks: tuple[Talk, ...]
    findings: tuple[Finding, ...]
    invalid: tuple[str, ...]
    """Pages left out for errors, by path."""
    language: str
    """The language a build publishes."""
    zone: tzinfo

    @property
    def talks(self) -> tuple[Talk, ...]:
        """The talks of the language a build publishes."""
        return tuple(talk for talk in self.all_talks if talk.lang == self.language)


@dataclass(frozen=True)
class BuildReport:
    findings: tuple[Finding, ...]
    talks: tuple[Talk, ...]
    written: tuple[Written, ...] = field(default=())
    skipped: tuple[str, ...] = field(default=())


def read_catalog(options: Options) -> Catalog:
    """Find and read every talk page of SOURCE; raises ``ConfigError`` for unusable settings."""
    source = locate_source(options.source)
    site = source.site
    zone = _zone(options.timezone or site.time_zone, from_option=options.timezone is not None)
    language = options.lang or site.default_language
    if options.lang and site.languages and options.lang not in site.languages:
        known = ", ".join(sorted(site.languages))
        raise ConfigError(f"--lang {options.lang}: the site has no such language ({known})")
    authors, author_findings = read_author_names(site.root)
    context = ReadContext(
        zone=zone,
        default_language=site.default_language,
        prefix_default_language=site.default_language_in_subdir,
        languages_with_own_url=frozenset(code for code, lang in site.languages.items() if lang.base_url),
        authors=authors,
        site_root=site.root,
        remove_path_accents=site.remove_path_accents,
    )
    pages, findings = find_pages(source)
    findings.extend(author_findings)
    talks: list[Talk] = []
    invalid: list[str] = []
    results, cache_problem = _read_pages(pages, context, options, source)
    if cache_problem is not None:
        findings.append(
            Finding(
                str(options.cache_folder or default_cache_folder()), None, Severity.WARNING, cache_problem
            )
        )
    for page, result in zip(pages, results, strict=True):
        findings.extend(result.findings)
        if result.talk is not None:
            talks.append(result.talk)
        elif result.skipped_reason is None:
            invalid.append(page.name)
    duplicates = _duplicate_permalinks(talks)
    findings.extend(duplicates)
    clashing = {finding.path for finding in duplicates}
    valid = [talk for talk in talks if talk.path not in clashing]
    invalid.extend(sorted(clashing))
    return Catalog(
        source, tuple(valid), tuple(sorted(findings, key=_finding_order)), tuple(invalid), language, zone
    )


def select(catalog: Catalog, options: Options, language: str | None = None) -> list[Talk]:
    """Apply the draft, future, expiry and limit rules, and order one language's talks for the feed."""
    chosen = language or catalog.language
    return collect_talks(
        (talk for talk in catalog.all_talks if talk.lang == chosen),
        Selection(
            now=_now(options),
            drafts=options.drafts,
            future=options.future,
            expired=options.expired,
            limit=options.limit,
        ),
    )


def feed_settings(catalog: Catalog, options: Options, code: str | None = None) -> FeedSettings:
    """Settle one language's feed URLs, title and language from the options and the site config."""
    site = catalog.source.site
    code = code or catalog.language
    language = site.languages.get(code)
    base_url = _base_url(options.base_url or (language and language.base_url) or site.base_url)
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
    )


def build(options: Options) -> BuildReport:
    """Read, select, render, then write the feeds into ``options.output``.

    Raises ``InvalidTalksError`` when pages have errors and skipping was not asked for;
    nothing is written then.
    """
    catalog = read_catalog(options)
    if catalog.invalid and not options.skip_invalid:
        raise InvalidTalksError(catalog.invalid, catalog.findings)
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
    with locked(options.output, options.wait_seconds):
        written = write_files(options.output, outputs)
    return BuildReport(catalog.findings, tuple(talks), tuple(written), catalog.invalid)


def describe_url(catalog: Catalog, options: Options, talk: Talk) -> str:
    """A talk's permalink where a base URL is known, else its site-relative path."""
    site = catalog.source.site
    language = site.languages.get(catalog.language)
    base = options.base_url or (language and language.base_url) or site.base_url
    if base is None:
        return "/" + talk.url_path
    return permalink(_base_url(base), talk.url_path)


def _read_pages(
    pages: Sequence[PageFile], context: ReadContext, options: Options, source: Source
) -> tuple[list[PageResult], str | None]:
    """Read every page not in the cache, on every core when there are many."""
    if options.use_cache:
        cache, problem = PageCache.open(
            options.cache_folder or default_cache_folder(), source.given, repr(context)
        )
    else:
        cache, problem = PageCache.disabled(), None
    cached = {page.path: result for page in pages if (result := cache.lookup(page)) is not None}
    missing = [page for page in pages if page.path not in cached]
    fresh = dict(zip((page.path for page in missing), _read_all(missing, context, options), strict=True))
    for page in missing:
        cache.store(page, fresh[page.path])
    cache.close(kept={str(page.path) for page in pages})
    return [cached.get(page.path) or fresh[page.path] for page in pages], problem


def _read_all(pages: Sequence[PageFile], context: ReadContext, options: Options) -> Iterator[PageResult]:
    reading = options.progress(len(pages)) if options.progress else contextlib.nullcontext(None)
    with reading as advance:
        for result in _map_pages(pages, context):
            if advance is not None:
                advance(1)
            yield result


def _map_pages(pages: Sequence[PageFile], context: ReadContext) -> Iterator[PageResult]:
    workers = min(os.cpu_count() or 1, 8)
    if len(pages) < _PARALLEL_FROM or workers < 2:
        yield from (read_page(page, context) for page in pages)
        return
    # Forked workers start at once and share the imported modules; results come back in order.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(partial(read_page, context=context), pages, chunksize=64)


def _now(options: Options) -> datetime:
    return options.now or datetime.now(UTC)


def _duplicate_permalinks(talks: Sequence[Talk]) -> list[Finding]:
    by_path: dict[str, list[Talk]] = defaultdict(list)
    for talk in talks:
        by_path[talk.url_path].append(talk)
    findings = []
    for url_path, group in by_path.items():
        if len(group) < 2:
            continue
        for talk in group:
            others = ", ".join(other.path for other in group if other is not talk)
            findings.append(
                Finding(
                    talk.path,
                    None,
                    Severity.ERROR,
                    f"permalink /{url_path} is also the permalink of {others} "
                    "(give one of them another slug: or url:)",
                )
            )
    return findings


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
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
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


def _home_url(talks: Sequence[Talk], single_page: bool, base_url: str) -> str:
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
