"""Run talkfeed bound by file permissions, as an ordinary user is, even when the tests run as root.

Root reads and enters any folder whatever its mode, through the capabilities CAP_DAC_OVERRIDE
and CAP_DAC_READ_SEARCH. A run that must meet ``chmod 000`` as a cron job's user meets it is
made in a forked child that gives both up (and keeps uid 0, so the test's own folders, which
only root may enter, stay in reach). Without root there is nothing to give up.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from talkfeed.cli import main

_CAPABILITY_VERSION_3 = 0x20080522
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2
_UNBOUND = "the forked child still reads a folder of mode 000"
_TIME_LIMIT = 120.0


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@dataclass(frozen=True)
class Outcome:
    """What a bound run printed and how it ended; ``traceback`` is an exception talkfeed let out."""

    exit_code: int
    stdout: str
    stderr: str
    traceback: str | None


def run_bound(arguments: Sequence[object]) -> Outcome:
    """Run the CLI in-process in a child bound by file permissions; skip where that cannot be."""
    return bound(lambda: invoke(arguments))


def bound(job: Callable[[], Outcome]) -> Outcome:
    """Run ``job`` in a forked child bound by file permissions and give back its outcome."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's report is what the parent checks
        os.close(read_end)
        try:
            report = _refusal() or json.dumps(job().__dict__)
        except BaseException:  # the child must always report and exit, whatever happened
            report = json.dumps(
                {"exit_code": -1, "stdout": "", "stderr": "", "traceback": traceback.format_exc()}
            )
        with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
            pipe.write(report)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as pipe:
        ready, _, _ = select.select([pipe], [], [], _TIME_LIMIT)
        if not ready:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            pytest.fail(f"the bound run did not end within {_TIME_LIMIT:g} s")
        report = pipe.read()
    os.waitpid(child, 0)
    if report.startswith("skip:"):
        pytest.skip(report.removeprefix("skip:"))
    return Outcome(**json.loads(report))


def invoke(arguments: Sequence[object]) -> Outcome:
    """Run the CLI in-process, catching what it lets out."""
    given = [str(argument) for argument in arguments]
    result = CliRunner().invoke(main, given, prog_name="talkfeed", catch_exceptions=True)
    escaped = None
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        escaped = "".join(traceback.format_exception(*result.exc_info))
    return Outcome(result.exit_code, result.stdout, result.stderr, escaped)


def _give_up_permission_bypass() -> None:
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    header = _Header(_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    kept = ~((1 << _CAP_DAC_OVERRIDE) | (1 << _CAP_DAC_READ_SEARCH)) & 0xFFFFFFFF
    data[0].effective &= kept
    data[0].permitted &= kept
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _refusal() -> str | None:
    """Give up root's bypass of file permissions; a reason to skip when that cannot be done."""
    try:
        _give_up_permission_bypass()
    except OSError as error:
        return f"skip:running as root, and its permission bypass cannot be given up here ({error})"
    probe = Path(tempfile.mkdtemp())
    try:
        probe.chmod(0)
        try:
            os.listdir(probe)
        except PermissionError:
            return None
        return f"skip:{_UNBOUND}"
    finally:
        probe.chmod(0o700)
        probe.rmdir()
