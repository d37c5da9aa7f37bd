"""A run killed at any moment, or failing mid-write, leaves the whole old set or the whole new set."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import itertools
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from talkfeed.cli import main
from talkfeed.errors import OutputError
from talkfeed.write.files import write_files
from talkfeed.write.journal import recover

from _crash_helpers import (
    CLI,
    Sites,
    build_arguments,
    build_command,
    classify,
    invoke_cli,
    leftovers,
    list_tree,
    make_sites,
    read_set,
    run_cli,
    start_cli,
)

SEED = 1127
FILE_SYSTEM_CALLS = (
    "open",
    "write",
    "fchmod",
    "fsync",
    "close",
    "replace",
    "rename",
    "unlink",
    "rmdir",
    "mkdir",
)
MOST_CALLS = 1000
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1


@pytest.fixture(scope="module")
def big_sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    """Sites of 60 talks each, so a build runs long enough to be killed at random moments."""
    return make_sites(tmp_path_factory.mktemp("big"), count=60)


@pytest.fixture(scope="module")
def small_sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    return make_sites(tmp_path_factory.mktemp("small"), count=3)


class Build(Protocol):
    """A running build, as a fresh Python process or a fork of this one."""

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...

    def wait(self) -> int:
        """Reap the build and return its status: the exit code, or minus the signal that ended it."""
        ...


class ProcessBuild:
    """``talkfeed build`` in a fresh interpreter, through the same entry point as the console script."""

    def __init__(self, arguments: list[str]) -> None:
        self._run = start_cli([*CLI, *arguments])

    def poll(self) -> int | None:
        return self._run.poll()

    def kill(self) -> None:
        self._run.kill()

    def wait(self) -> int:
        _, stderr = self._run.communicate(timeout=60)
        assert self._run.returncode in (0, -signal.SIGKILL), stderr
        return self._run.returncode


def _exit_code_of_main(arguments: list[str]) -> int:
    try:
        main(arguments)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
        return 70
    return 0


class ForkedBuild:
    """``talkfeed build`` in a fork of this process: the same code without paying for start-up."""

    def __init__(self, arguments: list[str]) -> None:
        self._status: int | None = None
        self._pid = os.fork()
        if self._pid == 0:
            os._exit(_exit_code_of_main(arguments))

    def poll(self) -> int | None:
        if self._status is None:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                self._status = os.waitstatus_to_exitcode(status)
        return self._status

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self._pid, signal.SIGKILL)

    def wait(self) -> int:
        if self._status is None:
            self._status = os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])
        assert self._status in (0, -signal.SIGKILL), f"the forked build ended with {self._status}"
        return self._status


@pytest.mark.parametrize(
    ("start", "kills"),
    [pytest.param(ProcessBuild, 10, id="fresh-process"), pytest.param(ForkedBuild, 30, id="forked-process")],
)
def test_sigkill_at_random_moments_leaves_the_old_or_the_new_set(
    tmp_path: Path, big_sites: Sites, start: Callable[[list[str]], Build], kills: int
) -> None:
    rng = random.Random(SEED)
    output = tmp_path / "out"
    started = time.monotonic()
    assert start(build_arguments(big_sites.source_a, output, "-q")).wait() == 0
    build_seconds = time.monotonic() - started
    statuses = []

    def sleep_a_while(build: Build) -> None:
        time.sleep(rng.uniform(0, 1.1) * build_seconds)

    def wait_for_staging(build: Build) -> None:
        while build.poll() is None and not leftovers(output):
            time.sleep(0)
        time.sleep(rng.uniform(0, 0.005))

    for kill in range(kills):
        old = read_set(output)
        source, new = (
            (big_sites.source_b, big_sites.set_b)
            if old == big_sites.set_a
            else (big_sites.source_a, big_sites.set_a)
        )
        build = start(build_arguments(source, output, "--wait", "0", "-q"))
        try:
            (wait_for_staging if kill % 2 else sleep_a_while)(build)
        finally:
            build.kill()
            statuses.append(build.wait())

        classify(read_set(output), old, new)
        recover(output)
        after_recovery = classify(read_set(output), old, new)

        assert after_recovery in ("old", "new"), f"kill {kill} (seed {SEED}): {after_recovery} after recovery"
        assert leftovers(output) == [], f"kill {kill} (seed {SEED})"

    assert -signal.SIGKILL in statuses
    assert start(build_arguments(big_sites.source_b, output, "--wait", "0", "-q")).wait() == 0
    assert read_set(output) == big_sites.set_b


def _kill_self_after(step: int, counted_calls: tuple[str, ...]) -> None:
    """SIGKILL this process right after its ``step``-th call (from 0) of one of ``counted_calls``."""
    calls = itertools.count()

    def counted(call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            result = call(*args, **kwargs)
            if next(calls) == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        return run

    for name in counted_calls:
        setattr(os, name, counted(getattr(os, name)))


def _write_in_child_killed_after(
    step: int, output: Path, files: dict[str, bytes], counted_calls: tuple[str, ...] = FILE_SYSTEM_CALLS
) -> bool:
    """Run ``write_files`` in a forked child killed after ``step`` calls; False when it finished first."""
    child = os.fork()
    if child == 0:
        status = 0
        try:
            _kill_self_after(step, counted_calls)
            write_files(output, files)
        except BaseException:
            traceback.print_exc()
            status = 70
        os._exit(status)
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "write_files failed in the child"
    return False


def _some_feeds(files: dict[str, bytes]) -> dict[str, bytes]:
    """Three feeds and one in a sub-folder: enough to switch, few enough to kill at every step."""
    names = ("index.xml", "atom.xml", "feed.json", "upcoming/index.xml")
    return {name: files[name] for name in names}


def _change(kind: str, sites: Sites) -> tuple[dict[str, bytes], dict[str, bytes]]:
    old, new = _some_feeds(sites.set_a), _some_feeds(sites.set_b)
    if kind == "one-file-changes":
        return old, {**old, "atom.xml": new["atom.xml"]}
    if kind == "a-file-goes-away":
        return {**old, "tags/gone/index.xml": old["index.xml"]}, new
    return old, new


@pytest.mark.parametrize("kind", ["every-file-changes", "one-file-changes", "a-file-goes-away"])
def test_sigkill_after_any_file_system_call_of_a_write_leaves_the_old_or_the_new_set(
    tmp_path: Path, small_sites: Sites, kind: str
) -> None:
    old, new = _change(kind, small_sites)
    write_files(tmp_path / "old", old)
    after_recovery = []
    for step in range(MOST_CALLS):
        output = shutil.copytree(tmp_path / "old", tmp_path / f"step-{step}")
        if not _write_in_child_killed_after(step, output, new):
            break
        classify(read_set(output), old, new)
        recover(output)
        after_recovery.append(classify(read_set(output), old, new))
        assert after_recovery[-1] in ("old", "new"), f"killed after call {step}: {after_recovery[-1]}"
        assert leftovers(output) == [], f"killed after call {step}"
    else:
        pytest.fail(f"write_files was still running after {MOST_CALLS} file-system calls")

    assert len(after_recovery) >= 10, "write_files made too few file-system calls to be killed between"
    assert after_recovery[0] == "old"
    assert after_recovery[-1] == "new"
    assert read_set(output) == new


def _killed_halfway(root: Path, sites: Sites) -> Path:
    """A folder where a build of site B over site A's feeds was killed with some files switched."""
    template = _built(root, sites)
    for step in range(MOST_CALLS):
        output = shutil.copytree(template, root / f"step-{step}")
        if not _write_in_child_killed_after(step, output, sites.set_b, counted_calls=("replace", "rename")):
            break
        if classify(read_set(output), sites.set_a, sites.set_b).startswith("mixed"):
            return output
    raise AssertionError("no kill left a half-switched set to recover from")


