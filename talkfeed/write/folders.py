"""Reach the output folder and everything below it through folder descriptors, never a link.

Files are opened, renamed and removed relative to folder descriptors opened with
``O_NOFOLLOW``, and a link (or a name that is absolute, holds ``..`` or a control character)
stops the run before anything is written, with an error naming it. The output folder itself may
be a link: the user named it. New folders are 0755 and files 0644, whatever the umask.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from talkfeed.errors import OutputError
from talkfeed.write.splice import Copy

FILE_MODE = 0o644

FOLDER_MODE = 0o755
"""Folders the writer creates, whatever the umask, so a web server can read what is in them."""

TEMPORARY_PREFIX = ".talkfeed-tmp-"

OWN_PREFIX = ".talkfeed"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC

FOLDER_FLAGS = ROOT_FLAGS | os.O_NOFOLLOW

# O_NONBLOCK keeps a FIFO planted under an output's name from hanging the run.
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC

CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

_MOST_OPEN_FOLDERS = 64


class Refused(OSError):
    """Something stands in the writer's way that it will not touch; the message says what to do."""


def link_refusal(path: Path) -> Refused:
    return Refused(errno.ELOOP, "is a symbolic link; remove it", str(path))


class Folders:
    """The output folder and the folders below it, reached through descriptors without following links.

    Names are relative POSIX paths already checked by ``path_problem``. Errors are ``OSError``
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
        return self._folder(parent(name), create)

    def status(self, name: str) -> os.stat_result | None:
        """Look at ``name`` itself, not where it may link to; None when it does not exist."""
        folder = self.holding(name)
        if folder is None:
            return None
        with self._naming(name):
            try:
                return os.lstat(leaf(name), dir_fd=folder)
            except FileNotFoundError:
                return None

    def check_file(self, name: str) -> None:
        """Raise unless ``name`` is missing or a regular file, reached with no link on the way."""
        status = self.status(name)
        if status is None or stat.S_ISREG(status.st_mode):
            return
        if stat.S_ISLNK(status.st_mode):
            raise link_refusal(self.path(name))
        if stat.S_ISDIR(status.st_mode):
            raise Refused(errno.EISDIR, "a folder stands where the file goes", str(self.path(name)))
        raise Refused(errno.EEXIST, "is not a regular file; remove it", str(self.path(name)))

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
                descriptor = os.open(leaf(name), READ_FLAGS, dir_fd=folder)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise link_refusal(self.path(name)) from None
                raise
        with open(descriptor, "rb") as handle:
            yield handle

    def sync_file(self, name: str, named: str) -> None:
        """Sync a file written with ``create``; errors name ``named``."""
        folder = self.holding(name)
        assert folder is not None
        with self._naming(named):
            descriptor = os.open(leaf(name), READ_FLAGS, dir_fd=folder)
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
                descriptor = os.open(leaf(name), READ_FLAGS, dir_fd=folder)
            except FileNotFoundError:
                return None
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise link_refusal(self.path(name)) from None
                raise
            with open(descriptor, "rb") as handle:
                return handle.read()

    def create(self, name: str, chunks: Iterable[bytes | Copy], named: str) -> None:
        """Write ``chunks`` (bytes, or ranges of another open file) to the new file ``name`` with
        mode 0644 (not synced: ``sync_file``); errors name ``named``."""
        folder = self.holding(name, create=True)
        assert folder is not None
        with self._naming(named):
            descriptor = os.open(leaf(name), CREATE_FLAGS, FILE_MODE, dir_fd=folder)
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
                    os.unlink(leaf(name), dir_fd=folder)
                raise
            finally:
                os.close(descriptor)

    def replace(self, source: str, target: str) -> None:
        """Rename ``source`` over ``target``, its sibling."""
        assert parent(source) == parent(target)
        folder = self.holding(target)
        if folder is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(self.path(target)))
        with self._naming(target):
            os.replace(leaf(source), leaf(target), src_dir_fd=folder, dst_dir_fd=folder)
        self._dirty.add(parent(target))

    def keep_copy(self, name: str, copy: str) -> None:
        """Hard-link ``name`` to its sibling ``copy``, or copy its bytes where links cannot be made."""
        folder = self.holding(name)
        assert folder is not None
        self.unlink(copy)
        with self._naming(name):
            try:
                os.link(leaf(name), leaf(copy), src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
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
            os.unlink(leaf(name), dir_fd=folder)
            self._dirty.add(parent(name))

    def remove(self, names: Iterable[str]) -> None:
        """Remove the files ``names`` and every folder they leave empty, up to the output folder."""
        for name in names:
            self.unlink(name)
            folder = parent(name)
            while folder:
                above = parent(folder)
                descriptor = self._folder(above, create=False)
                if descriptor is None:
                    break
                try:
                    os.rmdir(leaf(folder), dir_fd=descriptor)
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
        above = parent(relative)
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
        name = leaf(relative)
        try:
            return os.open(name, FOLDER_FLAGS, dir_fd=outer)
        except FileNotFoundError:
            if not create:
                return None
        except OSError as error:
            raise self._refusal(outer, relative, error) from None
        with self._naming(relative):
            os.mkdir(name, FOLDER_MODE, dir_fd=outer)
        self._dirty.add(parent(relative))
        try:
            descriptor = os.open(name, FOLDER_FLAGS, dir_fd=outer)
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
            mode = os.lstat(leaf(relative), dir_fd=outer).st_mode
            if stat.S_ISLNK(mode):
                return link_refusal(self.path(relative))
            if not stat.S_ISDIR(mode):
                return Refused(errno.ENOTDIR, "a file stands where a folder goes", path)
        error.filename = path
        return error

    def _forget(self, relative: str) -> None:
        for name in [name for name in self._open if name == relative or name.startswith(relative + "/")]:
            os.close(self._open.pop(name))

    @contextlib.contextmanager
    def _naming(self, name: str) -> Iterator[None]:
        try:
            yield
        except Refused:
            raise
        except OSError as error:
            error.filename = str(self.path(name))
            raise


@contextlib.contextmanager
def opened(directory: Path) -> Iterator[Folders]:
    try:
        root = os.open(directory, ROOT_FLAGS)
    except OSError as error:
        raise OutputError(f"cannot open the output folder: {cause(error)}", str(directory)) from None
    folders = Folders(directory, root)
    try:
        yield folders
    finally:
        folders.close()


def parent(name: str) -> str:
    return name.rpartition("/")[0]


def leaf(name: str) -> str:
    return name.rpartition("/")[2]


def path_problem(name: object) -> str | None:
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


def check_names(directory: Path, names: Collection[str]) -> None:
    for name in sorted(names):
        problem = path_problem(name)
        if problem is None and any(part.startswith(OWN_PREFIX) for part in name.split("/")):
            problem = f"starts with {OWN_PREFIX!r}, which talkfeed keeps for its own files"
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


def is_temporary_of(name: object, temporary: object) -> bool:
    """Say whether ``temporary`` is a temporary file beside ``name``, both names safe."""
    if path_problem(name) is not None or path_problem(temporary) is not None:
        return False
    assert isinstance(name, str) and isinstance(temporary, str)
    return parent(name) == parent(temporary) and leaf(temporary).startswith(TEMPORARY_PREFIX)


def make_folder(directory: Path) -> None:
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
            descriptor = os.open(folder, FOLDER_FLAGS)
            try:
                os.fchmod(descriptor, FOLDER_MODE)
            finally:
                os.close(descriptor)
        os.close(os.open(directory, ROOT_FLAGS))
    except OSError as error:
        if os.path.lexists(directory) and not os.path.isdir(directory):
            raise OutputError("the output path is a file, not a folder", str(directory)) from None
        if error.errno in (errno.EACCES, errno.EPERM) and os.path.lexists(directory):
            raise OutputError(
                f"cannot enter this output folder ({cause(error)}) (let the user talkfeed runs read, "
                "enter and write it, or give another -o DIR)",
                str(directory),
            ) from None
        raise OutputError(
            f"cannot create the output folder: {cause(error)}", str(error.filename or directory)
        ) from None


def cause(error: OSError) -> str:
    return error.strerror or str(error)


def sibling(name: str, tag: str) -> str:
    relative = PurePosixPath(name)
    return str(relative.parent / f"{TEMPORARY_PREFIX}{tag}{relative.name}")
