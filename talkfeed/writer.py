"""Write a set of output files so readers only ever see a whole old set or a whole new set.

Every file is first written beside its target under a temporary name and synced; then a
journal naming the renames is synced; then the renames happen and the journal goes. A run
killed during the renames leaves the journal, and the next run finishes the renames before
anything else, so a half-switched set never outlives the next run. Files whose bytes are
unchanged are not touched, so their mtime (and web servers' ETags) stay as they were.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from talkfeed.errors import LockedError, OutputError

TEMPORARY_PREFIX = ".talkfeed-tmp-"
JOURNAL_NAME = ".talkfeed-journal"
MANIFEST_NAME = ".talkfeed-manifest"
"""Lists the files the last run wrote, so files of views that went away are removed."""
LOCK_NAME = ".talkfeed.lock"
FILE_MODE = 0o644


@dataclass(frozen=True)
class Written:
    """One output file and whether this run changed it."""

    path: Path
    changed: bool


@contextlib.contextmanager
def locked(directory: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the output folder's lock, waiting up to ``wait_seconds`` for another run to finish."""
    _make_folder(directory)
    path = directory / LOCK_NAME
    try:
        handle = path.open("a")
    except OSError as error:
        raise OutputError(f"cannot create the lock file: {_cause(error)}", str(path)) from None
    with handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"another talkfeed run still holds {path} after {wait_seconds:g} s; "
                        "try again later (or raise --wait)",
                        str(directory),
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_files(directory: Path, files: Mapping[str, bytes]) -> list[Written]:
    """Write ``files`` (relative path → bytes) into ``directory`` as one set; call it under ``locked``.

    Files the previous run wrote and this one does not are removed with the same commit.
    Raises ``OutputError`` naming the path and the cause; the folder then still holds
    the previous set and no temporary files.
    """
    _make_folder(directory)
    try:
        recover(directory)
    except OSError as error:
        raise OutputError(
            f"cannot finish the writes of a run that was stopped: {_cause(error)}", str(directory)
        ) from None
    names = sorted(files)
    outputs = {**files, MANIFEST_NAME: (json.dumps(names, indent=0) + "\n").encode()}
    changed = {name: data for name, data in outputs.items() if not _same(directory / name, data)}
    stale = sorted(set(_previous_names(directory)) - set(outputs))
    staged: dict[str, str] = {}
    try:
        for name, data in changed.items():
            staged[name] = _stage(directory, name, data)
        if staged or stale:
            _commit(directory, staged, stale)
    except OSError as error:
        for temporary in staged.values():
            with contextlib.suppress(OSError):
                (directory / temporary).unlink()
        raise OutputError(
            f"cannot write: {_cause(error)}", str(getattr(error, "filename", None) or directory)
        ) from None
    return [Written(directory / name, name in changed) for name in sorted(files)]


def recover(directory: Path) -> None:
    """Finish the renames and removals of a run that was killed midway; remove stray temporary files."""
    journal = directory / JOURNAL_NAME
    if journal.exists():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except ValueError:
            raise OutputError(
                "the journal of a killed run cannot be read; check the folder's files, "
                f"then delete {JOURNAL_NAME} and run again",
                str(journal),
            ) from None
        renames = plan.get("renames", {}) if isinstance(plan, dict) else {}
        for name, temporary in renames.items() if isinstance(renames, dict) else ():
            source = directory / str(temporary)
            if _is_inside(name) and _is_inside(temporary) and source.exists():
                source.replace(directory / name)
        removals = plan.get("removals", []) if isinstance(plan, dict) else []
        _remove(directory, [name for name in removals if isinstance(name, str) and _is_inside(name)])
        backups = plan.get("backups", []) if isinstance(plan, dict) else []
        _remove(directory, [name for name in backups if isinstance(name, str) and _is_inside(name)])
        journal.unlink()
        _sync_folder(directory)
    for leftover in directory.rglob(TEMPORARY_PREFIX + "*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _previous_names(directory: Path) -> list[str]:
    try:
        names = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(names, list):
        return []
    return [name for name in names if isinstance(name, str) and _is_inside(name)]


def _is_inside(name: object) -> bool:
    path = PurePosixPath(str(name))
    return bool(path.parts) and not path.is_absolute() and ".." not in path.parts


def _stage(directory: Path, name: str, data: bytes) -> str:
    target = directory / name
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder stands where the file goes", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _sibling(name, f"{os.getpid()}-")
    path = directory / temporary
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    except OSError as error:
        error.filename = str(target)
        raise
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fchmod(descriptor, FILE_MODE)
        os.fsync(descriptor)
    except OSError as error:
        error.filename = str(target)
        os.close(descriptor)
        path.unlink(missing_ok=True)
        raise
    os.close(descriptor)
    return temporary


def _sibling(name: str, tag: str) -> str:
    relative = PurePosixPath(name)
    return str(relative.parent / f"{TEMPORARY_PREFIX}{tag}{relative.name}")


def _commit(directory: Path, staged: Mapping[str, str], stale: list[str]) -> None:
    """Switch to the staged files and drop the stale ones: all of it, or on an error none of it.

    Each file about to be replaced or removed is first hard-linked to a backup, so an error
    midway can put the old set back; a crash midway is rolled forward by ``recover``.
    """
    backups: dict[str, str] = {}
    done: list[str] = []
    journal = directory / JOURNAL_NAME
    try:
        for name in [*staged, *stale]:
            if (directory / name).is_file():
                backups[name] = _sibling(name, "old-")
                _keep_copy(directory / name, directory / backups[name])
        plan = {"renames": dict(staged), "removals": stale, "backups": list(backups.values())}
        _write_synced(directory / f"{TEMPORARY_PREFIX}journal", json.dumps(plan).encode())
        (directory / f"{TEMPORARY_PREFIX}journal").replace(journal)
        _sync_folder(directory)
        for name, temporary in staged.items():
            (directory / temporary).replace(directory / name)
            done.append(name)
        for name in stale:
            (directory / name).unlink(missing_ok=True)
            done.append(name)
    except OSError:
        # Without the journal a crash during the roll-back cannot be rolled forward instead.
        journal.unlink(missing_ok=True)
        _roll_back(directory, done, backups)
        raise
    for backup in backups.values():
        (directory / backup).unlink(missing_ok=True)
    _remove(directory, stale)
    journal.unlink()
    _sync_folder(directory)


def _roll_back(directory: Path, done: list[str], backups: Mapping[str, str]) -> None:
    for name in reversed(done):
        with contextlib.suppress(OSError):
            if name in backups:
                (directory / backups[name]).replace(directory / name)
            else:
                (directory / name).unlink()
    for backup in backups.values():
        with contextlib.suppress(OSError):
            (directory / backup).unlink()


def _keep_copy(path: Path, backup: Path) -> None:
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _remove(directory: Path, names: list[str]) -> None:
    for name in names:
        path = directory / name
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for folder in path.parents:
            if folder == directory or directory not in folder.parents:
                break
            with contextlib.suppress(OSError):
                folder.rmdir()


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _make_folder(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError("the output path is a file, not a folder", str(directory)) from None
    except OSError as error:
        raise OutputError(f"cannot create the output folder: {_cause(error)}", str(directory)) from None


def _sync_folder(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _cause(error: OSError) -> str:
    return error.strerror or str(error)
