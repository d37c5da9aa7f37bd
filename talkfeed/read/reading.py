"""Survey a site and read its pages into ``Talk`` records: from the store where a page is
unchanged, else read now, on every core when there are many.

Reading renders nothing. A run that wants more of each talk it reads (a build wants its parts)
gives a ``TalkWork``, done in the worker that read the talk, so a talk is never sent between
processes to be worked on.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from functools import partial
from pathlib import Path
from typing import Protocol

from talkfeed.errors import Finding, Severity, finding_order
from talkfeed.model import UNDATED, Entry, Talk, entry_of
from talkfeed.read.cascade import read_cascades
from talkfeed.read.discover import PageFile, Watched
from talkfeed.read.listing import listed_pages
from talkfeed.read.page import ReadContext, read_page, unexpected
from talkfeed.read.page_files import once_per_site_file
from talkfeed.read.parsing import DEFAULT_MAX_PAGE_BYTES
from talkfeed.read.permalinks import PathStyle
from talkfeed.read.site import Source, author_folders, read_author_names
from talkfeed.store.state import file_digest, state_of
from talkfeed.store.store import PageRecord, Store, StoreWriter, rows_of
from talkfeed.store.store import Watched as WatchedFile

_PARALLEL_FROM = 200
"""Below this many pages to read, starting worker processes costs more than it saves."""

Progress = Callable[[int], AbstractContextManager[Callable[[int], None] | None]]
"""Given the number of pages to read, a context giving a function to call per page read."""


class TalkWork(Protocol):
    """What a run does with each talk it reads, in the process that read it (a build: render its
    parts). Must be picklable: workers get it with their pages."""

    def stamp(self, lang: str) -> str | None:
        """What the work's result depends on besides the talk, for talks of ``lang``; ``None``
        where the language's talks get no work."""

    def __call__(self, talk: Talk) -> Mapping[str, str]:
        """Do the work: the talk's parts by name."""


@dataclass(frozen=True)
class Survey:
    """What the site holds before any page is read: its pages, and how to read them."""

    pages: tuple[PageFile, ...] = field(repr=False)
    context: ReadContext
    findings: tuple[Finding, ...] = field(repr=False)
    folders: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The state of every folder listed to find the pages, profiles and section pages, taken
    before it was listed."""
    files: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The state of every file the context was read from (section pages, author profiles, links),
    taken before it was read."""


@dataclass(frozen=True)
class Reading:
    """Every page read: the valid talks of every language."""

    talks: tuple[Entry, ...]
    findings: tuple[Finding, ...]
    invalid: tuple[str, ...]
    """Pages left out for errors, by path."""
    pages: int
    """How many talk pages were found."""


def survey(
    source: Source, zone: tzinfo, store: Store | None = None, max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
) -> Survey:
    """Find a source's talk pages, and read what reading them needs: author names and cascades.

    ``zone`` is the zone of dates written without an offset; a page larger than
    ``max_page_bytes`` is an error. With a ``store``, the pages it
    listed last time are taken again while no folder changed (see ``listing``).
    """
    site = source.site
    watched = Watched()
    pages, findings, indexes = listed_pages(source, store, watched)
    if source.note is not None:
        findings.insert(0, Finding(str(source.given), None, Severity.WARNING, source.note))
    for folder in author_folders(site.root, source.content_roots):
        watched.folders[str(folder)] = state_of(folder)
        for name in _files_in(folder):
            watched.files[name] = state_of(name)
    for index in indexes:
        watched.files[str(index.path)] = state_of(index.path)
    authors, owner, author_findings = read_author_names(site.root, source.content_roots)
    cascades, cascade_findings = read_cascades(indexes, site.cascade, source.relative)
    context = ReadContext(
        zone=zone,
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
        max_page_bytes=max_page_bytes,
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
    site: Survey, store: Store, work: TalkWork | None = None, progress: Progress | None = None
) -> Reading:
    """Read every page of one source's survey into its ``Entry``; with ``work``, each talk's parts too.

    A page the store holds a record of, unchanged and with parts made for ``work``'s settings,
    is not read. A talk whose permalink an earlier-published talk has is left out with a warning.
    """
    records = _records(site, store, work, progress)
    findings = [*site.findings, *([store.problem] if store.problem is not None else [])]
    entries: list[Entry] = []
    # What the survey could not read (a folder, a profile) stops a build as a bad page does.
    invalid = [finding.path for finding in site.findings if finding.severity is Severity.ERROR]
    for page, record in zip(site.pages, records, strict=True):
        findings.extend(record.findings)
        if record.entry is not None:
            entries.append(record.entry)
        elif record.skipped_reason is None:
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


def read_talks(source: Source, zone: tzinfo) -> tuple[list[Talk], list[Finding]]:
    """Read every talk page into a full ``Talk``, for library callers; no store, nothing rendered."""
    site = survey(source, zone)
    findings = list(site.findings)
    talks = []
    for page in site.pages:
        result = read_page(page, site.context)
        findings.extend(result.findings)
        if result.talk is not None:
            talks.append(result.talk)
    return talks, sorted(once_per_site_file(findings), key=finding_order)


