"""Write a set of output files so readers only ever see a whole old set or a whole new set.

Every file is first written beside its target under a temporary name and synced; then a
journal naming the renames is synced; then the renames happen and the journal goes. A run
killed during the renames leaves the journal, and the next run finishes the renames before
anything else, so a half-switched set never outlives the next run. Files whose bytes are
unchanged are not touched, so their mtime (and web servers' ETags) stay as they were.

Nothing below the output folder is reached through a symbolic link: files are opened, renamed
and removed relative to folder descriptors opened with ``O_NOFOLLOW``, and a link (or a name
that is absolute, holds ``..`` or a control character) stops the run before anything is
written, with an error naming it. The output folder itself may be a link: the user named it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from talkfeed.errors import LockedError, OutputError
from talkfeed.write.splice import Assembly, Copy, Layout, Layouts, Spliced, state_of

TEMPORARY_PREFIX = ".talkfeed-tmp-"
JOURNAL_NAME = ".talkfeed-journal"
MANIFEST_NAME = ".talkfeed-manifest"
"""Lists the files the last run wrote, so files of views that went away are removed."""
LOCK_NAME = ".talkfeed.lock"
FILE_MODE = 0o644
FOLDER_MODE = 0o755
"""Folders the writer creates, whatever the umask, so a web server can read what is in them."""

_OWN_PREFIX = ".talkfeed"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_FOLDER_FLAGS = _ROOT_FLAGS | os.O_NOFOLLOW
# O_NONBLOCK keeps a FIFO planted under an output's name from hanging the run.
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_LOCK_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_MOST_OPEN_FOLDERS = 64


@dataclass(frozen=True)
class Written:
    """One output file and whether this run changed it, or removed it (a view that went away)."""

    path: Path
    changed: bool
    removed: bool = False


class _Refused(OSError):
    """Something stands in the writer's way that it will not touch; the message says what to do."""


def _link(path: Path) -> _Refused:
    return _Refused(errno.ELOOP, "is a symbolic link; remove it", str(path))


@contextlib.contextmanager
def locked(directory: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the output folder's lock, waiting up to ``wait_seconds`` for another run to finish."""
    _make_folder(directory)
    path = directory / LOCK_NAME
    try:
        descriptor = _open_lock(directory)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise OutputError(
                f"cannot write into this output folder ({_cause(error)}); talkfeed writes its files and its "
                f"lock {LOCK_NAME} there (let the user talkfeed runs as write it, or give another -o DIR)",
                str(directory),
            ) from None
        raise OutputError(f"cannot create the lock file: {_cause(error)}", str(path)) from None
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


Content = bytes | Callable[[], Iterable[bytes]] | Spliced
"""A file's bytes, or a function giving them in pieces, so a large file is never whole in memory,
or its pieces with talks' parts the old file may hold (see ``splice``)."""


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
    _check_names(directory, files)
    _make_folder(directory)
    recover(directory)
    outputs = {**files, MANIFEST_NAME: (json.dumps(sorted(files), indent=0) + "\n").encode()}
    with _opened(directory) as folders:
        try:
            own = set(_previous_names(folders))
            stale = sorted(own - set(outputs))
            for name in [*outputs, *stale]:
                folders.check_file(name)
            _refuse_others(folders, [name for name in files if name not in own and name not in replaceable])
            staged, layouts = _stage(folders, outputs, previous)
            changed = set(staged)
            _switch(folders, staged, stale)
        except OSError as error:
            raise OutputError(f"cannot write: {_cause(error)}", str(error.filename or directory)) from None
    written = [Written(directory / name, name in changed) for name in sorted(files)]
    return written + [Written(directory / name, True, removed=True) for name in stale], layouts


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
            f"cannot look for the journal of a killed run: {_cause(error)} (let the user talkfeed runs "
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
        root = os.open(directory, _ROOT_FLAGS)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"cannot open the output folder: {_cause(error)}", str(directory)) from None
    folders = _Folders(directory, root)
    try:
        _finish_journal(folders)
        _remove_leftovers(root)
    except OSError as error:
        raise OutputError(
            f"cannot finish the writes of a run that was stopped: {_cause(error)}",
            str(error.filename or directory),
        ) from None
    finally:
        folders.close()


