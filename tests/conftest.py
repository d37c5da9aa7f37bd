"""Shared helpers: the bundled demo site, and running the CLI in-process."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from talkfeed.cli import main
from talkfeed.read import page as reader
from talkfeed.read import parsing

ROOT = Path(__file__).resolve().parent.parent
DEMO_SITE = ROOT / "fixtures" / "demo-site"
GOLDEN = ROOT / "fixtures" / "golden" / "demo-site"
FIXED_NOW = "2026-01-01T00:00:00+0000"
"""The clock the golden files are built with, so future and expired talks stay put."""


def run_cli(arguments: Sequence[str]) -> Result:
    """Run talkfeed in-process, keeping stdout and stderr apart."""
    return CliRunner().invoke(
        main, [str(argument) for argument in arguments], prog_name="talkfeed", catch_exceptions=False
    )


@pytest.fixture
def demo_output(tmp_path: Path) -> Path:
    """The demo site's feeds, built into a fresh folder at the golden files' fixed clock."""
    output = tmp_path / "feeds"
    result = run_cli(["build", DEMO_SITE, "-o", output, "--now", FIXED_NOW, "-q"])
    assert result.exit_code == 0, result.stderr
    return output


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep each test's page cache to itself, out of the user's cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


def make_site(
    tmp_path: Path,
    pages: dict[str, str],
    config: str = 'baseURL = "https://example.org/"\ntitle = "Lab"\n',
    name: str = "site",
) -> Path:
    """Write a small Hugo site in ``tmp_path / name``: ``config`` as ``hugo.toml``, each page
    below ``content/talk/``."""
    site = tmp_path / name
    (site / "content" / "talk").mkdir(parents=True)
    (site / "hugo.toml").write_text(config, encoding="utf-8")
    for name, text in pages.items():
        path = site / "content" / "talk" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return site


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every page the reader opens."""
    opened: list[Path] = []
    real = parsing.read_page_text

    def recording(path: Path, limit: int = parsing.DEFAULT_MAX_PAGE_BYTES) -> parsing.PageText:
        opened.append(path)
        return real(path, limit)

    monkeypatch.setattr(reader, "read_page_text", recording)
    return opened


def settle() -> None:
    """Let the files a test just wrote age past the moment in which talkfeed does not trust a
    file's state (20 ms: a coarse file-system clock could hide a change within it), as the files
    a cron job finds have; else the next run reads them again, which a test of the cache counts."""
    time.sleep(0.03)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the demo site to change, its files settled."""
    copy = tmp_path / "site"
    shutil.copytree(DEMO_SITE, copy)
    settle()
    return copy
