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
