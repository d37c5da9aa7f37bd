"""One fingerprint of a file's state, trusted only where it cannot hide a change.

A state is what ``stat`` tells of a file or folder: inode, size, mtime and ctime. It shows any
change made after it was taken, but one made within the file system's timestamp resolution of
the change before can leave every field as it was: two edits of a page within one second on a
file system with 1-second timestamps (ext4 with 128-byte inodes, ext3, FAT, some NFS), or within
one clock tick (1 to 10 ms) on any Linux file system. So a state taken too soon after the file's
last change is *unsettled*: no later state ever equals it, and what was read from the file is
checked again (by its content, where that is kept) the next time.

Resolution is told from the file's own times: a file system that keeps whole seconds gives
every mtime and ctime 0 nanoseconds, and is taken to have a 2-second resolution (FAT's); any
other is taken to stamp from a coarse clock, and given 20 ms.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

ABSENT = "absent"
UNSETTLED = "unsettled"
"""The state of a file changed too recently to be told apart from a later change."""
COARSE_NS = 2_000_000_000
"""The resolution of a file system whose times are whole seconds (FAT: 2 s)."""
FINE_NS = 20_000_000
"""The resolution of one with finer times: Linux stamps them from a clock of 1 to 10 ms ticks."""
_SECOND_NS = 1_000_000_000


def resolution_ns(status: os.stat_result) -> int:
    """How close two changes can be and leave a file's times alike, told from the times themselves."""
    if status.st_mtime_ns % _SECOND_NS == 0 and status.st_ctime_ns % _SECOND_NS == 0:
        return COARSE_NS
    return FINE_NS


def state_of(path: str | Path, taken_ns: int | None = None) -> str:
    """Tell a file's or folder's state (links followed): ``ABSENT`` when it is not there,
    ``UNSETTLED`` when it changed within its file system's resolution of ``taken_ns`` (the
    moment, before it was read, the state stands for; default now) or after it."""
    try:
        status = os.stat(path)
    except OSError:
        return ABSENT
    return state_from(status, time.time_ns() if taken_ns is None else taken_ns)


def state_from(status: os.stat_result, taken_ns: int) -> str:
    """Tell the state ``status`` shows, as ``state_of`` does."""
    if max(status.st_ctime_ns, status.st_mtime_ns) >= taken_ns - resolution_ns(status):
        return UNSETTLED
    return _exact(status)


def written_state(status: os.stat_result, taken_ns: int) -> str:
    """Tell the state of a file talkfeed itself wrote, as taken at ``taken_ns``: its own writes
    are no change to fear where times are finer than a second (another program writing the file
    within the same clock tick as talkfeed is not), but where they are whole seconds, a state
    taken within the second of the write is unsettled as any other."""
    if resolution_ns(status) == COARSE_NS:
        return state_from(status, taken_ns)
    return _exact(status)


def _exact(status: os.stat_result) -> str:
    return f"{status.st_ino}:{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}"


def digest_of(data: bytes) -> str:
    """A short hash of a file's bytes, to tell by content whether it changed."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: str | Path, limit: int = 1 << 24) -> str | None:
    """The ``digest_of`` a regular file's bytes, or of a folder's sorted names; ``None`` when it
    cannot be read, is neither (a FIFO is never waited on) or is larger than ``limit``."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            return digest_of("\0".join(sorted(os.listdir(descriptor))).encode("utf-8", "surrogateescape"))
        if not stat.S_ISREG(mode):
            return None
        size = 0
        while block := os.read(descriptor, 1 << 20):
            size += len(block)
            if size > limit:
                return None
            digest.update(block)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return digest.hexdigest()
