"""The one store of what builds remember: one SQLite file per SOURCE.

It holds each page's record (its findings and ``Entry``, with the state and content digest of
the page and of every file its result depends on), each talk's parts (its piece of every
output, with the settings they were made with), and named texts: the record of the last build
into an output folder, and the layouts of the files it assembled. ``PRAGMA user_version`` is the
store's format: a file of another format is emptied, and one that cannot be read is rebuilt
with a warning. Records and parts are kept under the key of the reading settings they were
made with (see ``keys``): a run finds only its own key's, and a key unused for a week is
forgotten. Nothing in the store is ever trusted over the files it describes.

A page's record is used while the page and every file it depends on have the state they had
when it was read, or, where a state changed or was unsettled (see ``state``), the same content.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talkfeed.errors import CacheChangedError, Finding, Severity
from talkfeed.model import Entry
from talkfeed.store.records import entry_from, entry_record, finding_from, finding_record
from talkfeed.store.state import ABSENT, UNSETTLED, digest_of, file_digest, state_of

FORMAT = 1
"""The store's format (``PRAGMA user_version``)."""
_BATCH = 200
"""Rows written together: parts never pile up in memory."""
_DIGEST_LIMIT = 1 << 24
"""A file a result depends on is kept with its content digest when it is no larger than this."""


@dataclass(frozen=True)
class Watched:
    """A file a page's result depends on (its bundle folder, its image, a bundle file), as it was
    before the page was read: its state, and its content digest where it is a small file."""

    name: str
    state: str
    digest: str | None = None

    @classmethod
    def of(cls, name: str, taken_ns: int) -> Watched:
        """Take a file's state at ``taken_ns`` (before the page was read), and its digest."""
        state = state_of(name, taken_ns)
        return cls(name, state, file_digest(name, _DIGEST_LIMIT) if state != ABSENT else None)

    def unchanged(self) -> bool:
        """Whether the file is as it was: the same settled state, or the same content."""
        now = state_of(self.name)
        if now == self.state and now != UNSETTLED:
            return True
        if self.state == ABSENT or now == ABSENT:
            return self.state == now
        return self.digest is not None and file_digest(self.name, _DIGEST_LIMIT) == self.digest


@dataclass(frozen=True)
class PageRecord:
    """What a page gave when it was last read, and the settings its parts were made with."""

    findings: tuple[Finding, ...]
    skipped_reason: str | None
    entry: Entry | None
    parts_stamp: str | None = None
    """The settings the parts were made with; ``None`` when it has none."""