class _Folders:
    """The output folder and the folders below it, reached through descriptors without following links.

    Names are relative POSIX paths already checked by ``_path_problem``. Errors are ``OSError``
    whose ``filename`` is the full path.
    """

    def __init__(self, directory: Path, root: int) -> None:
        self.directory = directory
        self._open: dict[str, int] = {"": root}
        self._dirty: set[str] = set()

    def close(self) -> None:
        for descriptor in self._open.values():
            os.close(descriptor)
        self._open.clear()

    def holding(self, name: str, create: bool = False) -> int | None:
        """Open the folder that holds ``name``; None when it is missing and not to be created."""
        return self._folder(_parent(name), create)

    def status(self, name: str) -> os.stat_result | None:
        """Look at ``name`` itself, not where it may link to; None when it does not exist."""
        folder = self.holding(name)
        if folder is None:
            return None
        with self._naming(name):
            try:
                return os.lstat(_leaf(name), dir_fd=folder)
            except FileNotFoundError:
                return None

    def check_file(self, name: str) -> None:
        """Raise unless ``name`` is missing or a regular file, reached with no link on the way."""
        status = self.status(name)
        if status is None or stat.S_ISREG(status.st_mode):
            return
        if stat.S_ISLNK(status.st_mode):
            raise _link(self.path(name))
        if stat.S_ISDIR(status.st_mode):
            raise _Refused(errno.EISDIR, "a folder stands where the file goes", str(self.path(name)))
        raise _Refused(errno.EEXIST, "is not a regular file; remove it", str(self.path(name)))

    def same(self, first: str, second: str) -> bool:
        """Say whether two regular files hold the same bytes, reading both a block at a time."""
        one, other = self.status(first), self.status(second)
        if one is None or other is None or not stat.S_ISREG(other.st_mode) or one.st_size != other.st_size:
            return False
        with self._opened_for_reading(first) as left, self._opened_for_reading(second) as right:
            while True:
                block = left.read(1 << 20)
                if block != right.read(1 << 20):
                    return False
                if not block:
                    return True

    @contextlib.contextmanager
    def _opened_for_reading(self, name: str) -> Iterator[BinaryIO]:
        folder = self.holding(name)
        assert folder is not None
        with self._naming(name):
            try:
                descriptor = os.open(_leaf(name), _READ_FLAGS, dir_fd=folder)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise _link(self.path(name)) from None
                raise
        with open(descriptor, "rb") as handle:
            yield handle

    def sync_file(self, name: str, named: str) -> None:
        """Sync a file written with ``create``; errors name ``named``."""
        folder = self.holding(name)
        assert folder is not None
        with self._naming(named):
            descriptor = os.open(_leaf(name), _READ_FLAGS, dir_fd=folder)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def read(self, name: str) -> bytes | None:
        """Read ``name``; None when it does not exist."""
        folder = self.holding(name)
        if folder is None:
            return None
        with self._naming(name):
            try:
                descriptor = os.open(_leaf(name), _READ_FLAGS, dir_fd=folder)
            except FileNotFoundError:
                return None
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise _link(self.path(name)) from None
                raise
            with open(descriptor, "rb") as handle:
                return handle.read()

    def create(self, name: str, chunks: Iterable[bytes | Copy], named: str) -> None:
        """Write ``chunks`` (bytes, or ranges of another open file) to the new file ``name`` with
        mode 0644 (not synced: ``sync_file``); errors name ``named``."""
        folder = self.holding(name, create=True)
        assert folder is not None
        with self._naming(named):
            descriptor = os.open(_leaf(name), _CREATE_FLAGS, FILE_MODE, dir_fd=folder)
            try:
                for chunk in chunks:
                    if isinstance(chunk, Copy):
                        chunk.into(descriptor)
                        continue
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(descriptor, view) :]
                os.fchmod(descriptor, FILE_MODE)
            except BaseException:
                # Whatever failed (the disk, or the code giving the chunks), no half file stays.
                with contextlib.suppress(OSError):
                    os.unlink(_leaf(name), dir_fd=folder)
                raise
            finally:
                os.close(descriptor)

    def replace(self, source: str, target: str) -> None:
        """Rename ``source`` over ``target``, its sibling."""
        assert _parent(source) == _parent(target)
        folder = self.holding(target)
        if folder is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(self.path(target)))
        with self._naming(target):
            os.replace(_leaf(source), _leaf(target), src_dir_fd=folder, dst_dir_fd=folder)
        self._dirty.add(_parent(target))

    def keep_copy(self, name: str, copy: str) -> None:
        """Hard-link ``name`` to its sibling ``copy``, or copy its bytes where links cannot be made."""
        folder = self.holding(name)
        assert folder is not None
        self.unlink(copy)
        with self._naming(name):
            try:
                os.link(_leaf(name), _leaf(copy), src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
                return
            except OSError:
                data = self.read(name)
        self.create(copy, (data or b"",), named=name)
        self.sync_file(copy, named=name)

    def unlink(self, name: str) -> None:
        """Remove the file ``name`` if it is there."""
        folder = self.holding(name)
        if folder is None:
            return
        with self._naming(name), contextlib.suppress(FileNotFoundError):
            os.unlink(_leaf(name), dir_fd=folder)
            self._dirty.add(_parent(name))

    def remove(self, names: Iterable[str]) -> None:
        """Remove the files ``names`` and every folder they leave empty, up to the output folder."""
        for name in names:
            self.unlink(name)
            folder = _parent(name)
            while folder:
                above = _parent(folder)
                descriptor = self._folder(above, create=False)
                if descriptor is None:
                    break
                try:
                    os.rmdir(_leaf(folder), dir_fd=descriptor)
                except OSError:
                    break
                self._forget(folder)
                self._dirty.add(above)
                folder = above

    def sync(self) -> None:
        """Make the renames, removals and new folders so far survive a power cut."""
        for folder in sorted(self._dirty):
            descriptor = self._folder(folder, create=False)
            if descriptor is not None:
                with self._naming(folder):
                    os.fsync(descriptor)
        self._dirty.clear()

    def path(self, name: str) -> Path:
        return self.directory / name if name else self.directory

    def _folder(self, relative: str, create: bool) -> int | None:
        if relative in self._open:
            return self._open[relative]
        above = _parent(relative)
        outer = self._folder(above, create)
        if outer is None:
            return None
        descriptor = self._open_folder(outer, relative, create)
        if descriptor is not None:
            if len(self._open) >= _MOST_OPEN_FOLDERS:
                self._forget(next(name for name in self._open if name))
            self._open[relative] = descriptor
        return descriptor

    def _open_folder(self, outer: int, relative: str, create: bool) -> int | None:
        name = _leaf(relative)
        try:
            return os.open(name, _FOLDER_FLAGS, dir_fd=outer)
        except FileNotFoundError:
            if not create:
                return None
        except OSError as error:
            raise self._refusal(outer, relative, error) from None
        with self._naming(relative):
            os.mkdir(name, FOLDER_MODE, dir_fd=outer)
        self._dirty.add(_parent(relative))
        try:
            descriptor = os.open(name, _FOLDER_FLAGS, dir_fd=outer)
        except OSError as error:
            raise self._refusal(outer, relative, error) from None
        try:
            os.fchmod(descriptor, FOLDER_MODE)
        except OSError as error:
            os.close(descriptor)
            error.filename = str(self.path(relative))
            raise
        return descriptor

    def _refusal(self, outer: int, relative: str, error: OSError) -> OSError:
        """Say why the folder ``relative`` could not be opened: a link, a file, or ``error``'s cause."""
        path = str(self.path(relative))
        with contextlib.suppress(OSError):
            mode = os.lstat(_leaf(relative), dir_fd=outer).st_mode
            if stat.S_ISLNK(mode):
                return _link(self.path(relative))
            if not stat.S_ISDIR(mode):
                return _Refused(errno.ENOTDIR, "a file stands where a folder goes", path)
        error.filename = path
        return error

    def _forget(self, relative: str) -> None:
        for name in [name for name in self._open if name == relative or name.startswith(relative + "/")]:
            os.close(self._open.pop(name))

    @contextlib.contextmanager
    def _naming(self, name: str) -> Iterator[None]:
        try:
            yield
        except _Refused:
            raise
        except OSError as error:
            error.filename = str(self.path(name))
            raise


@contextlib.contextmanager
def _opened(directory: Path) -> Iterator[_Folders]:
    try:
        root = os.open(directory, _ROOT_FLAGS)
    except OSError as error:
        raise OutputError(f"cannot open the output folder: {_cause(error)}", str(directory)) from None
    folders = _Folders(directory, root)
    try:
        yield folders
    finally:
        folders.close()


def _parent(name: str) -> str:
    return name.rpartition("/")[0]


def _leaf(name: str) -> str:
    return name.rpartition("/")[2]


def _path_problem(name: object) -> str | None:
    """Say why ``name`` cannot name a file below the output folder, or None when it can."""
    if not isinstance(name, str) or not name:
        return "is empty"
    if _CONTROL.search(name):
        return "holds a control character"
    if "\\" in name:
        return "holds a backslash"
    if name.startswith("/"):
        return "is absolute"
    parts = name.split("/")
    if "" in parts:
        return "has an empty segment"
    if ".." in parts or "." in parts:
        return "holds a '..' or '.' segment"
    return None


def _check_names(directory: Path, names: Collection[str]) -> None:
    for name in sorted(names):
        problem = _path_problem(name)
        if problem is None and any(part.startswith(_OWN_PREFIX) for part in name.split("/")):
            problem = f"starts with {_OWN_PREFIX!r}, which talkfeed keeps for its own files"
        if problem is not None:
            raise OutputError(
                f"refusing to write {name!r}: the name {problem}; every output must stay inside the folder",
                str(directory),
            )
    for name in sorted(names):
        parts = name.split("/")
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in names:
                raise OutputError(
                    f"refusing to write both {folder!r} and {name!r}: one is a file, the other a folder",
                    str(directory / folder),
                )


def _is_temporary_of(name: object, temporary: object) -> bool:
    """Say whether ``temporary`` is a temporary file beside ``name``, both names safe."""
    if _path_problem(name) is not None or _path_problem(temporary) is not None:
        return False
    assert isinstance(name, str) and isinstance(temporary, str)
    return _parent(name) == _parent(temporary) and _leaf(temporary).startswith(TEMPORARY_PREFIX)


def _refuse_others(folders: _Folders, names: Iterable[str]) -> None:
    """Refuse to replace a file an earlier run did not write: it is another program's."""
    for name in names:
        if folders.status(name) is not None:
            raise _Refused(
                errno.EEXIST,
                "talkfeed did not write this file (its manifest does not list it) and will not replace "
                "it: write elsewhere (-o DIR), or name it with --replace if talkfeed's file is to take "
                "its place",
                str(folders.path(name)),
            )


def _previous_names(folders: _Folders) -> list[str]:
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
        and _path_problem(name) is None
        and not any(part.startswith(_OWN_PREFIX) for part in name.split("/"))
    ]