@pytest.mark.parametrize("next_source", ["old-source", "new-source"])
def test_next_build_after_a_kill_leaves_a_whole_set_and_no_leftovers(
    tmp_path: Path, small_sites: Sites, next_source: str
) -> None:
    output = _killed_halfway(tmp_path, small_sites)
    source, expected = (
        (small_sites.source_a, small_sites.set_a)
        if next_source == "old-source"
        else (small_sites.source_b, small_sites.set_b)
    )

    result = invoke_cli(build_arguments(source, output, "--wait", "0", "-q"))

    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert read_set(output) == expected
    assert leftovers(output) == []


def test_failed_rename_leaves_a_whole_set(
    tmp_path: Path, small_sites: Sites, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, small_sites.set_a)
    real_replace = os.replace
    renamed = []

    def replace_failing_the_second_output(source: Any, target: Any, **options: Any) -> None:
        if not Path(target).name.startswith("."):
            renamed.append(target)
            if len(renamed) == 2:
                raise OSError(errno.EIO, os.strerror(errno.EIO), str(target))
        real_replace(source, target, **options)

    monkeypatch.setattr(os, "replace", replace_failing_the_second_output)
    with pytest.raises(OutputError):
        write_files(tmp_path, small_sites.set_b)
    monkeypatch.undo()

    state = classify(read_set(tmp_path), small_sites.set_a, small_sites.set_b)
    assert state in ("old", "new"), state
    assert leftovers(tmp_path) == []


