"""Shared by test_writer.py and test_crash_safety.py: generated Hugo sites and real CLI runs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from click.testing import CliRunner, Result

from talkfeed.cli import main
from talkfeed.write.files import write_files
from talkfeed.write.folders import TEMPORARY_PREFIX
from talkfeed.write.journal import JOURNAL_NAME

OUTPUT_NAMES = ("index.xml", "atom.xml", "feed.json")
NOW = "2024-06-01"
CLI = (sys.executable, "-c", "from talkfeed.cli import main; main()")
ENVIRONMENT = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
HOLD_LOCK = """
import sys
from pathlib import Path
from talkfeed.write.lock import locked
with locked(Path(sys.argv[1]), 0):
    print("locked", flush=True)
    sys.stdin.readline()
"""


@dataclass(frozen=True)
class Sites:
    """Two sites whose talks differ in every output file, and the bytes each one builds."""

    source_a: Path
    source_b: Path
    set_a: dict[str, bytes]
    set_b: dict[str, bytes]


def write_site(root: Path, tag: str, count: int) -> Path:
    """Write a Hugo site with ``count`` talk pages whose titles and summaries carry ``tag``."""
    (root / "content" / "talk").mkdir(parents=True)
    (root / "hugo.toml").write_text(
        f'baseURL = "https://example.org/"\ntitle = "Lab {tag}"\n', encoding="utf-8"
    )
    for number in range(count):
        page = root / "content" / "talk" / f"talk-{number:04d}" / "index.md"
        page.parent.mkdir()
        page.write_text(
            "---\n"
            f"title: Talk {number} of set {tag}\n"
            f"publishDate: 2020-{1 + number % 12:02d}-{1 + number % 28:02d}T10:00:00Z\n"
            f"summary: Summary {number} of set {tag}, {'long enough to fill the feeds ' * 4}\n"
            "---\n\nThe abstract.\n",
            encoding="utf-8",
        )
    return root


def make_sites(root: Path, count: int) -> Sites:
    """Write sites A and B under ``root`` and build each, with the real CLI, into a folder of its own."""
    sets = []
    for tag in ("A", "B"):
        source = write_site(root / f"site-{tag}", tag, count)
        output = root / f"reference-{tag}"
        result = run_cli(build_command(source, output))
        assert result.returncode == 0, result.stderr
        sets.append(read_set(output))
    set_a, set_b = sets
    assert sorted(set_a) == sorted(set_b)
    assert all(set_a[name] != set_b[name] for name in OUTPUT_NAMES)
    return Sites(root / "site-A", root / "site-B", set_a, set_b)


def build_arguments(source: Path, output: Path, *options: str) -> list[str]:
    """The arguments of ``talkfeed build``, for CliRunner."""
    return ["build", str(source), "-o", str(output), "--now", NOW, *options]


def invoke_cli(arguments: list[str]) -> Result:
    """Run talkfeed in-process; real bugs raise instead of turning into exit code 1."""
    return CliRunner().invoke(main, arguments, catch_exceptions=False)


def build_command(source: Path, output: Path, *options: str) -> list[str]:
    """The command line of a real ``talkfeed build`` process."""
    return [*CLI, *build_arguments(source, output, *options)]


def wait_until_opened(process: subprocess.Popen[str], path: Path, timeout: float = 30) -> None:
    """Wait until ``process`` has ``path`` open (Linux ``/proc``), so it is past its start-up."""
    deadline = time.monotonic() + timeout
    folder = Path(f"/proc/{process.pid}/fd")
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the process ended early: {process.communicate()[1]}"
        with contextlib.suppress(OSError):
            if any(Path(os.readlink(descriptor)) == path for descriptor in folder.iterdir()):
                return
        time.sleep(0.02)
    raise AssertionError(f"the process did not open {path} within {timeout} s")


def run_cli(
    command: list[str], preexec_fn: Callable[[], Any] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=ENVIRONMENT,
        preexec_fn=preexec_fn,
        timeout=60,
        check=False,
    )


def start_cli(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENVIRONMENT
    )


def hold_lock(directory: Path) -> subprocess.Popen[str]:
    """Start a process that holds ``directory``'s lock until its stdin is closed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENVIRONMENT,
    )
    assert holder.stdout is not None
    line = holder.stdout.readline()
    if line != "locked\n":
        holder.kill()
        raise AssertionError(f"the lock holder did not start: {holder.communicate()[1]}")
    return holder