def _stage(
    folders: _Folders, outputs: Mapping[str, Content], previous: Layouts
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
        for temporary in [*staged.values(), *(_sibling(name, f"{os.getpid()}-") for name in outputs)]:
            with contextlib.suppress(OSError):
                folders.unlink(temporary)
        raise
    return staged, layouts


def _stage_one(
    folders: _Folders,
    name: str,
    chunks: Iterable[bytes | Copy],
    staged: dict[str, str],
    differs: Callable[[], bool] = lambda: False,
) -> None:
    """Write one output beside its target; keep it (synced) in ``staged`` when it differs.

    ``differs`` tells, once the chunks are written, whether they are known to differ from the
    target: then the files are not compared.
    """
    temporary = _sibling(name, f"{os.getpid()}-")
    folders.unlink(temporary)
    folders.create(temporary, chunks, named=name)
    if not differs() and folders.same(temporary, name):
        folders.unlink(temporary)
    else:
        staged[name] = temporary
        folders.sync_file(temporary, named=name)


def _stage_spliced(
    folders: _Folders,
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
    status = folders.status(staged.get(name, name))
    return assembly.layout(state_of(status)) if status is not None else None


@contextlib.contextmanager
def _opened_old(
    folders: _Folders, name: str, layout: Layout | None
) -> Iterator[tuple[int | None, Layout | None]]:
    """Open the file ``name`` replaces when ``layout`` still describes it (same size, mtime, inode)."""
    if layout is None:
        yield None, None
        return
    folder = folders.holding(name)
    try:
        descriptor = os.open(_leaf(name), _READ_FLAGS, dir_fd=folder) if folder is not None else None
    except OSError:
        descriptor = None
    if descriptor is None:
        yield None, None
        return
    try:
        status = os.fstat(descriptor)
        intact = stat.S_ISREG(status.st_mode) and state_of(status) == layout.state
        yield (descriptor, layout) if intact else (None, None)
    finally:
        os.close(descriptor)


def _switch(folders: _Folders, staged: Mapping[str, str], stale: list[str]) -> None:
    try:
        if staged or stale:
            _commit(folders, staged, stale)
    except OSError:
        for temporary in staged.values():
            with contextlib.suppress(OSError):
                folders.unlink(temporary)
        raise


def _sibling(name: str, tag: str) -> str:
    relative = PurePosixPath(name)
    return str(relative.parent / f"{TEMPORARY_PREFIX}{tag}{relative.name}")


def _commit(folders: _Folders, staged: Mapping[str, str], stale: list[str]) -> None:
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
                backups[name] = _sibling(name, "old-")
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


def _roll_back(folders: _Folders, done: list[str], backups: Mapping[str, str]) -> None:
    for name in reversed(done):
        with contextlib.suppress(OSError):
            if name in backups:
                folders.replace(backups[name], name)
            else:
                folders.unlink(name)
    for backup in backups.values():
        with contextlib.suppress(OSError):
            folders.unlink(backup)


def _finish_journal(folders: _Folders) -> None:
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
        if _is_temporary_of(name, temporary)
    }
    removals = [name for name in _listed(plan, "removals") if _path_problem(name) is None]
    backups = [name for name in _listed(plan, "backups") if _is_temporary_of(name, name)]
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
    """Remove temporary files in ``folder`` and the folders below it, following no link."""
    for name in os.listdir(folder):
        try:
            mode = os.lstat(name, dir_fd=folder).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            with contextlib.suppress(OSError):
                inner = os.open(name, _FOLDER_FLAGS, dir_fd=folder)
                try:
                    _remove_leftovers(inner)
                finally:
                    os.close(inner)
        elif name.startswith(TEMPORARY_PREFIX):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)


