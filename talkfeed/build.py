"""talkfeed's jobs, each one flow: settle the plan, read, select, render, write.

``build`` writes the feeds; ``check`` reads and validates; ``list_talks`` says what a build
would publish; ``read_talks`` gives library callers every ``Talk``. Everything is rendered
before anything is written, and nothing is written when a page has an error (unless the
run skips invalid pages) or when there is no talk to publish (unless it allows that).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from talkfeed import __version__
from talkfeed.cache import PageCache, code_stamp, finding_from, finding_record
from talkfeed.errors import EmptyResultError, Finding, InvalidTalksError, finding_order
from talkfeed.model import Entry, Talk
from talkfeed.plan import DEFAULT_WAIT_SECONDS, Options, Plan, settle
from talkfeed.read.reading import Reading, Survey, read_pages, survey
from talkfeed.read.reading import read_talks as read_all_talks
from talkfeed.select.choose import held_back
from talkfeed.select.views import choose_views, start_moment
from talkfeed.urls import permalink
from talkfeed.write.files import MANIFEST_NAME, Written, locked, needs_recovery, recover, write_spliced
from talkfeed.write.splice import layouts_text, read_layouts

__all__ = ["Options", "build", "check", "list_talks", "read_talks", "recover_output"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BuildReport:
    findings: tuple[Finding, ...]
    published: int
    """How many talks the main feed holds."""
    written: tuple[Written, ...] = field(default=())
    skipped: tuple[str, ...] = field(default=())


def build(options: Options) -> BuildReport:
    """Read, select, render, then write the feeds into the output folder.

    The whole run holds the output folder's lock, so a run that read an older site never
    writes over a newer one; a killed run's writes are finished first. When no page, setting
    or output changed since the last build into the folder, and the clock has not passed a
    publish, expiry or start date since, nothing is read or rendered.
    """
    plan = settle(options, building=True)
    with locked(plan.output, plan.wait_seconds):
        recover(plan.output)
        site = survey(plan)
        with _cache(plan, site) as cache:
            report = _unchanged_build(plan, site, cache)
            if report is None:
                from talkfeed.render.files import render_files  # rendering's imports cost 0.3 s

                reading = read_pages(plan, site, cache, render=True)
                _refuse_unpublishable(plan, reading)
                views = choose_views(plan, reading.talks)
                settings = _run_key(plan, site)
                files = render_files(
                    plan,
                    views,
                    reading.talks,
                    lambda talk, name: cache.piece(talk.path, name),
                    lambda talk: cache.version(talk.path, settings),
                )
                layouts = read_layouts(cache.recall_text(f"layouts:{plan.output}"))
                written, layouts = write_spliced(plan.output, files, layouts)
                cache.remember_text(f"layouts:{plan.output}", layouts_text(layouts))
                report = BuildReport(reading.findings, len(views[0].talks), tuple(written), reading.invalid)
                _remember_build(plan, site, cache, report, reading)
    return report


@dataclass(frozen=True)
class Check:
    """What ``check`` found: every page read, the valid talks, and what the feeds leave out."""

    language: str
    talks: tuple[Entry, ...]
    """The valid talks of the language a build publishes."""
    all_talks: tuple[Entry, ...]
    findings: tuple[Finding, ...]
    invalid: tuple[str, ...]
    pages: int
    held_back: dict[str, int]
    """How many of ``talks`` the default rules leave out: "draft", "future", "expired"."""


def check(options: Options) -> Check:
    """Read and validate every talk page; write nothing."""
    plan = settle(options)
    site = survey(plan)
    with _cache(plan, site) as cache:
        reading = read_pages(plan, site, cache)
    talks = tuple(talk for talk in reading.talks if talk.lang == plan.language)
    held: dict[str, int] = {}
    for talk in talks:
        reason = held_back(talk, plan.selection)
        if reason is not None:
            held[reason] = held.get(reason, 0) + 1
    return Check(plan.language, talks, reading.talks, reading.findings, reading.invalid, reading.pages, held)


@dataclass(frozen=True)
class Listed:
    """One talk a build would publish, as ``list`` prints it."""

    published: datetime
    url: str
    title: str
    path: str


def list_talks(options: Options) -> tuple[list[Listed], Reading]:
    """Say what a build would publish, in feed order, with the reading's findings."""
    plan = settle(options)
    site = survey(plan)
    with _cache(plan, site) as cache:
        reading = read_pages(plan, site, cache)
    main = choose_views(plan, reading.talks)[0]
    return [Listed(talk.published, _link(plan, talk), talk.title, talk.path) for talk in main.talks], reading


