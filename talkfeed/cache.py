"""Remember what each page gave, so a run where nothing changed reads and renders no page.

One SQLite file per SOURCE in the user's cache folder. A page's row holds its findings, its
``Entry`` and the pieces rendered from it. The row is used only while the page and every file
its result depends on have the same size, mtime, ctime and inode, and only by a run with the
same talkfeed version and the same reading settings (time zone, languages, author names…);
its pieces only by a run with the same base URL. Anything unreadable, foreign or from another
version is thrown away and rebuilt, never trusted.
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
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from talkfeed import __version__
from talkfeed.errors import CacheChangedError, Finding, Severity
from talkfeed.model import PIECE_NAMES, Entry
from talkfeed.read.paths import file_signature

if TYPE_CHECKING:
    from talkfeed.read.discover import PageFile

SCHEMA = 5
_BATCH = 200
"""Pages whose rows are written together: pieces never pile up in memory."""


@dataclass(frozen=True)
class CachedPage:
    """What a page gave when it was last read, and the base URL its pieces were made for."""

    findings: tuple[Finding, ...]
    skipped_reason: str | None
    entry: Entry | None
    pieces_stamp: str | None


def default_cache_folder() -> Path:
    """The user's cache folder for talkfeed: ``$XDG_CACHE_HOME/talkfeed`` or ``~/.cache/talkfeed``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "talkfeed"