def default_cache_folder() -> Path:
    """The user's cache folder for talkfeed: ``$XDG_CACHE_HOME/talkfeed`` or ``~/.cache/talkfeed``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "talkfeed"


class Store:
    """What builds of one SOURCE remember; a store without a file keeps this run's parts in memory."""

    def __init__(
        self,
        connection: sqlite3.Connection | None,
        path: Path | None = None,
        problem: Finding | None = None,
        scratch: Path | None = None,
    ) -> None:
        self.connection = connection
        self.path = path
        self.scratch = scratch
        """The folder of a scratch file (``--no-cache``), removed on ``close``."""
        self.problem = problem
        """What went wrong opening it, for a warning."""
        self.recalls = scratch is None and connection is not None
        """Whether page records may be found: a scratch store finds none."""
        self.key = ""
        """The key of the reading settings whose records and parts this run reads and keeps."""
        self.damaged = False
        """The file turned out unreadable: it is removed on ``close``, and the next run rebuilds it."""
        self._rows: dict[str, tuple[Any, ...]] | None = None
        self._pending_pages: list[tuple[Any, ...]] = []
        self._pending_parts: list[tuple[str, str, str, str, str]] = []
        self._pending_states: list[tuple[str, str, str, str]] = []
        self._in_memory: dict[str, dict[str, str]] = {}
        self.keys: dict[str, str] = {}
        """Each entry's page key, by the entry's path (its name in findings)."""
        self.stamps: dict[str, str] = {}
        """The stamp of the parts this run uses, by page key: what ``part`` checks it reads."""
        self.inputs: dict[str, tuple[tuple[str, str], ...]] = {}
        """By page key, the state of the page and of each file it depends on, as used this run."""
        self.identities: dict[str, str] = {}
        """By page key, what names the content its parts were made from (the page's and its
        files' digests, where known, else their states)."""

    @classmethod
    def without_memory(cls) -> Store:
        """A store that finds nothing and keeps nothing between runs: a scratch file for this
        run's parts, so even a run without a cache streams them into its files."""
        try:
            folder = Path(tempfile.mkdtemp(prefix="talkfeed-scratch-"))
        except OSError:
            return cls(None)
        try:
            return cls(_connect(folder / "store.sqlite3"), folder / "store.sqlite3", None, folder)
        except (sqlite3.DatabaseError, OSError):
            shutil.rmtree(folder, ignore_errors=True)
            return cls(None)

    @classmethod
    def open(cls, folder: Path, source: Path) -> Store:
        """Open SOURCE's store.

        Never raises: a store that cannot be opened or trusted is rebuilt or left out, and its
        ``problem`` says so for a warning.
        """
        source_key = hashlib.sha256(str(source.absolute()).encode()).hexdigest()[:24]
        path = folder / f"store-{source_key}.sqlite3"
        _forget_old_files(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return cls(_connect(path), path)
        except (sqlite3.DatabaseError, OSError) as error:
            try:
                path.unlink(missing_ok=True)
                rebuilt = f"cache {path} was unreadable ({error}); rebuilt"
                return cls(_connect(path), path, Finding(str(folder), None, Severity.WARNING, rebuilt))
            except (sqlite3.DatabaseError, OSError) as second:
                unusable = f"cache {path} cannot be used ({second}); reading every page"
                scratch = cls.without_memory()
                scratch.problem = Finding(str(folder), None, Severity.WARNING, unusable)
                return scratch

    def use(self, key: str) -> None:
        """Read and keep records and parts under ``key`` from now on; forget keys unused for a week."""
        self.key = key
        self._rows = None
        if self.connection is None:
            return
        week_ago = time.time() - 7 * 24 * 3600
        with contextlib.suppress(sqlite3.DatabaseError), self.connection as connection:
            connection.execute("INSERT OR REPLACE INTO keys VALUES (?, ?)", (key, time.time()))
            stale = list(connection.execute("SELECT key FROM keys WHERE used < ?", (week_ago,)))
            for table in ("pages", "parts", "keys"):
                connection.executemany(f"DELETE FROM {table} WHERE key = ?", stale)

    def page(self, key: str, path: Path) -> PageRecord | None:
        """The record of the page at ``path`` (its key ``key``), if the page and every file its
        result depends on are unchanged: in state, or where that cannot tell, in content.

        Its entry comes without pieces: ``part`` reads each when a file needs it.
        """
        if not self.recalls:
            return None
        row = self._all_rows().get(key)
        if row is None:
            return None
        state, digest, dependencies, outcome, stamp, identity = row
        try:
            now = state_of(path)
            by_content = now != state or now == UNSETTLED
            if by_content and (now == ABSENT or digest is None or file_digest(path) != digest):
                return None
            watched = [Watched(*item) for item in json.loads(dependencies)]
            if not all(item.unchanged() for item in watched):
                return None
            record = json.loads(outcome)
            entry = entry_from(record["entry"]) if record["entry"] is not None else None
            findings = tuple(finding_from(item) for item in record["findings"])
        except (ValueError, TypeError, KeyError):
            return None
        current = [Watched(item.name, state_of(item.name), item.digest) for item in watched]
        if by_content or current != watched:
            # The same content under new states (a fresh checkout, a file touched): keep the new
            # states, so the next run can tell by them again.
            again = json.dumps([[item.name, item.state, item.digest] for item in current])
            self._pending_states.append((now, again, self.key, key))
        self.inputs[key] = ((str(path), now), *((item.name, item.state) for item in current))
        self.identities[key] = identity
        if entry is not None:
            self.keys[entry.path] = key
            if stamp is not None:
                self.stamps[key] = stamp
        return PageRecord(findings, record["skipped_reason"], entry, stamp)

    def keep_page(
        self,
        key: str,
        page: Watched,
        dependencies: Sequence[Watched],
        record: PageRecord,
        parts: Mapping[str, str] | None = None,
    ) -> None:
        """Keep what a page gave (and its parts, made with ``record.parts_stamp``); written by
        ``flush``. ``page`` and ``dependencies`` are the states taken before it was read."""
        with_parts = bool(parts) and record.parts_stamp is not None
        self.note_kept(key, page, dependencies, record, with_parts)
        if self.connection is None:
            if parts:
                self._in_memory[key] = dict(parts)
            return
        page_rows, part_rows = rows_of(self.key, key, page, dependencies, record, parts)
        self._pending_pages += page_rows
        self._pending_parts += part_rows
        if len(self._pending_pages) >= _BATCH:
            self._write_pending()

    def note_kept(
        self, key: str, page: Watched, dependencies: Sequence[Watched], record: PageRecord, with_parts: bool
    ) -> None:
        """Take note of a page kept in the store file by another process (a worker that read
        it), as ``keep_page`` would: what the run needs to find its parts and name their bytes."""
        entry = record.entry
        self.inputs[key] = tuple((item.name, item.state) for item in (page, *dependencies))
        self.identities[key] = _identity(page, dependencies)
        if entry is not None:
            self.keys[entry.path] = key
            if with_parts and record.parts_stamp is not None:
                self.stamps[key] = record.parts_stamp

    def writer(self) -> StoreWriter | None:
        """What a worker process writes this run's rows with (its own connection to the same
        file); ``None`` for a store without a file, which keeps parts in memory."""
        if self.connection is None or self.path is None:
            return None
        return StoreWriter(self.path, self.key)

    def flush(self, kept: set[str] | None = None) -> None:
        """Write what was kept and forget pages no longer found (``kept`` names those still there)."""
        self._write_pending()
        if self.connection is not None and kept is not None:
            with contextlib.suppress(sqlite3.DatabaseError), self.connection as connection:
                query = "SELECT path FROM pages WHERE key = ?"
                gone = [
                    (self.key, key) for (key,) in connection.execute(query, (self.key,)) if key not in kept
                ]
                connection.executemany("DELETE FROM pages WHERE key = ? AND path = ?", gone)
                connection.executemany("DELETE FROM parts WHERE key = ? AND path = ?", gone)
        self._rows = None

    def part(self, entry_path: str, name: str) -> str:
        """A talk's part of one output, as this run kept it ("" for a talk with none of it).

        Raises ``CacheChangedError`` when it is gone or was made for other settings: another
        run (a check, a build for another base URL) replaced it meanwhile, and an output must
        never be written with a talk missing or linking elsewhere.
        """
        key = self.keys.get(entry_path, entry_path)
        if key in self._in_memory:
            return self._in_memory[key].get(name, "")
        row = None
        stamp = self.stamps.get(key)
        if self.connection is not None and stamp is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                query = "SELECT text FROM parts WHERE key = ? AND path = ? AND format = ? AND stamp = ?"
                row = self.connection.execute(query, (self.key, key, name, stamp)).fetchone()
        if row is None:
            self.damaged = self.damaged or self._unreadable()
            raise CacheChangedError(
                f"the cache lost {entry_path}'s rendered parts while this run wrote its files "
                "(another run with the same settings?); nothing was written: run again",
                str(self.path),
            )
        return str(row[0])

    def version(self, entry_path: str, settings: str) -> str | None:
        """Name the bytes of an entry's parts: the content they were made from and ``settings``
        (what else decides them); ``None`` when not known."""
        key = self.keys.get(entry_path, entry_path)
        identity = self.identities.get(key)
        stamp = self.stamps.get(key)
        if identity is None or stamp is None:
            return None
        text = f"{settings}\0{stamp}\0{identity}"
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()

    def recall(self, name: str) -> str | None:
        """The text ``remember`` kept under ``name``, if any."""
        if self.connection is None:
            return None
        try:
            row = self.connection.execute("SELECT text FROM texts WHERE name = ?", (name,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row is not None and isinstance(row[0], str) else None

    def remember(self, name: str, text: str) -> None:
        """Keep a text (a build's record, its files' layouts) for the next run."""
        if self.connection is None:
            return
        with contextlib.suppress(sqlite3.DatabaseError), self.connection as connection:
            connection.execute("INSERT OR REPLACE INTO texts VALUES (?, ?)", (name, text))

    def close(self) -> None:
        """Write what was kept and let the file go (a scratch file, or a damaged one, goes away)."""
        if self.connection is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                self.flush()
            self.connection.close()
            self.connection = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        elif self.damaged and self.path is not None:
            for leftover in (self.path, *self.path.parent.glob(self.path.name + "-*")):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _unreadable(self) -> bool:
        """Check the whole file, once a read found nothing where something should be."""
        if self.connection is None:
            return False
        try:
            row = self.connection.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError:
            return True
        return row is None or row[0] != "ok"

    def _all_rows(self) -> dict[str, tuple[Any, ...]]:
        # One query for every row: far cheaper than one query per page on large sites.
        if self._rows is None:
            self._rows = {}
            if self.connection is not None:
                with contextlib.suppress(sqlite3.DatabaseError):
                    query = (
                        "SELECT path, state, digest, dependencies, outcome, stamp, identity FROM pages "
                        "WHERE key = ?"
                    )
                    self._rows = {row[0]: row[1:] for row in self.connection.execute(query, (self.key,))}
        return self._rows

    def _write_pending(self) -> None:
        """Write the kept rows; parts that cannot be written stay in memory for this run."""
        pages, self._pending_pages = self._pending_pages, []
        parts, self._pending_parts = self._pending_parts, []
        states, self._pending_states = self._pending_states, []
        if not pages and not parts and not states:
            return
        try:
            if self.connection is None:
                raise sqlite3.DatabaseError("no store file")
            with self.connection as connection:
                connection.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?)", pages)
                connection.executemany("INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?)", parts)
                update = "UPDATE pages SET state = ?, dependencies = ? WHERE key = ? AND path = ?"
                connection.executemany(update, states)
        except sqlite3.DatabaseError:
            for _, key, name, _, text in parts:
                self._in_memory.setdefault(key, {})[name] = text


class StoreWriter:
    """Write page records and parts into a store file from a worker process: its own connection,
    opened when first used (never one inherited across a fork), one transaction per batch."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key
        self._connection: sqlite3.Connection | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "key": self.key, "_connection": None}

    def write(self, pages: list[tuple[Any, ...]], parts: list[tuple[Any, ...]]) -> bool:
        """Write rows made by ``rows_of``; tell whether they were written."""
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(self.path, timeout=60)
            with self._connection as connection:
                connection.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?)", pages)
                connection.executemany("INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?)", parts)
        except sqlite3.DatabaseError:
            return False
        return True


def rows_of(
    store_key: str,
    key: str,
    page: Watched,
    dependencies: Sequence[Watched],
    record: PageRecord,
    parts: Mapping[str, str] | None,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows that keep a page's record (and its parts) under the reading settings ``store_key``."""
    entry = record.entry
    stamp = record.parts_stamp if parts else None
    outcome = {
        "findings": [finding_record(finding) for finding in record.findings],
        "skipped_reason": record.skipped_reason,
        "entry": entry_record(entry) if entry is not None else None,
    }
    watched = json.dumps([[item.name, item.state, item.digest] for item in dependencies])
    identity = _identity(page, dependencies)
    page_rows = [(store_key, key, page.state, page.digest, watched, json.dumps(outcome), stamp, identity)]
    part_rows = [(store_key, key, name, stamp, text) for name, text in (parts or {}).items()] if stamp else []
    return page_rows, part_rows


def _identity(page: Watched, dependencies: Sequence[Watched]) -> str:
    return ";".join(f"{item.name}={item.digest or item.state}" for item in (page, *dependencies))


def page_digest(data: bytes) -> str:
    """The digest a page is kept with: of its bytes as read."""
    return digest_of(data)


@functools.cache
def _forget_old_files(folder: Path) -> None:
    """Remove the cache files of talkfeed before the one store (page caches, build records)."""
    # Housekeeping only: a cache folder that cannot be listed is reported where the store opens.
    with contextlib.suppress(OSError):
        for pattern in ("pages-*.sqlite3*", "build-*.json"):
            for old in folder.glob(pattern):
                with contextlib.suppress(OSError):
                    old.unlink()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        with connection:
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            if version != FORMAT:
                # Another format: nothing in it can be read, let alone trusted.
                for (table,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                ).fetchall():
                    connection.execute(f'DROP TABLE IF EXISTS "{table}"')
                connection.execute(f"PRAGMA user_version = {FORMAT}")
            connection.execute("CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, used REAL)")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS pages (key TEXT, path TEXT, state TEXT, digest TEXT, "
                "dependencies TEXT, outcome TEXT, stamp TEXT, identity TEXT, PRIMARY KEY (key, path))"
            )
            connection.execute(
                "CREATE TABLE IF NOT EXISTS parts (key TEXT, path TEXT, format TEXT, stamp TEXT, text TEXT, "
                "PRIMARY KEY (key, path, format))"
            )
            connection.execute("CREATE TABLE IF NOT EXISTS texts (name TEXT PRIMARY KEY, text TEXT)")
        # A whole check (quick_check) reads every page of the file: as long as a build that
        # changed nothing. A damaged file shows when read instead (see ``part``).
        connection.execute("SELECT count(*) FROM keys").fetchone()
    except BaseException:
        connection.close()
        raise
    return connection
