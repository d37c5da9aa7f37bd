"""Write a set of output files so readers only ever see a whole old set or a whole new set.

Every file is first written beside its target under a temporary name and synced, compared
with the file it would replace, and only files whose bytes differ are switched into place
(``journal``), so unchanged files keep their mtime (and web servers' ETags). Only files an
earlier run wrote (its manifest lists them) are ever replaced or removed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from talkfeed.errors import OutputError
from talkfeed.formats.slots import Content, Spliced
from talkfeed.store.state import UNSETTLED, written_state
from talkfeed.write.folders import (
    OWN_PREFIX,
    READ_FLAGS,
    Folders,
    Refused,
    cause,
    check_names,
    leaf,
    make_folder,
    opened,
    path_problem,
    sibling,
)
from talkfeed.write.journal import recover, switch
from talkfeed.write.splice import Assembly, Copy, Layout, Layouts

MANIFEST_NAME = ".talkfeed-manifest"
"""Lists the files the last run wrote, so files of views that went away are removed."""


@dataclass(frozen=True)
class Written:
    """One output file and whether this run changed it, or removed it (a view that went away)."""

    path: Path
    changed: bool
    removed: bool = False


def write_files(
    directory: Path, files: Mapping[str, Content], replaceable: Collection[str] = ()
) -> list[Written]:
    """Write ``files`` as ``write_spliced`` does, with no layouts of an earlier run."""
    return write_spliced(directory, files, Layouts(), replaceable)[0]


def write_spliced(
    directory: Path, files: Mapping[str, Content], previous: Layouts, replaceable: Collection[str] = ()
) -> tuple[list[Written], Layouts]:
    """Write ``files`` (relative path → content) into ``directory`` as one set; call it under ``locked``.

    Each file is staged beside its target while it is produced, then compared with the file it
    would replace; only files that differ are synced and switched, so unchanged files keep
    their mtime.

    Files the previous run wrote and this one does not are removed with the same commit, and
    listed after the files written, as removed.
    Only files an earlier run wrote (its manifest lists them) are replaced or removed: a file
    of another program (Hugo's home page) where one of ``files`` goes stops the run, unless
    ``replaceable`` names it (relative to ``directory``).
    Raises ``OutputError`` naming the path and the cause, before writing anything when a
    name would leave ``directory``, a symbolic link stands in the way or a file is not
    talkfeed's; the folder then still holds the previous set and no temporary files.

    A ``Spliced`` file reuses the byte ranges of the file it replaces where ``previous`` (the
    layouts this function returned last time) still describes that file; the layouts of the
    set as written are returned beside what was written, for the next run.
    """
    check_names(directory, files)
    make_folder(directory)
    recover(directory)
    outputs = {**files, MANIFEST_NAME: (json.dumps(sorted(files), indent=0) + "\n").encode()}
    with opened(directory) as folders:
        try:
            own = set(_previous_names(folders))
            stale = sorted(own - set(outputs))
            for name in [*outputs, *stale]:
                folders.check_file(name)
            _refuse_others(folders, [name for name in files if name not in own and name not in replaceable])
            staged, layouts = _stage(folders, outputs, previous)
            changed = set(staged)
            switch(folders, staged, stale)
            _settle_layouts(folders, layouts)
        except OSError as error:
            raise OutputError(f"cannot write: {cause(error)}", str(error.filename or directory)) from None
    written = [Written(directory / name, name in changed) for name in sorted(files)]
    return written + [Written(directory / name, True, removed=True) for name in stale], layouts


def _settle_layouts(folders: Folders, layouts: Layouts) -> None:
    """Give each layout the state of its file as it now stands in the folder (a rename changes
    a file's ctime): the next run splices from a file only while it is exactly that."""
    taken = time.time_ns()
    for name, layout in list(layouts.files.items()):
        status = folders.status(name)
        if status is None or not stat.S_ISREG(status.st_mode):
            del layouts.files[name]
        else:
            layouts.files[name] = replace(layout, state=written_state(status, taken))


def _refuse_others(folders: Folders, names: Iterable[str]) -> None:
    """Refuse to replace a file an earlier run did not write: it is another program's."""
    for name in names:
        if folders.status(name) is not None:
            raise Refused(
                errno.EEXIST,
                "talkfeed did not write this file (its manifest does not list it) and will not replace "
                "it: write elsewhere (-o DIR), or name it with --replace if talkfeed's file is to take "
                "its place",
                str(folders.path(name)),
            )


def _previous_names(folders: Folders) -> list[str]:
    try:
        data = folders.read(MANIFEST_NAME)
        names = json.loads(data or b"[]")
    except (OSError, ValueError):
        return []
    if not isinstance(names, list):
        return []
    # A manifest is read back from disk: never let it name the writer's own files (the lock).
    return [
        name
        for name in names
        if isinstance(name, str)
        and path_problem(name) is None
        and not any(part.startswith(OWN_PREFIX) for part in name.split("/"))
    ]


def _stage(
    folders: Folders, outputs: Mapping[str, Content], previous: Layouts
) -> tuple[dict[str, str], Layouts]:
    """Write each output beside its target; keep (synced) only those that differ from it.

    A ``Spliced`` output whose segments are those of the old file is not written at all; one
    that differs reuses what it can of the old file. Returns the staged files by target, and
    the layouts of the spliced files as the set will hold them. On an error, no staged file is
    left behind.
    """
    staged: dict[str, str] = {}
    layouts = Layouts()
    try:
        for name, content in outputs.items():
            if isinstance(content, Spliced):
                layout = _stage_spliced(folders, name, content, previous, staged, layouts.notes)
                if layout is not None:
                    layouts.files[name] = layout
            else:
                _stage_one(folders, name, (content,) if isinstance(content, bytes) else content(), staged)
    except BaseException:
        for temporary in [*staged.values(), *(sibling(name, f"{os.getpid()}-") for name in outputs)]:
            with contextlib.suppress(OSError):
                folders.unlink(temporary)
        raise
    return staged, layouts


def _stage_one(
    folders: Folders,
    name: str,
    chunks: Iterable[bytes | Copy],
    staged: dict[str, str],
    differs: Callable[[], bool] = lambda: False,
) -> None:
    """Write one output beside its target; keep it (synced) in ``staged`` when it differs.

    ``differs`` tells, once the chunks are written, whether they are known to differ from the
    target: then the files are not compared.
    """
    temporary = sibling(name, f"{os.getpid()}-")
    folders.unlink(temporary)
    folders.create(temporary, chunks, named=name)
    if not differs() and folders.same(temporary, name):
        folders.unlink(temporary)
    else:
        staged[name] = temporary
        folders.sync_file(temporary, named=name)


def _stage_spliced(
    folders: Folders,
    name: str,
    content: Spliced,
    previous: Layouts,
    staged: dict[str, str],
    notes: dict[str, str],
) -> Layout | None:
    """Stage an assembled output, reusing the old file where its layout still describes it.

    Returns the layout of the file the set will hold (``None`` when it cannot be told).
    """
    with _opened_old(folders, name, previous.files.get(name)) as (old_file, old_layout):
        assembly = Assembly(content, old_layout, previous.notes)
        notes.update(assembly.notes)
        if old_layout is not None and assembly.unchanged():
            return assembly.layout(old_layout.state, old_lengths=True)
        _stage_one(folders, name, assembly.pieces(old_file), staged, lambda: assembly.differs)
    # The state is the file's once it is in place (``_settle_layouts``).
    return assembly.layout(UNSETTLED)


@contextlib.contextmanager
def _opened_old(
    folders: Folders, name: str, layout: Layout | None
) -> Iterator[tuple[int | None, Layout | None]]:
    """Open the file ``name`` replaces when ``layout`` still describes it: the same state
    (inode, size, mtime and ctime), taken where it could be trusted."""
    if layout is None:
        yield None, None
        return
    folder = folders.holding(name)
    try:
        descriptor = os.open(leaf(name), READ_FLAGS, dir_fd=folder) if folder is not None else None
    except OSError:
        descriptor = None
    if descriptor is None:
        yield None, None
        return
    try:
        status = os.fstat(descriptor)
        now = written_state(status, time.time_ns())
        intact = stat.S_ISREG(status.st_mode) and now == layout.state and now != UNSETTLED
        yield (descriptor, layout) if intact else (None, None)
    finally:
        os.close(descriptor)
