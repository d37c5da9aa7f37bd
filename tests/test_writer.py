"""The writer replaces only what changed, whole and with mode 0644, and lets one run at a time write."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from talkfeed.errors import LockedError
from talkfeed.write.files import Written, write_files
from talkfeed.write.folders import TEMPORARY_PREFIX
from talkfeed.write.journal import recover
from talkfeed.write.lock import LOCK_NAME, locked

from _crash_helpers import (
    Sites,
    build_arguments,
    build_command,
    hold_lock,
    invoke_cli,
    leftovers,
    list_tree,
    make_sites,
    read_set,
    release_lock,
    start_cli,
    wait_until_opened,
)

OLD = {"index.xml": b"<rss>old</rss>\n", "atom.xml": b"<feed>old</feed>\n", "feed.json": b'{"v": "old"}\n'}
NEW = {"index.xml": b"<rss>new!</rss>\n", "atom.xml": b"<feed>new!</feed>\n", "feed.json": b'{"v": "new!"}\n'}
LONG_AGO_NS = 1_000_000_000 * 1_000_000_000


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    return make_sites(tmp_path_factory.mktemp("sites"), count=3)


def _changes(written: list[Written], directory: Path) -> dict[str, bool]:
    """Whether the run changed each file it reports, by name below ``directory``."""
    changes = {entry.path.relative_to(directory).as_posix(): entry.changed for entry in written}
    assert len(changes) == len(written), f"a file is reported twice: {written}"
    return changes


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


def _written_long_ago(directory: Path, files: dict[str, bytes]) -> dict[str, tuple[int, int]]:
    """Write ``files``, date them far in the past, and return each one's (inode, mtime_ns)."""
    write_files(directory, files)
    for name in files:
        os.utime(directory / name, ns=(LONG_AGO_NS, LONG_AGO_NS))
    return {name: _identity(directory / name) for name in files}


def test_write_files_writes_every_file_and_reports_it_changed(tmp_path: Path) -> None:
    written = write_files(tmp_path / "out", OLD)

    assert _changes(written, tmp_path / "out") == dict.fromkeys(OLD, True)
    assert read_set(tmp_path / "out") == OLD


def test_unchanged_files_keep_their_inode_and_mtime(tmp_path: Path) -> None:
    before = _written_long_ago(tmp_path, OLD)

    written = write_files(tmp_path, OLD)

    assert _changes(written, tmp_path) == dict.fromkeys(OLD, False)
    assert {name: _identity(tmp_path / name) for name in OLD} == before


def test_only_the_changed_file_is_replaced(tmp_path: Path) -> None:
    before = _written_long_ago(tmp_path, OLD)

    written = write_files(tmp_path, {**OLD, "atom.xml": NEW["atom.xml"]})

    assert _changes(written, tmp_path) == {"index.xml": False, "atom.xml": True, "feed.json": False}
    assert read_set(tmp_path) == {**OLD, "atom.xml": NEW["atom.xml"]}
    assert _identity(tmp_path / "index.xml") == before["index.xml"]
    assert _identity(tmp_path / "feed.json") == before["feed.json"]
    assert (tmp_path / "atom.xml").stat().st_ino != before["atom.xml"][0]
    assert (tmp_path / "atom.xml").stat().st_mtime_ns != LONG_AGO_NS


def test_changed_file_is_swapped_in_whole_not_rewritten_in_place(tmp_path: Path) -> None:
    write_files(tmp_path, OLD)
    with (tmp_path / "index.xml").open("rb") as reader_of_old_file:
        write_files(tmp_path, NEW)

        assert reader_of_old_file.read() == OLD["index.xml"]
    assert (tmp_path / "index.xml").read_bytes() == NEW["index.xml"]


@pytest.mark.parametrize("umask", [0o077, 0o022, 0o000], ids=["umask-077", "umask-022", "umask-000"])
def test_new_files_have_mode_0644_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        write_files(tmp_path, OLD)
    finally:
        os.umask(previous)

    assert {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in OLD} == dict.fromkeys(OLD, 0o644)


def test_replaced_files_have_mode_0644_whatever_the_old_mode(tmp_path: Path) -> None:
    write_files(tmp_path, OLD)
    for name in OLD:
        (tmp_path / name).chmod(0o600)

    write_files(tmp_path, NEW)

    assert {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in NEW} == dict.fromkeys(NEW, 0o644)