class PageCache:
    """Cached page results of one SOURCE; a disabled cache finds nothing and keeps nothing."""

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
        """The folder of a scratch cache file, removed on ``close``."""
        self.problem = problem
        """What went wrong opening it, for a warning."""
        self.pending: list[tuple[str | None, ...]] = []
        self.rows: dict[str, tuple[Any, ...]] | None = None
        self.with_pieces = True
        """Whether lookups need each talk's pieces (only a build does): then an entry whose pieces
        were made for other settings is read again."""
        self.kept_in_memory: dict[str, dict[str, str]] = {}
        """Pieces that could not be written to the file, kept here instead."""
        self.recalled = True
        """Whether lookups may find anything: a scratch cache (``--no-cache``) finds nothing."""
        self.files: dict[str, str] = {}
        """Each entry's page key, by the entry's path (its name in findings)."""
        self.stamps: dict[str, str] = {}
        """The stamp of the parts this run uses, by page key: what ``piece`` checks it reads."""
        self.states: dict[str, str] = {}
        """The page's state its parts were made from (signature, dependencies, stamp), by page key."""
        self.versions: dict[str, tuple[str, str, str]] = {}
        """What ``version`` told, by page key, with the settings and state it was told for."""

    @classmethod
    def disabled(cls) -> PageCache:
        """A cache that finds nothing and keeps nothing between runs: a scratch file for this run's
        pieces, so even a run without a cache streams them into its files."""
        try:
            folder = Path(tempfile.mkdtemp(prefix="talkfeed-scratch-"))
        except OSError:
            cache = cls(None)
        else:
            try:
                cache = cls(
                    _connect(folder / "pieces.sqlite3", "scratch"), folder / "pieces.sqlite3", None, folder
                )
            except (sqlite3.DatabaseError, OSError):
                shutil.rmtree(folder, ignore_errors=True)
                cache = cls(None)
        cache.recalled = False
        return cache

    @classmethod
    def open(cls, folder: Path, source: Path, settings: str) -> PageCache:
        """Open SOURCE's cache for runs with these reading ``settings``.

        Never raises: a cache that cannot be opened or trusted is rebuilt or left out, and its
        ``problem`` says so for a warning.
        """
        # One file per SOURCE and reading settings: a run with other settings never drops the
        # rows a build reads its parts from while it writes its files.
        source_key = hashlib.sha256(str(source.absolute()).encode()).hexdigest()[:24]
        settings_key = hashlib.sha256(settings.encode()).hexdigest()[:16]
        path = folder / f"pages-{source_key}-{settings_key}.sqlite3"
        _forget_old_files(folder, source_key, keep=path)
        stamp = f"{SCHEMA}:{__version__}:{code_stamp()}:{hashlib.sha256(settings.encode()).hexdigest()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return cls(_connect(path, stamp), path)
        except (sqlite3.DatabaseError, OSError) as error:
            try:
                path.unlink(missing_ok=True)
                rebuilt = f"cache {path} was unreadable ({error}); rebuilt"
                return cls(_connect(path, stamp), path, Finding(str(folder), None, Severity.WARNING, rebuilt))
            except (sqlite3.DatabaseError, OSError) as second:
                unusable = f"cache {path} cannot be used ({second}); reading every page"
                scratch = cls.disabled()
                scratch.problem = Finding(str(folder), None, Severity.WARNING, unusable)
                return scratch

    def lookup(self, page: PageFile) -> CachedPage | None:
        """The page's cached outcome, if the page and what it depends on are unchanged.

        Its entry comes without pieces: ``piece`` reads each when a file needs it.
        """
        if not self.recalled:
            return None
        row = self._rows().get(page.key)
        if row is None or row[0] != file_signature(str(page.path)):
            return None
        try:
            if any(file_signature(name) != signature for name, signature in json.loads(row[1])):
                return None
            outcome = json.loads(row[2])
            entry = _entry_from(outcome["entry"]) if outcome["entry"] is not None else None
            if entry is not None:
                self.files[entry.path] = page.key
                if row[3] is not None:
                    self.stamps[page.key] = row[3]
            findings = tuple(finding_from(row) for row in outcome["findings"])
            self.states[page.key] = f"{row[0]}\0{row[1]}\0{row[3]}"
            stamp = row[3] if self.with_pieces else None
            return CachedPage(findings, outcome["skipped_reason"], entry, stamp)
        except (ValueError, TypeError, KeyError):
            return None

    def _rows(self) -> dict[str, tuple[Any, ...]]:
        # One query for every row: far cheaper than one query per page on large sites.
        if self.rows is None:
            self.rows = {}
            if self.connection is not None:
                with contextlib.suppress(sqlite3.DatabaseError):
                    query = "SELECT path, signature, dependencies, outcome, pieces_stamp FROM pages"
                    self.rows = {row[0]: row[1:] for row in self.connection.execute(query)}
        return self.rows

    def store(
        self,
        page: PageFile,
        signature: str,
        dependencies: tuple[tuple[str, str], ...],
        outcome: CachedPage,
    ) -> None:
        """Keep a page's outcome (its entry's pieces included, if any); written on ``flush``.

        ``signature`` is the page's ``file_signature`` taken before it was read, so a page
        changed while it was read is read again next time.
        """
        entry = outcome.entry
        has_pieces = entry is not None and set(entry.pieces) == set(PIECE_NAMES)
        dependency_states = json.dumps([list(pair) for pair in dependencies])
        if entry is not None:
            self.files[entry.path] = page.key
            if outcome.pieces_stamp is not None:
                self.stamps[page.key] = outcome.pieces_stamp
            stamp = outcome.pieces_stamp if has_pieces else None
            self.states[page.key] = f"{signature}\0{dependency_states}\0{stamp}"
        if self.connection is None:
            # No file to keep them in: this run keeps its pieces in memory.
            if entry is not None and entry.pieces:
                self.kept_in_memory[page.key] = dict(entry.pieces)
            return
        record = {
            "findings": [finding_record(finding) for finding in outcome.findings],
            "skipped_reason": outcome.skipped_reason,
            "entry": _entry_record(entry) if entry is not None else None,
        }
        pieces = [entry.pieces[name] if entry is not None and has_pieces else None for name in PIECE_NAMES]
        if len(self.pending) >= _BATCH:
            self._write_pending()
        self.pending.append(
            (
                page.key,
                signature,
                dependency_states,
                json.dumps(record),
                outcome.pieces_stamp if has_pieces else None,
                *pieces,
            )
        )

    def flush(self, kept: set[str] | None = None) -> None:
        """Write what was stored and forget pages no longer found (``kept`` names those still there)."""
        self._write_pending()
        if self.connection is not None and kept is not None:
            with contextlib.suppress(sqlite3.DatabaseError), self.connection as connection:
                gone = [
                    (path,) for (path,) in connection.execute("SELECT path FROM pages") if path not in kept
                ]
                connection.executemany("DELETE FROM pages WHERE path = ?", gone)
        self.rows = None

    def _write_pending(self) -> None:
        """Write the stored rows; pieces that cannot be written stay in memory for this run."""
        rows, self.pending = self.pending, []
        if not rows:
            return
        try:
            if self.connection is None:
                raise sqlite3.DatabaseError("no cache file")
            with self.connection as connection:
                marks = ", ".join("?" * (5 + len(PIECE_NAMES)))
                connection.executemany(f"INSERT OR REPLACE INTO pages VALUES ({marks})", rows)
        except sqlite3.DatabaseError:
            for row in rows:
                if row[4] is not None:
                    pieces = (piece or "" for piece in row[5:])
                    self.kept_in_memory[str(row[0])] = dict(zip(PIECE_NAMES, pieces, strict=True))

    def piece(self, entry_path: str, name: str) -> str:
        """A talk's piece of one output, as the run stored it ("" for a talk with none of it).

        Raises ``CacheChangedError`` when the row is gone or holds parts made for other URLs:
        another run (a check, a build for another base URL) replaced it meanwhile, and an
        output must never be written with a talk missing or linking elsewhere.
        """
        path = self.files.get(entry_path, entry_path)
        if path in self.kept_in_memory:
            return self.kept_in_memory[path][name]
        row = None
        if self.connection is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                query = f"SELECT piece_{name}, pieces_stamp FROM pages WHERE path = ?"
                row = self.connection.execute(query, (path,)).fetchone()
        if row is None or row[1] is None or row[1] != self.stamps.get(path):
            raise CacheChangedError(
                f"the cache lost {entry_path}'s rendered parts while this run wrote its files "
                "(another run with the same settings?); nothing was written: run again",
                str(self.path),
            )
        return str(row[0] or "")

    def version(self, entry_path: str, settings: str) -> str | None:
        """Name the bytes of an entry's pieces: the state of its page and what it depends on when
        they were made, and ``settings`` (what else decides them); ``None`` when not known."""
        key = self.files.get(entry_path, entry_path)
        state = self.states.get(key)
        if state is None:
            return None
        known = self.versions.get(key)
        if known is not None and known[0] == settings and known[1] == state:
            return known[2]
        version = hashlib.blake2b(f"{settings}\0{state}".encode(), digest_size=12).hexdigest()
        self.versions[key] = (settings, state, version)
        return version

    def close(self) -> None:
        """Write what was stored and let the file go (a scratch file goes away)."""
        if self.connection is not None:
            self.flush()
            self.connection.close()
            self.connection = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def recall_text(self, name: str) -> str | None:
        """What ``remember_text`` kept under ``name``, if anything."""
        if self.connection is None:
            return None
        try:
            query = "SELECT value FROM meta WHERE key = ?"
            row = self.connection.execute(query, (f"text:{name}",)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row is not None and isinstance(row[0], str) else None

    def remember_text(self, name: str, text: str) -> None:
        """Keep a text (a large one: read only by who asks) for the next run."""
        if self.connection is None:
            return
        with contextlib.suppress(sqlite3.DatabaseError), self.connection as connection:
            connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"text:{name}", text))


