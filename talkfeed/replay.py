"""Tell, before anything is read, that nothing changed since the last build into a folder.

A build keeps one record per output folder in the cache folder: what decided it besides the
site's files (talkfeed's version and code, the plan less its clock), the state of every folder
it listed and every file it read (pages, what they depend on, section pages, author profiles),
each taken before it was listed or read, the first moment the clock changes what it publishes,
the state of every file it wrote, and its report. The next build into the folder compares those
states, one ``stat`` each, and when none changed it replays the report: no page is found, read
or rendered. A record that cannot be read, or that is not a record, is no record.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from talkfeed.read.paths import file_signature, folder_state

_VERSION = 2


@dataclass(frozen=True)
class Inputs:
    """What a build read, with each one's state from before it was read."""

    folders: Mapping[str, str]
    files: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Outcome:
    """What a build wrote and reported, to be replayed."""

    files: Mapping[str, list[int] | None]
    """The state (size, mtime) of each file it wrote, by path below the output folder."""
    findings: tuple[list[Any], ...]
    published: int
    skipped: tuple[str, ...]
    valid_until: datetime | None
    built_at: datetime
    """The build's "now": a clock before it could publish less."""


def recall(cache_folder: Path | None, output: Path, key: str, now: datetime) -> Outcome | None:
    """The outcome of the last build into ``output``, if it had the ``key`` and nothing it read
    or wrote has changed since, and the clock has not reached its ``valid_until``."""
    if cache_folder is None:
        return None
    try:
        record = json.loads(_record_path(cache_folder, output).read_text(encoding="utf-8"))
        if record.get("version") != _VERSION or record.get("key") != key:
            return None
        until = datetime.fromisoformat(record["valid_until"]) if record["valid_until"] else None
        if (until is not None and now >= until) or now < datetime.fromisoformat(record["built_at"]):
            # The clock has passed a date that changes what is published, or went back before it.
            return None
        folders, files, written = record["folders"], record["files"], record["written"]
        if any(folder_state(name) != state for name, state in folders.items()):
            return None
        if any(file_signature(name) != state for name, state in files):
            return None
        if any(file_state(output / name) != state for name, state in written.items()):
            return None
        built = datetime.fromisoformat(record["built_at"])
        return Outcome(
            written,
            tuple(record["findings"]),
            int(record["published"]),
            tuple(record["skipped"]),
            until,
            built,
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def remember(cache_folder: Path | None, output: Path, key: str, inputs: Inputs, outcome: Outcome) -> None:
    """Keep the record of a build for the next one; a record that cannot be written is left out."""
    if cache_folder is None:
        return
    record = {
        "version": _VERSION,
        "key": key,
        "valid_until": outcome.valid_until.isoformat() if outcome.valid_until is not None else None,
        "built_at": outcome.built_at.isoformat(),
        "folders": dict(inputs.folders),
        "files": [list(pair) for pair in inputs.files],
        "written": dict(outcome.files),
        "findings": list(outcome.findings),
        "published": outcome.published,
        "skipped": list(outcome.skipped),
    }
    path = _record_path(cache_folder, output)
    with contextlib.suppress(OSError):
        cache_folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_folder, prefix=".build-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(record, stream, separators=(",", ":"))
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def page_inputs(pages: Iterable[tuple[str, str | None]]) -> list[tuple[str, str]] | None:
    """The files behind pages, from each page's path and its state as the page cache keeps it
    (``signature\\0dependencies\\0stamp``); ``None`` when a page's state is not known."""
    files: list[tuple[str, str]] = []
    for path, state in pages:
        if state is None:
            return None
        signature, dependencies, _ = state.split("\0", 2)
        files.append((path, signature))
        files += ((str(name), str(value)) for name, value in json.loads(dependencies))
    return files


def file_state(path: Path) -> list[int] | None:
    """A written file's size and mtime; ``None`` when it is not there."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _record_path(cache_folder: Path, output: Path) -> Path:
    digest = hashlib.sha256(str(output).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return cache_folder / f"build-{digest}.json"