@dataclass(frozen=True)
class Failure:
    """A build that could not write, and what the folder held before it."""

    exit_code: int
    stdout: str
    stderr: str
    folder: Path
    """The output folder, or the folder around an output path that is not a folder."""
    contents_before: dict[str, bytes]
    listing_before: list[str]
    where: str
    """A pattern for the start of the message: the path it must name."""
    cause: str


def _contents(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in list_tree(folder) if (folder / name).is_file()}


def _failing(folder: Path, run: Callable[[], tuple[int, str, str]], where: str, cause: str) -> Failure:
    contents, listing = _contents(folder), list_tree(folder)
    exit_code, stdout, stderr = run()
    return Failure(exit_code, stdout, stderr, folder, contents, listing, where, cause)


def _output_or_below(output: Path) -> str:
    """A pattern for the output folder or a file below it, but none of the writer's dot files."""
    return rf"{re.escape(str(output))}(/[^./:][^/:]*)*: "


def _built(root: Path, sites: Sites) -> Path:
    output = root / "out"
    result = invoke_cli(build_arguments(sites.source_a, output, "-q"))
    assert result.exit_code == 0, result.stderr
    return output


def _in_process(arguments: list[str]) -> Callable[[], tuple[int, str, str]]:
    def run() -> tuple[int, str, str]:
        result = invoke_cli(arguments)
        return result.exit_code, result.stdout, result.stderr

    return run


def _in_a_process(
    command: list[str], preexec_fn: Callable[[], None] | None
) -> Callable[[], tuple[int, str, str]]:
    def run() -> tuple[int, str, str]:
        result = run_cli(command, preexec_fn=preexec_fn)
        return result.returncode, result.stdout, result.stderr

    return run


def _file_too_large(root: Path, sites: Sites) -> Failure:
    output = _built(root, sites)

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))

    command = build_command(sites.source_b, output)
    return _failing(
        output,
        _in_a_process(command, limit_file_size),
        _output_or_below(output),
        "File too large",
    )


def _output_is_a_file(root: Path, sites: Sites) -> Failure:
    output = root / "out"
    output.write_bytes(b"not a folder\n")
    arguments = build_arguments(sites.source_b, output)
    return _failing(root, _in_process(arguments), rf"{re.escape(str(output))}: ", "not a folder")


def _target_is_a_folder(name: str) -> Callable[[Path, Sites], Failure]:
    def failure(root: Path, sites: Sites) -> Failure:
        output = _built(root, sites)
        (output / name).unlink()
        (output / name).mkdir()
        (output / name / "keep.txt").write_bytes(b"someone else's file\n")
        arguments = build_arguments(sites.source_b, output)
        return _failing(output, _in_process(arguments), rf"{re.escape(str(output / name))}: ", "folder")

    return failure


