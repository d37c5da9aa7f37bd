"""The one containment rule for reading: every file talkfeed reads is a regular file inside the site.

A name written in a page (``featured.jpg``, ``slides%20v2.pdf``) is percent-decoded first and
then resolved with every symbolic link followed; what lands outside the site root, or is not a
regular file (a FIFO, a device, a socket, a folder), is treated exactly as a missing file, so
the outputs say nothing about what exists outside the site.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

_CONTROL = frozenset(chr(code) for code in (*range(32), 127))


def is_plain_name(name: str) -> bool:
    """Tell whether a name written in a page is a relative path with no way up, once decoded."""
    decoded = unquote(name)
    if not decoded or "\\" in decoded or _CONTROL.intersection(decoded):
        return False
    path = PurePosixPath(decoded)
    return not path.is_absolute() and ".." not in path.parts


def file_inside(folder: Path, name: str, root: Path) -> Path | None:
    """The regular file ``name`` names below ``folder``, if it resolves inside ``root``; else ``None``."""
    if not is_plain_name(name):
        return None
    path = folder / unquote(name)
    return path if regular_inside(path, root) else None


def regular_inside(path: Path, root: Path) -> bool:
    """Tell whether ``path``, links followed, is a regular file inside ``root``."""
    try:
        real = Path(os.path.realpath(path))
        real.relative_to(os.path.realpath(root))
        return stat.S_ISREG(real.stat().st_mode)
    except (OSError, ValueError, RuntimeError):
        return False


def outside_reason(path: Path, root: Path) -> str | None:
    """Say why a file found in the site may not be read (a link out, a loop), or ``None``.

    A link out of the site is named so whether or not its target exists.
    """
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "is a symbolic link loop; not followed"
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return "links outside the site; not followed"
    return None


class UnreadableError(Exception):
    """A file or folder of the site that is there but cannot be read, listed or entered."""

    def __init__(self, path: Path, error: OSError, folder: bool) -> None:
        super().__init__(str(path))
        self.path = path
        self.folder = folder
        self.message = cannot_list(error) if folder else cannot_read(error)


_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG})
"""What ``stat`` says of a name that leads nowhere: treated as missing, as ``os.path.exists`` does."""


def status(path: Path | str, follow: bool = True) -> os.stat_result | None:
    """``stat`` a path of the site: ``None`` when nothing is there.

    Raises ``UnreadableError`` naming the folder on the way that cannot be entered (a
    folder without ``x`` permission for the user talkfeed runs as), so no file of the site
    is taken for missing when it is only out of reach.
    """
    try:
        return os.stat(path, follow_symlinks=follow)
    except OSError as error:
        if error.errno in _ABSENT:
            return None
        raise UnreadableError(_blocking_folder(Path(path)), error, folder=True) from None


def is_folder(path: Path | str) -> bool:
    """Tell whether a path of the site is a folder (links followed); see ``status``."""
    found = status(path)
    return found is not None and stat.S_ISDIR(found.st_mode)


def is_file(path: Path | str) -> bool:
    """Tell whether a path of the site is a regular file (links followed); see ``status``."""
    found = status(path)
    return found is not None and stat.S_ISREG(found.st_mode)


def refuse_unlisted(error: OSError) -> None:
    """Stop an ``os.walk`` (as its ``onerror``) at a folder it cannot list: what it holds counts."""
    raise UnreadableError(Path(str(error.filename)), error, folder=True)


def _blocking_folder(path: Path) -> Path:
    """The folder that keeps a path out of reach: the parent of the first step ``stat`` refuses."""
    for step in (*reversed(path.parents), path):
        try:
            os.stat(step)
        except PermissionError:
            return step.parent
        except OSError:
            break
    return path.parent


def cannot_list(error: OSError) -> str:
    """Say that a folder of the site cannot be listed, why, and what to do."""
    return (
        f"cannot list or enter this folder ({_cause(error)}), so nothing in it is read "
        "(let the user talkfeed runs as read and enter it: chmod a+rx; or move it out of the site)"
    )


def cannot_read(error: OSError) -> str:
    """Say that a file of the site cannot be read, why, and what to do."""
    return (
        f"cannot read this file ({_cause(error)}) "
        "(let the user talkfeed runs as read it: chmod a+r; or move it out of the site)"
    )


def _cause(error: OSError) -> str:
    return error.strerror or str(error)


def read_regular(path: Path, limit: int) -> bytes:
    """Read at most ``limit`` + 1 bytes of a regular file without ever blocking on a FIFO.

    Raises ``NotRegularError`` for anything but a regular file, ``OSError`` as ``open`` does.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotRegularError(path)
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


class NotRegularError(OSError):
    """A path that is a FIFO, a device, a socket or a folder, not a file."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.EINVAL, "is not a regular file (a FIFO, device or socket)", str(path))
