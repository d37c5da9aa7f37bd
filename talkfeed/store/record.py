"""Tell, before anything is read, that nothing changed since the last build into a folder.

A build keeps a record per output folder in its first source's store: its key (what decides
it besides the site's files: see ``keys``), the state of every folder it listed and every file it
read (pages, what they depend on, section pages, author profiles), each taken before it was
listed or read, the first moment the clock changes what it publishes, the state of every file
it wrote (inode, size, mtime and ctime), and its report. The next build into the folder compares
those states, one ``stat`` each, and when none changed it replays the report: no page is found,
read or rendered. An unsettled state (see ``state``) is never equal to a later one, so a build
that read a file within its file system's resolution of a change is followed by a real build.
A record that cannot be read, or that is not a record, is no record.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from talkfeed.store.state import ABSENT, UNSETTLED, state_of, written_state
from talkfeed.store.store import Store

_FORMAT = 3


@dataclass(frozen=True)
class Inputs:
    """What a build read, with each one's state from before it was read."""

    folders: Mapping[str, str]
    files: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Outcome:
    """What a build wrote and reported, to be replayed."""

    files: Mapping[str, str]
    """The state of each file it wrote (``output_state``), by path below the output folder."""
    findings: tuple[list[Any], ...]
    published: int
    skipped: tuple[str, ...]
    valid_until: datetime | None
    built_at: datetime
    """The build's "now": a clock before it could publish less."""


def recall(store: Store, output: Path, key: str, now: datetime) -> Outcome | None:
    """The outcome of the last build into ``output``, if it had the ``key`` and nothing it read
    or wrote has changed since, and the clock has not reached its ``valid_until``."""
    text = store.recall(_name(output))
    if text is None:
        return None
    try:
        record = json.loads(text)
        if record.get("format") != _FORMAT or record.get("key") != key:
            return None
        until = datetime.fromisoformat(record["valid_until"]) if record["valid_until"] else None
        built = datetime.fromisoformat(record["built_at"])
        if (until is not None and now >= until) or now < built:
            # The clock has passed a date that changes what is published, or went back before it.
            return None
        if not all(_same(state_of(name), state) for name, state in record["folders"].items()):
            return None
        if not all(_same(state_of(name), state) for name, state in record["files"]):
            return None
        written = record["written"]
        folder = f"{output}{os.sep}"
        if not all(_same(output_state(folder + name), state) for name, state in written.items()):
            return None
        return Outcome(
            written,
            tuple(record["findings"]),
            int(record["published"]),
            tuple(record["skipped"]),
            until,
            built,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def remember(store: Store, output: Path, key: str, inputs: Inputs, outcome: Outcome) -> None:
    """Keep the record of a build for the next one (a store without a file keeps none)."""
    record = {
        "format": _FORMAT,
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
    store.remember(_name(output), json.dumps(record, separators=(",", ":")))


def output_state(path: str | Path, taken_ns: int | None = None) -> str:
    """The state of a file a build wrote: inode, size, mtime and ctime, no link followed (so an
    edit that puts the mtime back, or a file put in its place, is seen); see ``written_state``."""
    try:
        status = os.lstat(path)
    except OSError:
        return ABSENT
    return written_state(status, time.time_ns() if taken_ns is None else taken_ns)


def _same(now: str, then: str) -> bool:
    return now == then and then != UNSETTLED


def _name(output: Path) -> str:
    return f"build-record:{output}"
