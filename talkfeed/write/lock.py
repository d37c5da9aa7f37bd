"""Keep two runs from writing one output folder at once: a lock file in it, held with ``flock``."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from talkfeed.errors import LockedError, OutputError
from talkfeed.write.folders import FILE_MODE, ROOT_FLAGS, Refused, cause, link_refusal, make_folder

LOCK_NAME = ".talkfeed.lock"

_LOCK_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@contextlib.contextmanager
def locked(directory: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the output folder's lock, waiting up to ``wait_seconds`` for another run to finish."""
    make_folder(directory)
    path = directory / LOCK_NAME
    try:
        descriptor = _open_lock(directory)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise OutputError(
                f"cannot write into this output folder ({cause(error)}); talkfeed writes its files and its "
                f"lock {LOCK_NAME} there (let the user talkfeed runs as write it, or give another -o DIR)",
                str(directory),
            ) from None
        raise OutputError(f"cannot create the lock file: {cause(error)}", str(path)) from None
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


def _open_lock(directory: Path) -> int:
    root = os.open(directory, ROOT_FLAGS)
    try:
        try:
            descriptor = os.open(LOCK_NAME, _LOCK_FLAGS, FILE_MODE, dir_fd=root)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise link_refusal(directory / LOCK_NAME) from None
            raise
    finally:
        os.close(root)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise Refused(errno.EEXIST, "is not a regular file; remove it", LOCK_NAME)
    with contextlib.suppress(OSError):  # another user's lock file keeps its mode
        os.fchmod(descriptor, FILE_MODE)
    return descriptor
