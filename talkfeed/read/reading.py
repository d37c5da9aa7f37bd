"""Survey a site and read its pages: from the cache where it can, on every core when there are many.

For a build, each talk's part of every format is rendered once, beside the reading.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from talkfeed.cache import CachedPage, PageCache
from talkfeed.errors import Finding, Severity, finding_order
from talkfeed.model import EVENTS_FOLDER, Credit, Entry, PartSettings, Talk, Wording, entry_of
from talkfeed.read.cascade import read_cascades
from talkfeed.read.discover import PageFile, Watched, find_pages
from talkfeed.read.page import ReadContext, once_per_site_file, read_page, unexpected
from talkfeed.read.paths import file_signature, folder_state
from talkfeed.read.permalinks import PathStyle
from talkfeed.read.site import author_folders, read_author_names

if TYPE_CHECKING:
    from talkfeed.plan import Plan, SourcePlan

_PARALLEL_FROM = 200
"""Below this many pages to read, starting worker processes costs more than it saves."""


@dataclass(frozen=True)
class Survey:
    """What the site holds before any page is read: its pages, and how to read them."""

    pages: tuple[PageFile, ...] = field(repr=False)
    context: ReadContext
    findings: tuple[Finding, ...] = field(repr=False)
    folders: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The state of every folder listed to find the pages, profiles and section pages, taken
    before it was listed (``folder_state``)."""
    files: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The state of every file the context was read from (section pages, author profiles),
    taken before it was read (``file_signature``)."""


@dataclass(frozen=True)
class Reading:
    """Every page read: the valid talks of every language (with their parts for a build)."""

    talks: tuple[Entry, ...]
    findings: tuple[Finding, ...]
    invalid: tuple[str, ...]
    """Pages left out for errors, by path."""
    pages: int
    """How many talk pages were found."""


def survey(plan: SourcePlan) -> Survey:
    """Find a source's talk pages, and read what reading them needs: author names and cascades."""
    source, site = plan.source, plan.site
    watched = Watched()
    pages, findings, indexes = find_pages(source, watched)
    if source.note is not None:
        findings.insert(0, Finding(str(source.given), None, Severity.WARNING, source.note))
    for folder in author_folders(site.root, source.content_roots):
        watched.folders[str(folder)] = folder_state(str(folder))
        for name in _files_in(folder):
            watched.files[name] = file_signature(name)
    for index in indexes:
        watched.files[str(index.path)] = file_signature(str(index.path))
    authors, owner, author_findings = read_author_names(site.root, source.content_roots)
    cascades, cascade_findings = read_cascades(indexes, site.cascade, source.relative)
    context = ReadContext(
        zone=plan.zone,
        default_language=site.default_language,
        prefixed_languages=frozenset(code for code in site.languages if site.prefixes(code)),
        list_sections="section" not in site.disabled_kinds,
        permalinks={code: language.permalinks for code, language in site.languages.items()},
        path_style=PathStyle(
            lower=site.lower_paths,
            remove_accents=site.remove_path_accents,
            ugly=site.ugly_urls,
            older_hugo=any("current Hugo refuses" in finding.message for finding in author_findings),
        ),
        date_keys=site.date_keys,
        cascades=cascades,
        authors=authors,
        owner=owner,
        site_root=site.root,
        static_dirs=site.static_dirs,
        max_page_bytes=plan.max_page_bytes,
    )
    return Survey(
        tuple(pages),
        context,
        (*findings, *author_findings, *cascade_findings),
        watched.folders,
        watched.files,
    )


def _files_in(folder: Path) -> list[str]:
    """The files of a folder author profiles are read from; none when it is not there."""
    try:
        return sorted(entry.path for entry in os.scandir(folder) if not entry.is_dir())
    except OSError:
        return []


def read_pages(
    plan: Plan, source: SourcePlan, site: Survey, cache: PageCache, render: bool = False
) -> Reading:
    """Read every page of one source's survey; for a build (``render``), each talk's parts too.

    A talk whose permalink an earlier-published talk has is left out with a warning.
    """
    cache.with_pieces = render
    urls = part_settings(plan, source) if render else {}
    outcomes = _outcomes(plan, site, cache, urls)
    findings = [*site.findings, *([cache.problem] if cache.problem is not None else [])]
    entries: list[Entry] = []
    # What the survey could not read (a folder, a profile) stops a build as a bad page does.
    invalid = [finding.path for finding in site.findings if finding.severity is Severity.ERROR]
    for page, outcome in zip(site.pages, outcomes, strict=True):
        findings.extend(outcome.findings)
        if outcome.entry is not None:
            entries.append(outcome.entry)
        elif outcome.skipped_reason is None:
            invalid.append(page.name)
    duplicates, left_out = _duplicate_permalinks(entries)
    findings.extend(duplicates)
    valid = tuple(entry for entry in entries if entry.path not in left_out)
    ordered = tuple(sorted(once_per_site_file(findings), key=finding_order))
    return Reading(valid, ordered, tuple(invalid), len(site.pages))


def talk_of(site: Survey, entry: Entry) -> Talk | None:
    """Read again the page an entry came from, in full; ``None`` when it no longer gives a talk."""
    for page in site.pages:
        if page.name == entry.path and page.lang == entry.lang:
            return read_page(page, site.context).talk
    return None


