"""Nothing below the site is passed over in silence: what talkfeed cannot read is named, with what to do.

Each run here is bound by file permissions as a cron job's user is (``_unprivileged``), so
``chmod 000`` means what it means for them even when the tests run as root.
"""

from __future__ import annotations

import contextlib
import errno
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from talkfeed import cli

from _unprivileged import Outcome, run_bound
from conftest import FIXED_NOW, ROOT, run_cli

HIDDEN_BUNDLE = "content/talk/quantum-kernel-methods"


@contextlib.contextmanager
def _mode(path: Path, mode: int) -> Iterator[None]:
    """Give ``path`` a mode for the length of a run, then back the one it had."""
    before = path.stat().st_mode & 0o7777
    path.chmod(mode)
    try:
        yield
    finally:
        path.chmod(before)


def _build(site: Path, out: Path, *extra: str) -> Outcome:
    result = run_bound(["build", site, "-o", out, "--now", FIXED_NOW, "--future", *extra])
    assert result.traceback is None, result.traceback
    return result


def _published(out: Path) -> list[str]:
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    return [item["id"] for item in feed["items"]]


def test_a_bundle_folder_that_cannot_be_listed_stops_the_build_naming_it(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with _mode(site / HIDDEN_BUNDLE, 0):
        result = _build(site, out, "-q")
    assert result.exit_code == 1
    assert f"{HIDDEN_BUNDLE}/: error: cannot list or enter this folder (Permission denied)" in result.stderr
    assert "chmod a+rx" in result.stderr
    assert "1 folder has errors; nothing was written" in result.stderr
    assert not (out / "feed.json").exists()


def test_skip_invalid_publishes_the_rest_and_still_names_the_folder_under_quiet(
    site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with _mode(site / HIDDEN_BUNDLE, 0):
        result = _build(site, out, "-q", "--skip-invalid")
    assert result.exit_code == 0
    assert f"{HIDDEN_BUNDLE}/: error: cannot list or enter this folder" in result.stderr
    assert "talkfeed: skipped 1 folder with errors" in result.stderr
    published = _published(out)
    assert published and not any("quantum" in talk for talk in published)


@pytest.mark.parametrize("command", ["build", "check", "list"])
@pytest.mark.parametrize(
    ("folder", "named"),
    [
        pytest.param("content/talk", "content/talk/: error: cannot list or enter this folder", id="section"),
        pytest.param("content", "content/: error: cannot list or enter this folder", id="content"),
        pytest.param("static", "static/: error: cannot list or enter this folder", id="static"),
    ],
)
def test_a_site_folder_that_cannot_be_read_is_one_line_in_every_command(
    site: Path, tmp_path: Path, command: str, folder: str, named: str
) -> None:
    arguments: list[object] = [command, site]
    if command == "build":
        arguments += ["-o", tmp_path / "out"]
    with _mode(site / folder, 0):
        result = run_bound(arguments)
    assert result.traceback is None, result.traceback
    assert result.exit_code == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "feed.json").exists()


def test_a_page_that_cannot_be_read_is_an_error_saying_what_to_do(site: Path, tmp_path: Path) -> None:
    page = "content/talk/sparse-graph-learning.md"
    with _mode(site / page, 0):
        result = _build(site, tmp_path / "out")
    assert result.exit_code == 1
    assert (
        f"{page}: error: cannot read this file (Permission denied) (let the user talkfeed runs as read it"
        in (result.stderr)
    )


def test_a_featured_image_that_cannot_be_read_is_an_error_on_its_page(site: Path, tmp_path: Path) -> None:
    image = site / "content/talk/causal-discovery-time-series/featured.png"
    with _mode(image, 0):
        result = _build(site, tmp_path / "out")
    assert result.exit_code == 1
    assert (
        "content/talk/causal-discovery-time-series/index.md: error: featured.png: cannot read this file "
        "(Permission denied)"
    ) in result.stderr


def test_an_author_folder_that_cannot_be_listed_is_an_error_not_missing_names(
    site: Path, tmp_path: Path
) -> None:
    authors = site / "data" / "authors"
    authors.mkdir(parents=True)
    (authors / "hila.yaml").write_text("name: {display: Hila Chefer}\n", encoding="utf-8")
    with _mode(authors, 0):
        result = _build(site, tmp_path / "out")
    assert result.exit_code == 1
    assert "data/authors/: error: cannot list or enter this folder (Permission denied)" in result.stderr


def test_an_unexpected_system_error_is_one_line_naming_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def failing(options: object) -> None:
        raise OSError(errno.EIO, "Input/output error", str(tmp_path / "disk"))

    monkeypatch.setattr(cli, "build", failing)
    result = run_cli(["build", tmp_path, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'disk'}: error: the system refused an operation (Input/output error); talkfeed stopped "
        "(check that the user talkfeed runs as can read the site and write the output folder)"
    ]


def test_an_aggregate_member_that_cannot_be_read_is_named_even_by_a_quiet_build(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    shutil.copytree(ROOT / "fixtures" / "lab", lab)
    out = tmp_path / "out"
    with _mode(lab / "bob" / "content", 0):
        refused = run_bound(["build", lab, "-o", out, "-q"])
        skipped = run_bound(["build", lab, "-o", out, "-q", "--skip-invalid"])
    assert refused.exit_code == 1
    assert "lab/bob/content/: error: cannot list or enter this folder (Permission denied)" in refused.stderr
    assert skipped.exit_code == 0, skipped.stderr
    assert "lab/bob/content/: warning: cannot list or enter this folder (Permission denied)" in skipped.stderr
    assert "this source is left out" in skipped.stderr
    assert not any("bob.example" in talk for talk in _published(out))


def test_a_cache_folder_that_cannot_be_listed_means_reading_every_page_not_a_failure(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "locked-cache"
    cache.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    with _mode(cache, 0):
        result = run_bound(["check", site])
    assert result.exit_code == 0, result.stderr
    assert f"{cache / 'talkfeed'}: warning: cache " in result.stderr
    assert "cannot be used" in result.stderr and "reading every page" in result.stderr
