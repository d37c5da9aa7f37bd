"""The README's library example runs as written: ``from talkfeed import build, check, Options``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import DEMO_SITE, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readmes_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    section = README.split("## As a library", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    shutil.copytree(DEMO_SITE, tmp_path / "my-site", ignore=shutil.ignore_patterns("public"))
    for name in ("alice", "bob"):
        shutil.copytree(ROOT / "fixtures" / "lab" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}

    exec(compile(match.group(1), "README.md", "exec"), scope)

    report, lab, checked = scope["report"], scope["lab"], scope["checked"]
    assert scope["talks"] and report.published >= 5  # type: ignore[attr-defined]
    assert (tmp_path / "my-site" / "public" / "talkfeed" / "index.xml").is_file()
    assert not checked.invalid  # type: ignore[attr-defined]
    assert lab.published >= 2 and (tmp_path / "public" / "feed.json").is_file()  # type: ignore[attr-defined]