def part_settings(plan: Plan, source: SourcePlan) -> dict[str, PartSettings]:
    """What a source's talks' parts depend on, per language: its base URL, the page about the
    feeds, and in an aggregate the site to credit."""
    return {
        code: PartSettings(
            base,
            plan.about_url,
            Credit(source.label, source.home_url) if plan.aggregate else None,
            plan.feeds_url + EVENTS_FOLDER if plan.feeds_url and "ics" in plan.formats else "",
            source.wordings.get(code) or Wording(),
        )
        for code, base in source.base_urls.items()
    }


def read_talks(plan: SourcePlan) -> tuple[list[Talk], list[Finding]]:
    """Read every talk page into a full ``Talk``, for library callers; no cache, nothing rendered."""
    site = survey(plan)
    findings = list(site.findings)
    talks = []
    for page in site.pages:
        result = read_page(page, site.context)
        findings.extend(result.findings)
        if result.talk is not None:
            talks.append(result.talk)
    return talks, sorted(once_per_site_file(findings), key=finding_order)


def _outcomes(
    plan: Plan, site: Survey, cache: PageCache, urls: Mapping[str, PartSettings]
) -> list[CachedPage]:
    """Each page's outcome: from the cache when the page is unchanged (and its parts were made
    for its base URL), else read now."""
    outcomes: dict[str, CachedPage] = {}
    stamps = {code: _stamp(settings) for code, settings in urls.items()}
    for page in site.pages:
        cached = cache.lookup(page)
        if cached is not None and _complete(cached, stamps):
            outcomes[page.key] = cached
    missing = [page for page in site.pages if page.key not in outcomes]
    # A page changed in the last moments is read now and again next time (see ``file_signature``).
    now = time.time_ns()
    signatures = [file_signature(str(page.path), since_ns=now) for page in missing]
    reading = plan.progress(len(missing)) if plan.progress else contextlib.nullcontext(None)
    with reading as advance:
        fresh = _read_all(missing, site.context, urls, stamps)
        for page, signature, (outcome, dependencies) in zip(missing, signatures, fresh, strict=True):
            if advance is not None:
                advance(1)
            cache.store(page, signature, dependencies, outcome)
            # The pieces are in the cache now: an output reads each when it is written.
            outcomes[page.key] = _without_pieces(outcome)
    cache.flush(kept={page.key for page in site.pages})
    return [outcomes[page.key] for page in site.pages]


def _without_pieces(outcome: CachedPage) -> CachedPage:
    if outcome.entry is None or not outcome.entry.pieces:
        return outcome
    return replace(outcome, entry=replace(outcome.entry, pieces={}))


def _complete(cached: CachedPage, stamps: Mapping[str, str]) -> bool:
    """Whether a cached page's parts were made with the settings its language has now."""
    if cached.entry is None or cached.entry.lang not in stamps:
        return True
    return cached.pieces_stamp == stamps[cached.entry.lang]


def _read_all(
    pages: Sequence[PageFile],
    context: ReadContext,
    urls: Mapping[str, PartSettings],
    stamps: Mapping[str, str],
) -> Iterator[tuple[CachedPage, tuple[tuple[str, str], ...]]]:
    work = partial(_read_one, context=context, urls=urls, stamps=stamps)
    workers = min(os.cpu_count() or 1, 8)
    if len(pages) < _PARALLEL_FROM or workers < 2:
        yield from map(work, pages)
        return
    # Imported here: a run that reads few pages (or none) does not pay for them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Forked workers start at once and share the imported modules; results come back in order.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(work, pages, chunksize=32)


def _read_one(
    page: PageFile, context: ReadContext, urls: Mapping[str, PartSettings], stamps: Mapping[str, str]
) -> tuple[CachedPage, tuple[tuple[str, str], ...]]:
    """Read one page and render its parts where its language is rendered: one worker's job.

    Also tells the state of each file the page's result depends on (its bundle, its image…);
    one changed while it was read is "changed while read", so the next run reads the page again.
    """
    from talkfeed.render.parts import render_pieces

    started = time.time_ns()
    result = read_page(page, context)
    dependencies = tuple((name, file_signature(name, since_ns=started)) for name in result.dependencies)
    entry = None
    stamp = None
    if result.talk is not None:
        language_urls = urls.get(result.talk.lang)
        try:
            pieces = render_pieces(result.talk, language_urls) if language_urls is not None else {}
        except Exception as error:  # one page's bug must not stop the others
            failed = Finding(page.name, None, Severity.ERROR, unexpected(error))
            return CachedPage((*result.findings, failed), None, None, None), dependencies
        stamp = stamps.get(result.talk.lang)
        entry = entry_of(result.talk, pieces)
    return CachedPage(result.findings, result.skipped_reason, entry, stamp), dependencies


def _stamp(settings: PartSettings) -> str:
    """Sum up what a language's parts depend on (its settings and wording), once per language: a
    digest, which every page's record keeps."""
    return hashlib.sha256(json.dumps(asdict(settings)).encode()).hexdigest()


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