@functools.cache
def _forget_old_files(folder: Path, source_key: str, keep: Path) -> None:
    """Remove this SOURCE's cache files for other settings not used for a week."""
    week_ago = time.time() - 7 * 24 * 3600
    # Housekeeping only: a cache folder that cannot be listed is reported where it is opened.
    with contextlib.suppress(OSError):
        for old in folder.glob(f"pages-{source_key}-*.sqlite3*"):
            if not old.name.startswith(keep.name):
                with contextlib.suppress(OSError):
                    if old.stat().st_mtime < week_ago:
                        old.unlink()


def code_stamp() -> str:
    """Sum up talkfeed's own files, so an edited checkout never reuses pieces an older one made."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".j2", ".css", ".yaml"):
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _connect(path: Path, stamp: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        with connection:
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = connection.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
            if row is None or row[0] != stamp:
                # Another version or other settings: nothing in it can be trusted.
                connection.execute("DROP TABLE IF EXISTS pages")
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))
            pieces = ", ".join(f"piece_{name} TEXT" for name in PIECE_NAMES)
            connection.execute(
                "CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, signature TEXT, "
                f"dependencies TEXT, outcome TEXT, pieces_stamp TEXT, {pieces})"
            )
        integrity = connection.execute("PRAGMA quick_check").fetchone()
        if integrity is None or integrity[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {integrity}")
    except BaseException:
        connection.close()
        raise
    return connection


def finding_record(finding: Finding) -> list[Any]:
    """Keep a finding as JSON: path, line, severity, message."""
    return [finding.path, finding.line, finding.severity.value, finding.message]


def finding_from(record: list[Any]) -> Finding:
    """Read back what ``finding_record`` kept."""
    path, line, severity, message = record
    return Finding(str(path), line, Severity(severity), str(message))


def _entry_record(entry: Entry) -> dict[str, Any]:
    return {item.name: _encoded(getattr(entry, item.name)) for item in fields(Entry) if item.name != "pieces"}


_ENTRY_FIELDS = tuple(item.name for item in fields(Entry) if item.name != "pieces")


def _entry_from(record: dict[str, Any]) -> Entry:
    # Called for every page of a run: fields looked up once, and plain values kept as they are.
    entry = Entry(**{name: _decoded(record[name]) for name in _ENTRY_FIELDS})
    if not isinstance(entry.published, datetime):
        raise TypeError("a publish date is a datetime")
    return entry


def _encoded(value: Any) -> Any:
    """Keep a value of a record as JSON: dates and datetimes (with their zone) tagged, tuples as lists."""
    if isinstance(value, datetime):
        return {"datetime": value.replace(tzinfo=None).isoformat(), "zone": _encode_zone(value.tzinfo)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple):
        return [_encoded(item) for item in value]
    return value


def _decoded(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        if all(type(item) is str for item in value):
            return tuple(value)
        return tuple(_decoded(item) for item in value)
    if kind is dict and "datetime" in value:
        return datetime.fromisoformat(value["datetime"]).replace(tzinfo=_zone(value["zone"]))
    if kind is dict and "date" in value:
        return date.fromisoformat(value["date"])
    return value


@functools.lru_cache(maxsize=256)
def _zone(zone: Any) -> tzinfo:
    """The zone a record names: a time zone's key, or an offset in seconds."""
    return ZoneInfo(zone) if isinstance(zone, str) else timezone(timedelta(seconds=zone))


def _encode_zone(zone: tzinfo | None) -> Any:
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None) if zone is not None else None
    if offset is None:
        raise TypeError(f"cannot keep the time zone {zone!r}")
    return offset.total_seconds()
