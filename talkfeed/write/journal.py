"""Switch a staged set of files into place as one, and finish a switch a killed run left.

The renames and removals of a switch are written to a journal first, and synced; then they
happen and the journal goes. A run killed during the renames leaves the journal, and the next
run finishes the renames before anything else, so a half-switched set never outlives the next
run. An error midway puts the old set back from hard-linked backups.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from talkfeed.errors import OutputError
from talkfeed.write.folders import (
    FOLDER_FLAGS,
    ROOT_FLAGS,
    TEMPORARY_PREFIX,
    Folders,
    cause,
    is_temporary_of,
    path_problem,
    sibling,
)

JOURNAL_NAME = ".talkfeed-journal"


def needs_recovery(directory: Path) -> bool:
    """Say whether a run was killed while switching sets, so ``directory`` may hold a mix until ``recover``.

    Creates nothing and follows no link below ``directory``; False when ``directory`` is
    missing or not a folder. Raises ``OutputError`` when it cannot look.
    """
    try:
        os.lstat(directory / JOURNAL_NAME)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as error:
        raise OutputError(
            f"cannot look for the journal of a killed run: {cause(error)} (let the user talkfeed runs "
            "read, enter and write the output folder, or give another -o DIR)",
            str(directory),
        ) from None
    return True


def recover(directory: Path) -> None:
    """Finish the renames and removals of a run that was killed midway; remove stray temporary files.

    Call it under ``locked`` before reading or writing anything else in ``directory``: it takes
    no lock itself. It creates nothing, does nothing when ``directory`` does not exist, and a
    second call changes nothing. Raises ``OutputError`` naming the path and the cause; when a
    symbolic link stands in its way it stops and keeps the journal, so a run after the link
    is removed finishes the work.
    """
    try:
        root = os.open(directory, ROOT_FLAGS)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"cannot open the output folder: {cause(error)}", str(directory)) from None
    folders = Folders(directory, root)
    try:
        _finish_journal(folders)
        _remove_leftovers(root)
    except OSError as error:
        raise OutputError(
            f"cannot finish the writes of a run that was stopped: {cause(error)}",
            str(error.filename or directory),
        ) from None
    finally:
        folders.close()


def switch(folders: Folders, staged: Mapping[str, str], stale: list[str]) -> None:
    try:
        if staged or stale:
            _commit(folders, staged, stale)
    except OSError:
        for temporary in staged.values():
            with contextlib.suppress(OSError):
                folders.unlink(temporary)
        raise


def _commit(folders: Folders, staged: Mapping[str, str], stale: list[str]) -> None:
    """Switch to the staged files and drop the stale ones: all of it, or on an error none of it.

    Each file about to be replaced or removed is first hard-linked to a backup, so an error
    midway can put the old set back; a crash midway is rolled forward by ``recover``.
    """
    backups: dict[str, str] = {}
    done: list[str] = []
    try:
        for name in [*staged, *stale]:
            status = folders.status(name)
            if status is not None and stat.S_ISREG(status.st_mode):
                backups[name] = sibling(name, "old-")
                folders.keep_copy(name, backups[name])
        plan = {"renames": dict(staged), "removals": stale, "backups": list(backups.values())}
        folders.unlink(f"{TEMPORARY_PREFIX}journal")
        folders.create(f"{TEMPORARY_PREFIX}journal", (json.dumps(plan).encode(),), named=JOURNAL_NAME)
        folders.sync_file(f"{TEMPORARY_PREFIX}journal", named=JOURNAL_NAME)
        folders.sync()
        folders.replace(f"{TEMPORARY_PREFIX}journal", JOURNAL_NAME)
        folders.sync()
        for name, temporary in staged.items():
            folders.replace(temporary, name)
            done.append(name)
        for name in stale:
            folders.unlink(name)
            done.append(name)
    except OSError:
        # Without the journal a crash during the roll-back cannot be rolled forward instead.
        with contextlib.suppress(OSError):
            folders.unlink(JOURNAL_NAME)
        _roll_back(folders, done, backups)
        raise
    for backup in backups.values():
        folders.unlink(backup)
    folders.remove(stale)
    folders.sync()
    folders.unlink(JOURNAL_NAME)
    folders.sync()


def _roll_back(folders: Folders, done: list[str], backups: Mapping[str, str]) -> None:
    for name in reversed(done):
        with contextlib.suppress(OSError):
            if name in backups:
                folders.replace(backups[name], name)
            else:
                folders.unlink(name)
    for backup in backups.values():
        with contextlib.suppress(OSError):
            folders.unlink(backup)


def _finish_journal(folders: Folders) -> None:
    data = folders.read(JOURNAL_NAME)
    if data is None:
        return
    try:
        plan = json.loads(data)
    except ValueError:
        raise OutputError(
            "the journal of a killed run cannot be read; check the folder's files, "
            f"then delete {JOURNAL_NAME} and run again",
            str(folders.path(JOURNAL_NAME)),
        ) from None
    plan = plan if isinstance(plan, dict) else {}
    listed = plan.get("renames")
    renames = {
        name: temporary
        for name, temporary in (listed.items() if isinstance(listed, dict) else ())
        if is_temporary_of(name, temporary)
    }
    removals = [name for name in _listed(plan, "removals") if path_problem(name) is None]
    backups = [name for name in _listed(plan, "backups") if is_temporary_of(name, name)]
    for name in [*renames, *removals, *renames.values(), *backups]:
        folders.check_file(name)
    for name, temporary in renames.items():
        if folders.status(temporary) is not None:
            folders.replace(temporary, name)
    folders.remove(removals)
    folders.remove(backups)
    folders.sync()
    folders.unlink(JOURNAL_NAME)
    folders.sync()


def _listed(plan: Mapping[str, object], key: str) -> list[str]:
    value = plan.get(key)
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _remove_leftovers(folder: int) -> None:
    """Remove temporary files in ``folder`` and the folders below it, following no link.

    The entries' types come with the listing (no ``stat`` of each of ten thousand calendar files).
    """
    with os.scandir(folder) as entries:
        listed = [(entry.name, _is_folder(entry)) for entry in entries]
    for name, is_folder in listed:
        if is_folder:
            with contextlib.suppress(OSError):
                inner = os.open(name, FOLDER_FLAGS, dir_fd=folder)
                try:
                    _remove_leftovers(inner)
                finally:
                    os.close(inner)
        elif name.startswith(TEMPORARY_PREFIX):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False