def test_success_leaves_only_the_output_files(tmp_path: Path) -> None:
    write_files(tmp_path, OLD)
    write_files(tmp_path, {**NEW, "atom.xml": OLD["atom.xml"]})

    assert leftovers(tmp_path) == []
    assert read_set(tmp_path) == {**NEW, "atom.xml": OLD["atom.xml"]}


def test_build_leaves_no_temporary_files(tmp_path: Path, sites: Sites) -> None:
    for source in (sites.source_a, sites.source_b):
        result = invoke_cli(build_arguments(source, tmp_path / "out", "-q"))
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")

    assert leftovers(tmp_path / "out") == []
    assert read_set(tmp_path / "out") == sites.set_b


def test_recover_removes_stray_temporary_files(tmp_path: Path) -> None:
    write_files(tmp_path, OLD)
    listing = list_tree(tmp_path)
    (tmp_path / f"{TEMPORARY_PREFIX}12345-index.xml").write_bytes(b"<rss>half")

    recover(tmp_path)

    assert list_tree(tmp_path) == listing
    assert read_set(tmp_path) == OLD


def test_locked_fails_with_locked_error_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path)
    try:
        with pytest.raises(LockedError) as raised, locked(tmp_path, 0.2):
            pytest.fail("entered a lock another process holds")
    finally:
        release_lock(holder)

    assert raised.value.exit_code == 75
    assert str(tmp_path / LOCK_NAME) in str(raised.value)


def test_locked_gives_up_once_the_wait_is_over(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(LockedError), locked(tmp_path, 0.5):
            pass
        waited = time.monotonic() - started
    finally:
        release_lock(holder)

    assert 0.5 <= waited < 2.5


def test_locked_is_entered_once_another_process_dies_holding_it(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path)
    holder.kill()
    holder.communicate(timeout=10)

    with locked(tmp_path, 0):
        pass


def test_build_exits_75_naming_the_lock_while_another_run_holds_it(tmp_path: Path, sites: Sites) -> None:
    output = tmp_path / "out"
    write_files(output, sites.set_a)
    holder = hold_lock(output)
    try:
        result = invoke_cli(build_arguments(sites.source_b, output, "--wait", "0.3"))
    finally:
        release_lock(holder)

    assert result.exit_code == 75
    assert result.stdout == ""
    assert result.stderr.startswith(f"{output}: error: another talkfeed run still holds ")
    assert str(output / LOCK_NAME) in result.stderr
    assert "--wait" in result.stderr
    assert read_set(output) == sites.set_a


def test_waiting_build_writes_nothing_until_the_lock_is_released(tmp_path: Path, sites: Sites) -> None:
    output = tmp_path / "out"
    write_files(output, sites.set_a)
    with locked(output, 0):
        listing = list_tree(output)
        waiting = start_cli(build_command(sites.source_b, output, "--wait", "30"))
        try:
            wait_until_opened(waiting, output / LOCK_NAME)
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                assert waiting.poll() is None, waiting.communicate()[1]
                assert list_tree(output) == listing
                assert read_set(output) == sites.set_a
                time.sleep(0.05)
        except BaseException:
            waiting.kill()
            waiting.communicate()
            raise
    _, stderr = waiting.communicate(timeout=30)

    assert (waiting.returncode, stderr) == (0, "")
    assert read_set(output) == sites.set_b


def test_concurrent_builds_leave_one_whole_set(tmp_path: Path, sites: Sites) -> None:
    output = tmp_path / "out"
    runs = [
        start_cli(build_command(source, output, "--wait", "30"))
        for source in (sites.source_a, sites.source_b)
    ]
    outcomes = [(run.communicate(timeout=60)[1], run.returncode) for run in runs]

    assert outcomes == [("", 0)] * len(runs)
    assert read_set(output) in (sites.set_a, sites.set_b)
    assert leftovers(output) == []


def test_a_file_whose_content_fails_leaves_no_temporary_file_and_no_open_descriptor(tmp_path: Path) -> None:
    write_files(tmp_path, {"index.xml": b"old"})

    def failing() -> Iterator[bytes]:
        yield b"half a feed"
        raise KeyError("lost")

    descriptors = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        with pytest.raises(KeyError):
            write_files(tmp_path, {"index.xml": failing})
    assert len(os.listdir("/proc/self/fd")) == descriptors
    assert (tmp_path / "index.xml").read_bytes() == b"old"
    assert sorted(path.name for path in tmp_path.iterdir()) == [".talkfeed-manifest", "index.xml"]
