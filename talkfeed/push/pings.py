"""Keep, per output folder, what a build told WebSub hubs and what it still owes them.

One small JSON file per output folder in the cache folder (``pings-<hash of DIR>.json``),
beside the build record: for each feed URL the digest of the bytes last announced (so a feed
written again with the same bytes, as in CI where every run starts from an empty folder, is
not announced twice), and each ping not yet taken by its hub, with when it first failed and
why. This is the one module that knows where and how; a store of its own can replace it.
A record that cannot be read is no record (every changed feed is then announced again,
which hubs take as a harmless repeat); one that cannot be written is left out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_VERSION = 1


@dataclass(frozen=True)
class Owed:
    """A ping a hub has not taken yet: tell ``hub`` that the feed at ``topic`` changed."""

    hub: str
    topic: str
    failing_since: datetime | None = None
    """When a ping of it first failed; ``None`` when none was sent yet."""
    error: str | None = None
    """What went wrong the last time."""


@dataclass(frozen=True)
class PingRecord:
    """What the builds into one output folder told its hubs, and still owe them."""

    announced: Mapping[str, str]
    """The digest of each feed's bytes the hubs were last told about, by the feed's URL."""
    owed: tuple[Owed, ...]


def recall(folder: Path, output: Path) -> PingRecord:
    """The record of the pings for ``output``; an empty one when there is none that can be read."""
    try:
        record = json.loads(_path(folder, output).read_text(encoding="utf-8"))
        if record.get("version") != _VERSION:
            return PingRecord({}, ())
        announced = {str(topic): str(digest) for topic, digest in record["announced"].items()}
        owed = tuple(
            Owed(
                str(each["hub"]),
                str(each["topic"]),
                datetime.fromisoformat(each["failing_since"]) if each["failing_since"] else None,
                str(each["error"]) if each["error"] is not None else None,
            )
            for each in record["owed"]
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return PingRecord({}, ())
    return PingRecord(announced, owed)


def remember(folder: Path, output: Path, record: PingRecord) -> bool:
    """Keep the record for the next run; tell whether it could be written."""
    data = {
        "version": _VERSION,
        "announced": dict(record.announced),
        "owed": [
            {
                "hub": each.hub,
                "topic": each.topic,
                "failing_since": each.failing_since.isoformat() if each.failing_since else None,
                "error": each.error,
            }
            for each in record.owed
        ],
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".pings-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, separators=(",", ":"))
            os.replace(temporary, _path(folder, output))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return False
    return True


def _path(folder: Path, output: Path) -> Path:
    digest = hashlib.sha256(str(output).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return folder / f"pings-{digest}.json"