def read_talks(options: Options) -> tuple[list[Talk], list[Finding]]:
    """Read every talk page into a full ``Talk``; pages with errors are left out, their findings kept."""
    return read_all_talks(settle(options))


def recover_output(output: Path, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> bool:
    """Finish the writes of a run killed in ``output``, if one was; tell whether there was one."""
    if not needs_recovery(output):
        return False
    with locked(output, wait_seconds):
        recover(output)
    return True


def _refuse_unpublishable(plan: Plan, reading: Reading) -> None:
    if reading.invalid and not plan.skip_invalid:
        raise InvalidTalksError(reading.invalid, reading.findings)
    if not plan.allow_empty and not any(talk.lang == plan.language for talk in reading.talks):
        raise EmptyResultError(
            f"no valid talk in language {plan.language} among {reading.pages} talk page(s) found; "
            "nothing was written (check SOURCE and --lang, or pass --allow-empty to publish empty feeds)"
        )


def _link(plan: Plan, talk: Entry) -> str:
    """Where a talk links: its permalink (site-relative where the base URL is), or, for a talk
    without a page of its own, its event or the list page that shows it."""
    if talk.listed_at is not None and talk.outside_url is not None:
        return talk.outside_url
    path = talk.url_path if talk.listed_at is None else talk.listed_at
    base = plan.link_bases.get(talk.lang)
    if base is None:
        return "/" + path
    return permalink(base.rstrip("/") + "/", path)


@contextlib.contextmanager
def _cache(plan: Plan, site: Survey) -> Iterator[PageCache]:
    """The page cache of the plan's SOURCE, open for the run; its problems become warnings."""
    if plan.cache_folder is None:
        cache = PageCache.disabled()
    else:
        cache = PageCache.open(plan.cache_folder, plan.source.given, repr(site.context))
    try:
        yield cache
    finally:
        cache.close()


def _run_key(plan: Plan, site: Survey) -> str:
    """Sum up what besides the pages decides a build's output: version, code, plan, reading settings.

    The whole plan counts but its clock (its own validity date covers that) and its wait.
    """
    timeless = replace(plan, now=_EPOCH, selection=replace(plan.selection, now=_EPOCH), wait_seconds=0.0)
    text = f"{__version__}|{code_stamp()}|{site.context!r}|{timeless!r}"
    return hashlib.sha256(text.encode()).hexdigest()


def _unchanged_build(plan: Plan, site: Survey, cache: PageCache) -> BuildReport | None:
    record = cache.recall(str(plan.output))
    if record is None or record.get("key") != _run_key(plan, site):
        return None
    until = record.get("valid_until")
    if until is not None and plan.now >= datetime.fromisoformat(until):
        return None
    fingerprint = cache.fingerprint(site.pages)
    if fingerprint is None or fingerprint != record.get("fingerprint"):
        return None
    files = record.get("files", {})
    if any(_file_state(plan.output / name) != state for name, state in files.items()):
        return None
    findings = tuple(sorted((finding_from(row) for row in record.get("findings", [])), key=finding_order))
    written = tuple(Written(plan.output / name, False) for name in sorted(files) if not name.startswith("."))
    return BuildReport(findings, int(record.get("published", 0)), written, tuple(record.get("skipped", [])))


def _remember_build(
    plan: Plan, site: Survey, cache: PageCache, report: BuildReport, reading: Reading
) -> None:
    fingerprint = cache.fingerprint(site.pages)
    if fingerprint is None:
        return
    names = [each.path.relative_to(plan.output).as_posix() for each in report.written if not each.removed]
    until = _valid_until(plan, reading)
    record: dict[str, Any] = {
        "key": _run_key(plan, site),
        "fingerprint": fingerprint,
        "valid_until": until.isoformat() if until is not None else None,
        "files": {name: _file_state(plan.output / name) for name in [*names, MANIFEST_NAME]},
        "findings": [finding_record(finding) for finding in report.findings],
        "published": report.published,
        "skipped": list(report.skipped),
    }
    cache.remember(str(plan.output), record)


def _file_state(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _valid_until(plan: Plan, reading: Reading) -> datetime | None:
    """The first moment after now at which a talk is published, expires or starts."""
    moments = [
        moment
        for talk in reading.talks
        for moment in (talk.published, talk.expires, start_moment(talk, plan.zone))
        if moment is not None and moment > plan.now
    ]
    return min(moments, default=None)