def _open_lock(directory: Path) -> int:
    root = os.open(directory, _ROOT_FLAGS)
    try:
        try:
            descriptor = os.open(LOCK_NAME, _LOCK_FLAGS, FILE_MODE, dir_fd=root)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise _link(directory / LOCK_NAME) from None
            raise
    finally:
        os.close(root)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _Refused(errno.EEXIST, "is not a regular file; remove it", LOCK_NAME)
    with contextlib.suppress(OSError):  # another user's lock file keeps its mode
        os.fchmod(descriptor, FILE_MODE)
    return descriptor


def _make_folder(directory: Path) -> None:
    """Create ``directory`` and the missing folders above it with mode 0755, whatever the umask."""
    missing = []
    folder = directory
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    try:
        for folder in reversed(missing):
            try:
                os.mkdir(folder, FOLDER_MODE)
            except FileExistsError:
                continue
            descriptor = os.open(folder, _FOLDER_FLAGS)
            try:
                os.fchmod(descriptor, FOLDER_MODE)
            finally:
                os.close(descriptor)
        os.close(os.open(directory, _ROOT_FLAGS))
    except OSError as error:
        if os.path.lexists(directory) and not os.path.isdir(directory):
            raise OutputError("the output path is a file, not a folder", str(directory)) from None
        if error.errno in (errno.EACCES, errno.EPERM) and os.path.lexists(directory):
            raise OutputError(
                f"cannot enter this output folder ({_cause(error)}) (let the user talkfeed runs read, "
                "enter and write it, or give another -o DIR)",
                str(directory),
            ) from None
        raise OutputError(
            f"cannot create the output folder: {_cause(error)}", str(error.filename or directory)
        ) from None


def _cause(error: OSError) -> str:
    return error.strerror or str(error)