def release_lock(holder: subprocess.Popen[str]) -> None:
    holder.communicate(timeout=10)
    assert holder.returncode == 0


def read_set(directory: Path) -> dict[str, bytes]:
    """Every output file below ``directory``, relative POSIX path to bytes.

    Dot files (the lock, the writer's bookkeeping, temporary files) are not outputs.
    """
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    }


def list_tree(directory: Path) -> list[str]:
    """Every entry below ``directory``, dot files included, as sorted relative POSIX paths."""
    return sorted(path.relative_to(directory).as_posix() for path in directory.rglob("*"))


def leftovers(directory: Path) -> list[str]:
    """The writer's temporary files and journal still lying below ``directory``."""
    return [
        name
        for name in list_tree(directory)
        if PurePosixPath(name).name.startswith(TEMPORARY_PREFIX) or PurePosixPath(name).name == JOURNAL_NAME
    ]


def parse_output(name: str, data: bytes) -> None:
    """Parse one feed file, so a truncated or garbled one raises."""
    if name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".xml"):
        ElementTree.fromstring(data)


def classify(files: Mapping[str, bytes], old: Mapping[str, bytes], new: Mapping[str, bytes]) -> str:
    """Say whether ``files`` is the whole old set, the whole new set, or a mix of their files.

    Raises AssertionError for anything else: a truncated, foreign or unexpected file, or a
    missing one that both sets have.
    """
    assert set(files) <= set(old) | set(new), f"unexpected files: {sorted(set(files) - set(old) - set(new))}"
    for name in sorted(set(old) | set(new)):
        if name not in files:
            assert name not in old or name not in new, f"{name} is missing"
            continue
        parse_output(name, files[name])
        assert files[name] in (old.get(name), new.get(name)), f"{name} is neither the old nor the new file"
    if files == dict(old):
        return "old"
    if files == dict(new):
        return "new"
    return "mixed: " + ", ".join(
        f"{name} {'old' if files.get(name) == old.get(name) else 'new'}"
        for name in sorted(set(old) | set(new))
    )


def kill_after_first_switch(output: Path, files: dict[str, bytes]) -> None:
    """Run ``write_files`` in a forked child SIGKILLed right after it renames its first output."""
    child = os.fork()
    if child == 0:
        try:
            real_replace = os.replace

            def replace_then_die(source: Any, target: Any, **options: Any) -> None:
                real_replace(source, target, **options)
                if not Path(target).name.startswith("."):
                    os.kill(os.getpid(), signal.SIGKILL)

            setattr(os, "replace", replace_then_die)  # noqa: B010
            write_files(output, files)
        except BaseException:
            traceback.print_exc()
        os._exit(70)
    _, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple[str, bytes | str | int]]:
    """Every entry below ``root`` (but not below ``skip``), without following links: kind and contents."""
    found: dict[str, tuple[str, bytes | str | int]] = {}
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if Path(folder) / name != skip]
        for name in [*folders, *files]:
            path = Path(folder) / name
            if path == skip:
                continue
            relative = path.relative_to(root).as_posix()
            status = path.lstat()
            if stat.S_ISLNK(status.st_mode):
                found[relative] = ("link", os.readlink(path))
            elif stat.S_ISDIR(status.st_mode):
                found[relative] = ("folder", stat.S_IMODE(status.st_mode))
            elif stat.S_ISREG(status.st_mode):
                found[relative] = ("file", path.read_bytes())
            else:
                found[relative] = ("other", status.st_mode)
    return found
