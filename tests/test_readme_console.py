"""Every console block of the README is what a user sees, run from the README's folder.

The blocks run in order in one copy of the checkout's fixtures (a block may rely on what an
earlier one wrote), each ``$ talkfeed …`` line through the CLI with the copy as the current
folder; the lines after it are its stderr, then its stdout, exactly.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```console\n(.*?)```", README, re.DOTALL)


def _commands(block: str) -> list[tuple[list[str], list[str]]]:
    """Each command of a block (its words after ``talkfeed``) with the lines it prints."""
    commands: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            words = shlex.split(line[2:])
            assert words[0] == "talkfeed", f"a README console line runs something else: {line}"
            commands.append((words[1:], []))
        else:
            commands[-1][1].append(line)
    return commands


def test_the_readme_has_console_blocks() -> None:
    assert len(BLOCKS) >= 2
    assert all(block.startswith("$ talkfeed ") for block in BLOCKS)


def test_every_console_block_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "fixtures", checkout / "fixtures", ignore=shutil.ignore_patterns("public"))
    monkeypatch.chdir(checkout)
    for block in BLOCKS:
        for arguments, shown in _commands(block):
            result = run_cli(arguments)
            assert result.exit_code == 0, (arguments, result.stderr)
            printed = result.stderr.splitlines() + result.stdout.splitlines()
            assert printed == shown, f"talkfeed {' '.join(arguments)}"


def test_the_users_steps_need_nothing_outside_the_checkout() -> None:
    assert "../shared" not in README
    assert "validate-feeds" not in README