def _without_dac_override() -> None:
    """Drop root's power to write where permissions forbid it, for this process and what it runs."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE)")


@contextlib.contextmanager
def _read_only(output: Path) -> Iterator[Callable[[], None] | None]:
    """Make ``output`` read-only for the processes started with the yielded ``preexec_fn``.

    Root writes through chmod, so as root those processes also give up CAP_DAC_OVERRIDE.
    """
    as_root = os.geteuid() == 0
    preexec_fn = _without_dac_override if as_root else None
    output.chmod(0o555)
    try:
        probe = output / "probe"
        try:
            touched = run_cli([sys.executable, "-c", f"open({str(probe)!r}, 'w')"], preexec_fn=preexec_fn)
        except subprocess.SubprocessError:
            pytest.skip("running as root, and root's CAP_DAC_OVERRIDE cannot be dropped here")
        if touched.returncode == 0:
            probe.unlink()
            pytest.skip("chmod 0o555 does not stop this process from writing" + " as root" * as_root)
        yield preexec_fn
    finally:
        output.chmod(0o755)


def _read_only_folder(root: Path, sites: Sites) -> Failure:
    output = _built(root, sites)
    with _read_only(output) as preexec_fn:
        command = build_command(sites.source_b, output)
        return _failing(
            output, _in_a_process(command, preexec_fn), _output_or_below(output), "Permission denied"
        )


def _read_only_folder_after_a_crash(root: Path, sites: Sites) -> Failure:
    output = _killed_halfway(root, sites)
    with _read_only(output) as preexec_fn:
        command = build_command(sites.source_b, output)
        return _failing(
            output, _in_a_process(command, preexec_fn), _output_or_below(output), "Permission denied"
        )


FAILURES: dict[str, Callable[[Path, Sites], Failure]] = {
    "file-too-large": _file_too_large,
    "output-is-a-file": _output_is_a_file,
    "index.xml-is-a-folder": _target_is_a_folder("index.xml"),
    "atom.xml-is-a-folder": _target_is_a_folder("atom.xml"),
    "feed.json-is-a-folder": _target_is_a_folder("feed.json"),
    "read-only-folder": _read_only_folder,
    "read-only-folder-after-a-crash": _read_only_folder_after_a_crash,
}


def _failures(**known_bugs: str) -> list[Any]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=known_bugs[name])] if name in known_bugs else [],
        )
        for name in FAILURES
    ]


@pytest.fixture(scope="module")
def failed_build(tmp_path_factory: pytest.TempPathFactory, small_sites: Sites) -> Callable[[str], Failure]:
    """Run each failing build once, however many tests look at it."""
    done: dict[str, Failure] = {}

    def failed(name: str) -> Failure:
        if name not in done:
            done[name] = FAILURES[name](tmp_path_factory.mktemp(name), small_sites)
        return done[name]

    return failed


@pytest.mark.parametrize("name", _failures())
def test_failed_build_exits_1_and_prints_nothing_to_stdout(
    failed_build: Callable[[str], Failure], name: str
) -> None:
    failure = failed_build(name)

    assert (failure.exit_code, failure.stdout) == (1, ""), failure.stderr


@pytest.mark.parametrize("name", _failures())
def test_failed_build_names_the_path_and_the_cause(failed_build: Callable[[str], Failure], name: str) -> None:
    failure = failed_build(name)

    assert len(failure.stderr.splitlines()) == 1, failure.stderr
    assert re.match(failure.where + "error: ", failure.stderr), failure.stderr
    assert failure.cause in failure.stderr


@pytest.mark.parametrize("name", _failures())
def test_failed_build_keeps_the_old_files_byte_for_byte(
    failed_build: Callable[[str], Failure], name: str
) -> None:
    failure = failed_build(name)
    contents = {path: (failure.folder / path).read_bytes() for path in failure.contents_before}

    assert contents == failure.contents_before


@pytest.mark.parametrize("name", _failures())
def test_failed_build_leaves_no_temporary_files(failed_build: Callable[[str], Failure], name: str) -> None:
    failure = failed_build(name)

    assert list_tree(failure.folder) == failure.listing_before