def _records(
    site: Survey, store: Store, work: TalkWork | None, progress: Progress | None
) -> list[PageRecord]:
    """Each page's record: from the store when the page is unchanged (and its parts were made
    for the work's settings), else read now (and kept in the store)."""
    records: dict[str, PageRecord] = {}
    for page in site.pages:
        record = store.page(page.key, page.path)
        if record is not None and _complete(record, work):
            records[page.key] = record
    missing = [page for page in site.pages if page.key not in records]
    reading = progress(len(missing)) if progress is not None else contextlib.nullcontext(None)
    with reading as advance:
        for page, (record, watched, dependencies, parts, kept) in zip(
            missing, _read_all(missing, site.context, work, store.writer()), strict=True
        ):
            if advance is not None:
                advance(1)
            if kept:
                store.note_kept(page.key, watched, dependencies, record, with_parts=work is not None)
            else:
                store.keep_page(page.key, watched, dependencies, record, parts)
            records[page.key] = record
    store.flush(kept={page.key for page in site.pages})
    return [records[page.key] for page in site.pages]


def _complete(record: PageRecord, work: TalkWork | None) -> bool:
    """Whether a page's record serves the run: it has parts made for the work's settings."""
    if work is None or record.entry is None:
        return True
    wanted = work.stamp(record.entry.lang)
    return wanted is None or record.parts_stamp == wanted


_Result = tuple[PageRecord, WatchedFile, tuple[WatchedFile, ...], Mapping[str, str] | None]
_Kept = tuple[PageRecord, WatchedFile, tuple[WatchedFile, ...], Mapping[str, str] | None, bool]
_BATCH = 64
"""Pages a worker reads, renders and keeps in one go: one transaction of the store per batch."""


def _read_all(
    pages: Sequence[PageFile], context: ReadContext, work: TalkWork | None, writer: StoreWriter | None
) -> Iterator[_Kept]:
    """Read the pages, in order: here when they are few, else on every core, where each worker
    keeps what it read (records and parts) in the store itself and sends back only the records,
    so no part crosses between processes."""
    workers = min(os.cpu_count() or 1, 8)
    if len(pages) < _PARALLEL_FROM or workers < 2:
        for page in pages:
            yield (*_read_one(page, context, work), False)
        return
    # Imported here: a run that reads few pages (or none) does not pay for them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    batches = [pages[start : start + _BATCH] for start in range(0, len(pages), _BATCH)]
    job = partial(_read_batch, context=context, work=work, writer=writer)
    # Forked workers start at once and share the imported modules; results come back in order.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for results in pool.map(job, batches):
            yield from results


def _read_batch(
    pages: Sequence[PageFile], context: ReadContext, work: TalkWork | None, writer: StoreWriter | None
) -> list[_Kept]:
    """A worker's job: read a batch of pages, and keep their records and parts in the store."""
    results = [_read_one(page, context, work) for page in pages]
    if writer is None:
        return [(*result, False) for result in results]
    page_rows: list[tuple[object, ...]] = []
    part_rows: list[tuple[object, ...]] = []
    for page, (record, watched, dependencies, parts) in zip(pages, results, strict=True):
        rows = rows_of(writer.key, page.key, watched, dependencies, record, parts)
        page_rows += rows[0]
        part_rows += rows[1]
    if not writer.write(page_rows, part_rows):
        return [(*result, False) for result in results]
    return [(record, watched, dependencies, None, True) for record, watched, dependencies, _ in results]


def _read_one(page: PageFile, context: ReadContext, work: TalkWork | None) -> _Result:
    """Read one page, and do the work on its talk: one worker's job.

    Also takes the state of the page and of each file its result depends on (its bundle, its
    image…) from before they were read, with their content digests, so the store can tell
    next time whether they changed.
    """
    started = time.time_ns()
    watched = WatchedFile(str(page.path), state_of(page.path, started), file_digest(page.path))
    result = read_page(page, context)
    dependencies = tuple(WatchedFile.of(name, started) for name in result.dependencies)
    talk = result.talk
    if talk is None:
        return PageRecord(result.findings, result.skipped_reason, None), watched, dependencies, None
    stamp = work.stamp(talk.lang) if work is not None else None
    parts = None
    if work is not None and stamp is not None:
        try:
            parts = work(talk)
        except Exception as error:  # one page's bug must not stop the others
            failed = Finding(page.name, None, Severity.ERROR, unexpected(error))
            return PageRecord((*result.findings, failed), None, None), watched, dependencies, None
    record = PageRecord(result.findings, result.skipped_reason, entry_of(talk), stamp)
    return record, watched, dependencies, parts


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
        # A dated page before an undated one (Hugo dates it year 1), then the earliest, then by path.
        keeper, *others = sorted(
            group, key=lambda talk: (talk.published == UNDATED, talk.published, talk.path)
        )
        for talk in others:
            left_out.add(talk.path)
            if talk.published == UNDATED and keeper.published != UNDATED:
                why = "dated (this page has no date)"
            elif keeper.published == talk.published:
                why = "published at the same time and first by its path"
            else:
                why = "published earlier"
            findings.append(
                Finding(
                    talk.path,
                    None,
                    Severity.WARNING,
                    f"permalink /{url_path} is also the permalink of {keeper.path}, {why}, which keeps "
                    "it; this talk is left out (give one of them another slug: or url:)",
                )
            )
    return findings, left_out


def with_source(reading: Reading, index: int, name: str) -> Reading:
    """A source's reading as part of several: its talks say which source they are from, its
    findings and invalid pages are named by the source's path as given."""
    talks = tuple(replace(talk, source=index) for talk in reading.talks) if index else reading.talks
    findings = tuple(replace(finding, path=name + finding.path) for finding in reading.findings)
    return Reading(talks, findings, tuple(name + path for path in reading.invalid), reading.pages)
