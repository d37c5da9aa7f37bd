"""talkfeed's jobs, each one flow: settle the plan, read, select, render, write.

``build`` writes the feeds; ``check`` reads and validates; ``list_talks`` says what a build
would publish; ``read_talks`` gives library callers every ``Talk``. Every source of the plan
is read on its own (its cache, its config); their talks are then chosen, rendered and written
as one set. Nothing is written when a page has an error (unless the run skips invalid pages)
or when there is no talk to publish (unless it allows that); the whole set of files is
switched at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, overload

from talkfeed.errors import EmptyResultError, Finding, InvalidTalksError, finding_order
from talkfeed.formats.slots import Version
from talkfeed.model import Entry, Part, SourceOption, Talk
from talkfeed.pieces.parts import PartMaker, part_settings
from talkfeed.plan import DEFAULT_WAIT_SECONDS, Options, Plan, SourcePlan, settle
from talkfeed.read.reading import Reading, Survey, read_pages, survey, talk_of, with_source
from talkfeed.read.reading import read_talks as read_all_talks
from talkfeed.select.choose import held_back
from talkfeed.select.shared import Home, Shared, foreign_ids, merged, shared_talks
from talkfeed.select.views import choose_views, start_moment
from talkfeed.store import record
from talkfeed.store.keys import key_of
from talkfeed.store.records import finding_from, finding_record
from talkfeed.store.store import Store
from talkfeed.write.files import MANIFEST_NAME, Written, write_spliced
from talkfeed.write.journal import needs_recovery, recover
from talkfeed.write.lock import locked
from talkfeed.write.splice import layouts_text, read_layouts

__all__ = [
    "Options",
    "SourceOption",
    "build",
    "check",
    "list_talks",
    "read_talks",
    "recover_output",
    "snippets",
]

if TYPE_CHECKING:
    from talkfeed.push.announce import Announcement


@dataclass(frozen=True)
class BuildReport:
    findings: tuple[Finding, ...]
    published: int
    """How many talks the main feed holds."""
    written: Sequence[Written] = field(default=())
    """Each file of the set, in name order, then each file removed."""
    skipped: tuple[str, ...] = field(default=())
    dropped: tuple[Finding, ...] = field(default=())
    """Sources left out (``--skip-invalid``): not to be passed over even by a quiet run."""
    announcement: Announcement | None = None
    """What the build told the WebSub hubs; ``None`` when it names none."""


class _Unchanged(Sequence[Written]):
    """The files of a replayed build, all unchanged, each made a ``Written`` only when looked at:
    a quiet run of a large site (ten thousand calendar files) never looks."""

    def __init__(self, output: Path, names: Sequence[str]) -> None:
        self._output = output
        self._names = names

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> Written: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Written]: ...
    def __getitem__(self, index: int | slice) -> Written | Sequence[Written]:
        if isinstance(index, slice):
            return [Written(self._output / name, False) for name in self._names[index]]
        return Written(self._output / self._names[index], False)


def build(options: Options) -> BuildReport:
    """Read, select, render, then write the feeds into the output folder.

    The whole run holds the output folder's lock, so a run that read an older site never
    writes over a newer one; a killed run's writes are finished first. When no page, setting
    or output changed since the last build into the folder, and the clock has not passed a
    publish, expiry or start date since, nothing is read or rendered.

    Once the files are in place, each WebSub hub is told about each feed the build changed, and
    again about each ping it did not take before (a ping that fails is a warning in the report).
    """
    plan = settle(options, building=True)
    output = plan.output
    assert output is not None, "a build's plan has an output folder"
    with locked(output, plan.wait_seconds), _stores(plan) as stores:
        recover(output)
        report = _replayed(plan, output, stores[0]) or _built(plan, output, stores)
        if plan.hubs:
            report = replace(report, announcement=_announced(plan, output, report))
    return report


def _announced(plan: Plan, output: Path, report: BuildReport) -> Announcement:
    """Tell the hubs about the feeds the build changed (none, when it was replayed)."""
    from talkfeed.push.announce import announce  # only a build with hubs needs HTTP
    from talkfeed.render.files import is_feed

    replayed = isinstance(report.written, _Unchanged)  # nothing changed: only kept pings to resend
    names = [] if replayed else [(each.path.relative_to(output).as_posix(), each) for each in report.written]
    changed = [name for name, each in names if each.changed and not each.removed and is_feed(name)]
    removed = [name for name, each in names if each.removed and is_feed(name)]
    return announce(plan, output, changed, removed)


def _built(plan: Plan, output: Path, stores: Sequence[Store]) -> BuildReport:
    """Read, select, render and write; remember what was read and written for the next build."""
    sites = _surveys(plan, stores)
    from talkfeed.render.files import render_files  # rendering's imports cost 0.3 s

    reading = _read_sources(plan, sites, stores, render=True)
    _refuse_unpublishable(plan, reading)
    shared = _shared(plan, reading)
    talks = merged(reading.talks, shared)
    views = choose_views(plan, talks)
    files = render_files(
        plan,
        views,
        talks,
        _parts(plan, sites, stores, shared),
        _versions(plan, sites, stores, shared),
    )
    # Each file's layout (which bytes of the old file are which talk's) lets the next run copy
    # what did not change.
    layouts = read_layouts(stores[0].recall(_layouts_name(output)))
    written, layouts = write_spliced(output, files, layouts, plan.replaceable)
    stores[0].remember(_layouts_name(output), layouts_text(layouts))
    report = BuildReport(reading.findings, len(views[0].talks), tuple(written), reading.invalid, plan.dropped)
    _remember_build(plan, output, sites, stores, report, reading)
    return report


@dataclass(frozen=True)
class Check:
    """What ``check`` found: every page read, the valid talks, and what the feeds leave out."""

    language: str
    talks: tuple[Entry, ...]
    """The valid talks the main feeds would publish (each source's in its language)."""
    all_talks: tuple[Entry, ...]
    findings: tuple[Finding, ...]
    invalid: tuple[str, ...]
    pages: int
    held_back: dict[str, int]
    """How many of ``talks`` the default rules leave out: "draft", "future", "expired"."""
    shared: tuple[Shared, ...] = ()
    """The talks several sources publish, which a build publishes once."""
    names: tuple[str, ...] = ()
    """Each source's name in findings (its path as given; "" for the one site of a run)."""
    recovered: Path | None = None
    """The output folder where the writes of a killed run were finished first, if any."""


def check(options: Options) -> Check:
    """Read and validate every talk page of every source; write no feed.

    A killed build's writes in the output folder are finished first, as a build would.
    """
    plan = settle(options)
    recovered = _recovered(plan)
    with _stores(plan) as stores:
        reading = _read_sources(plan, _surveys(plan, stores), stores)
    talks = tuple(talk for talk in reading.talks if plan.publishes(talk))
    held: dict[str, int] = {}
    for talk in talks:
        reason = held_back(talk, plan.selection)
        if reason is not None:
            held[reason] = held.get(reason, 0) + 1
    shared = tuple(_shared(plan, reading))
    names = tuple(source.name for source in plan.sources)
    return Check(
        plan.language,
        talks,
        reading.talks,
        reading.findings,
        reading.invalid,
        reading.pages,
        held,
        shared,
        names,
        recovered,
    )


@dataclass(frozen=True)
class Listed:
    """One talk a build would publish, as ``list`` prints it."""

    published: datetime
    url: str
    title: str
    path: str


def list_talks(options: Options) -> tuple[list[Listed], Reading, Path | None]:
    """Say what a build would publish, in feed order, with the reading's findings and the output
    folder where a killed build's writes were finished first, if any."""
    plan = settle(options)
    recovered = _recovered(plan)
    with _stores(plan) as stores:
        reading = _read_sources(plan, _surveys(plan, stores), stores)
    main = choose_views(plan, merged(reading.talks, _shared(plan, reading)))[0]
    listed = [
        Listed(talk.published, plan.link(talk), talk.title, _file_name(plan, talk)) for talk in main.talks
    ]
    return listed, reading, recovered


def read_talks(options: Options) -> tuple[list[Talk], list[Finding]]:
    """Read every talk page of every source into a full ``Talk``; pages with errors are left out,
    their findings kept (named by source, in an aggregate). Nothing is merged."""
    plan = settle(options)
    talks: list[Talk] = []
    findings: list[Finding] = list(plan.dropped)
    for source in plan.sources:
        found, source_findings = read_all_talks(source.source, source.zone)
        talks += found
        findings += (replace(finding, path=source.name + finding.path) for finding in source_findings)
    return talks, sorted(findings, key=finding_order)


def snippets(options: Options) -> tuple[str, str]:
    """The HTML that links the feeds a build with ``options`` writes from the site's own pages:
    ``<link rel="alternate">`` tags for its ``<head>``, and a block of subscribe links."""
    from talkfeed.render.files import snippets as render_snippets

    return render_snippets(settle(options, building=True))


def recover_output(output: Path, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> bool:
    """Finish the writes of a run killed in ``output``, if one was; tell whether there was one."""
    if not needs_recovery(output):
        return False
    with locked(output, wait_seconds):
        recover(output)
    return True


def _recovered(plan: Plan) -> Path | None:
    """Finish a killed build's writes in the plan's output folder; name the folder if there were any."""
    if plan.output is not None and recover_output(plan.output, plan.wait_seconds):
        return plan.output
    return None


def _read_sources(
    plan: Plan, sites: Sequence[Survey], stores: Sequence[Store], render: bool = False
) -> Reading:
    """Read every source, each with its own store; one reading of them all (for a build, with
    each talk's parts kept in its store).

    Each talk knows its source; in an aggregate, findings and invalid pages are named by the
    source's path as given, so they say which site they are about.
    """
    talks: list[Entry] = []
    findings: list[Finding] = list(plan.dropped)
    invalid: list[str] = []
    pages = 0
    for index, (source, site, store) in enumerate(zip(plan.sources, sites, stores, strict=True)):
        work = PartMaker(part_settings(plan, source)) if render else None
        reading = with_source(read_pages(site, store, work, plan.progress), index, source.name)
        findings += (replace(finding, path=source.name + finding.path) for finding in source.notes)
        talks += reading.talks
        findings += reading.findings
        invalid += reading.invalid
        pages += reading.pages
    if plan.aggregate:
        homes = [
            Home(f'"{source.label}" ({source.name or "."})', _addresses(source)) for source in plan.sources
        ]
        clashes, left_out = foreign_ids(talks, plan.lasting_id, lambda talk: _file_name(plan, talk), homes)
        # A page at another source's address is refused as a page with an error is.
        talks = [talk for talk in talks if talk.key not in left_out]
        findings += clashes
        invalid += (finding.path for finding in clashes)
    return Reading(tuple(talks), tuple(sorted(findings, key=finding_order)), tuple(invalid), pages)


def _surveys(plan: Plan, stores: Sequence[Store]) -> list[Survey]:
    """Survey every source, and let its store read and keep what was read with its settings."""
    sites = []
    for source, store in zip(plan.sources, stores, strict=True):
        site = survey(source.source, source.zone, store, source.max_page_bytes)
        # An aggregate's parts credit the source: they are kept apart from the site's own.
        fields = {"context": site.context, "credited_as": source.label if plan.aggregate else None}
        store.use(key_of(fields, zones=[str(source.zone)]))
        sites.append(site)
    return sites


def _addresses(source: SourcePlan) -> tuple[str, ...]:
    """Where a source publishes: each language's base URL, as the build checked it or as written."""
    found = (*source.base_urls.values(), *source.link_bases.values())
    return tuple(dict.fromkeys(url for url in found if url))


def _shared(plan: Plan, reading: Reading) -> list[Shared]:
    """The talks several sources publish: of those the main feeds publish, as the selection
    chooses them (a draft or a page not yet out joins nothing). One site shares with no other."""
    if not plan.aggregate:
        return []
    return shared_talks(
        talk for talk in reading.talks if plan.publishes(talk) and held_back(talk, plan.selection) is None
    )


def _file_name(plan: Plan, talk: Entry) -> str:
    return plan.source_of(talk).name + talk.path


def _parts(plan: Plan, sites: Sequence[Survey], stores: Sequence[Store], shared: Sequence[Shared]) -> Part:
    """Give each talk's part of a file: from its source's store, or, for a talk several sources
    publish, rendered now from all their pages (there are few)."""
    from talkfeed.pieces.render import render_shared

    rendered: dict[tuple[int, str], dict[str, str]] = {}
    for group in shared:
        pages = [talk_of(sites[talk.source], talk) for talk in group.talks]
        settings = [part_settings(plan, plan.source_of(talk))[talk.lang] for talk in group.talks]
        full = [page for page in pages if page is not None]
        if len(full) == len(pages):
            rendered[group.entry.key] = render_shared(group.entry, full, settings)

    def part(talk: Entry, name: str) -> str:
        pieces = rendered.get(talk.key)
        if pieces is not None:
            return pieces[name]
        return stores[talk.source].part(talk.path, name)

    return part


def _versions(
    plan: Plan, sites: Sequence[Survey], stores: Sequence[Store], shared: Sequence[Shared]
) -> Version:
    """Name the bytes of each talk's parts, so a file can keep what it held of an unchanged talk:
    the state of its page and what decides its parts. A talk several sources publish is
    rendered each run, so it is never named (it is always written afresh)."""
    settings = _run_key(plan, sites)
    unnamed = {group.talks[0].key for group in shared}

    def version(talk: Entry) -> str | None:
        if talk.key in unnamed:
            return None
        return stores[talk.source].version(talk.path, settings)

    return version


def _refuse_unpublishable(plan: Plan, reading: Reading) -> None:
    if reading.invalid and not plan.skip_invalid:
        raise InvalidTalksError(reading.invalid, reading.findings)
    if not plan.allow_empty and not any(plan.publishes(talk) for talk in reading.talks):
        language = f"language {plan.language}" if plan.language else "their languages"
        raise EmptyResultError(
            f"no valid talk in {language} among {reading.pages} talk page(s) found; "
            "nothing was written (check SOURCE and --lang, or pass --allow-empty to publish empty feeds)",
            reading.findings,
        )


@contextlib.contextmanager
def _stores(plan: Plan) -> Iterator[list[Store]]:
    """The store of each source, open for the run; their problems become warnings."""
    stores: list[Store] = []
    try:
        for source in plan.sources:
            if plan.cache_folder is None:
                stores.append(Store.without_memory())
            else:
                stores.append(Store.open(plan.cache_folder, source.source.given))
        yield stores
    finally:
        for store in stores:
            store.close()


def _run_key(plan: Plan, sites: Sequence[Survey]) -> str:
    """Sum up what besides the pages decides a build's output: the plan less its clock (its own
    validity date covers that), every source's reading settings, and what ``key_of`` adds."""
    fields = {"plan": plan.key_fields(), "contexts": [site.context for site in sites]}
    return key_of(fields, zones=[str(source.zone) for source in plan.sources])


def _build_key(plan: Plan) -> str:
    """Sum up what besides the site's files decides a build: the plan less its clock (the
    record's validity date covers that), and what ``key_of`` adds."""
    return key_of({"plan": plan.key_fields()}, zones=[str(source.zone) for source in plan.sources])


def _layouts_name(output: Path) -> str:
    return f"layouts:{output}"


def _replayed(plan: Plan, output: Path, store: Store) -> BuildReport | None:
    """The last build's report, when nothing it read or wrote, nor the plan, changed since."""
    outcome = record.recall(store, output, _build_key(plan), plan.now)
    if outcome is None:
        return None
    findings = tuple(sorted((finding_from(row) for row in outcome.findings), key=finding_order))
    names = sorted(name for name in outcome.files if not name.startswith("."))
    return BuildReport(findings, outcome.published, _Unchanged(output, names), outcome.skipped, plan.dropped)


def _remember_build(
    plan: Plan,
    output: Path,
    sites: Sequence[Survey],
    stores: Sequence[Store],
    report: BuildReport,
    reading: Reading,
) -> None:
    """Keep what the build read (each state from before it was read) and wrote, for ``_replayed``."""
    inputs = [
        store.inputs.get(page.key) for site, store in zip(sites, stores, strict=True) for page in site.pages
    ]
    if any(each is None for each in inputs):
        return
    folders = {name: state for site in sites for name, state in site.folders.items()}
    # A folder a page depends on (its bundle) was stated before it was listed, so before the page
    # was read: its folder state tells any change, and one stat for it is enough.
    files = [pair for site in sites for pair in site.files.items()] + [
        pair for each in inputs if each is not None for pair in each if pair[0] not in folders
    ]
    names = [each.path.relative_to(output).as_posix() for each in report.written if not each.removed]
    outcome = record.Outcome(
        files={name: record.output_state(output / name) for name in [*names, MANIFEST_NAME]},
        findings=tuple(finding_record(finding) for finding in report.findings),
        published=report.published,
        skipped=report.skipped,
        valid_until=_valid_until(plan, reading),
        built_at=plan.now,
    )
    record.remember(stores[0], output, _build_key(plan), record.Inputs(folders, files), outcome)


def _valid_until(plan: Plan, reading: Reading) -> datetime | None:
    """The first moment after now at which a talk is published, expires or starts."""
    moments = [
        moment
        for talk in reading.talks
        for moment in (talk.published, talk.expires, start_moment(talk, plan.zone_of(talk)))
        if moment is not None and moment > plan.now
    ]
    return min(moments, default=None)
