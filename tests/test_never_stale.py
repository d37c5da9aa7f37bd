"""Never stale: what a build remembers is trusted only where it cannot hide a change.

Each case below left stale feeds before: two edits within one second on a file system that keeps
whole seconds, new time-zone rules, a new version of a library that shapes output, and an output
edited and given back its mtime. The 1-second cases run on a real such file system: an ext4
image with 128-byte inodes, loop-mounted (root only; skipped, saying why, elsewhere).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import zoneinfo
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import pytest

from talkfeed.store import keys
from talkfeed.store.state import COARSE_NS, FINE_NS, UNSETTLED, state_from

from conftest import DEMO_SITE, FIXED_NOW, make_site, run_cli, settle

PAGE = "content/talk/sparse-graph-learning.md"
TITLE = "Learning Sparse Graphs from Few Samples"


def _build(site: Path, out: Path, *options: str) -> None:
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "-q", *options])
    assert result.exit_code == 0, result.stderr


def _titles(out: Path) -> list[str]:
    return [item["title"] for item in json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]]


def _item(out: Path, fragment: str) -> dict[str, object]:
    items = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    found: dict[str, object] = next(item for item in items if fragment in item["id"])
    return found


def _same_size_edit(path: Path, old: str, new: str) -> None:
    assert len(old) == len(new)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def coarse_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder on a file system with 1-second timestamps: ext4 with 128-byte inodes, loop-mounted."""
    if os.geteuid() != 0:
        pytest.skip("mounting a 1-second-timestamp file system (ext4, 128-byte inodes) needs root")
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 is missing (Debian's e2fsprogs)")
    folder = tmp_path_factory.mktemp("coarse")
    image, mount = folder / "fs.img", folder / "mount"
    mount.mkdir()
    with open(image, "wb") as handle:
        handle.truncate(64 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-I", "128", str(image)], check=True, capture_output=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"this machine cannot loop-mount a file system: {mounted.stderr.strip()}")
    try:
        probe = mount / "probe"
        probe.write_text("x")
        assert probe.stat().st_mtime_ns % 1_000_000_000 == 0, "the image should keep whole seconds"
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _wait_for_a_fresh_second() -> None:
    """Start an edit early in a second, so the next one lands in the same second."""
    time.sleep(1 - (time.time() % 1) + 0.01)


def test_two_edits_within_one_second_on_a_whole_second_file_system_are_both_seen(
    coarse_folder: Path, tmp_path: Path
) -> None:
    site = coarse_folder / "site-edits"
    shutil.copytree(DEMO_SITE, site)
    page = site / PAGE
    out = tmp_path / "out"
    _wait_for_a_fresh_second()
    _same_size_edit(page, "Learning Sparse Graphs", "Learning Sparse Trees!")
    time.sleep(0.1)  # past a fine clock's tick, within the second
    _build(site, out)
    _same_size_edit(page, "Learning Sparse Trees!", "Learning Sparse Lines!")
    _build(site, out)
    assert "Learning Sparse Lines! from Few Samples" in _titles(out)
    # Every later build says so too, also after another page changed.
    other = site / "content" / "talk" / "federated-learning-privacy.md"
    _same_size_edit(other, "Privacy Budgets", "Privacy Budgetz")
    _build(site, out)
    assert "Learning Sparse Lines! from Few Samples" in _titles(out)
    _build(site, tmp_path / "fresh", "--no-cache")
    assert (out / "feed.json").read_bytes() == (tmp_path / "fresh" / "feed.json").read_bytes()


def test_an_author_profile_edited_twice_within_one_second_is_read_again(
    coarse_folder: Path, tmp_path: Path
) -> None:
    talk = "---\ntitle: T\npublishDate: 2024-01-01\ndate: 2024-02-01\nauthors: [ada]\n---\nBody.\n"
    site = make_site(coarse_folder, {"a.md": talk}, name="site-authors")
    profile = site / "content" / "authors" / "ada" / "_index.md"
    profile.parent.mkdir(parents=True)
    name, changed = "Ada Lovelace", "Ada Lovelacz"
    out = tmp_path / "out"
    _wait_for_a_fresh_second()
    profile.write_text(f"---\ntitle: {name}\n---\n", encoding="utf-8")
    time.sleep(0.1)  # past a fine clock's tick, within the second
    _build(site, out)
    _same_size_edit(profile, name, changed)
    _build(site, out)
    _build(site, tmp_path / "fresh", "--no-cache")
    assert (out / "feed.json").read_bytes() == (tmp_path / "fresh" / "feed.json").read_bytes()
    assert changed in (out / "feed.json").read_text(encoding="utf-8")


def test_a_state_within_two_seconds_of_a_whole_second_change_is_unsettled(tmp_path: Path) -> None:
    """Where a file system keeps whole seconds, a state taken less than 2 s after the file's
    change never equals a later one (FAT's resolution is 2 s); with finer times, 20 ms."""
    whole = 1_700_000_000 * 1_000_000_000
    coarse = SimpleNamespace(st_ino=7, st_size=1, st_mtime_ns=whole, st_ctime_ns=whole)
    assert state_from(coarse, whole + COARSE_NS - 1) == UNSETTLED  # type: ignore[arg-type]
    assert state_from(coarse, whole + COARSE_NS + 1) != UNSETTLED  # type: ignore[arg-type]
    fine = SimpleNamespace(st_ino=7, st_size=1, st_mtime_ns=whole + 5, st_ctime_ns=whole + 5)
    assert state_from(fine, whole + FINE_NS - 1) == UNSETTLED  # type: ignore[arg-type]
    assert state_from(fine, whole + FINE_NS + 10) != UNSETTLED  # type: ignore[arg-type]


def test_new_time_zone_rules_move_the_talks_to_their_new_offsets(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo site's zone is Europe/Amsterdam. Rules that put Amsterdam at Tokyo's offset (a
    tzdata release that changed it) must change every talk written without an offset."""
    out = tmp_path / "out"
    _build(site, out)
    assert _item(out, "sparse-graph-learning")["date_published"] == "2019-05-20T00:00:00+02:00"

    rules = tmp_path / "zoneinfo"
    (rules / "Europe").mkdir(parents=True)
    tokyo = (resources.files("tzdata") / "zoneinfo" / "Asia" / "Tokyo").read_bytes()
    (rules / "Europe" / "Amsterdam").write_bytes(tokyo)
    zoneinfo.reset_tzpath([str(rules)])
    zoneinfo.ZoneInfo.clear_cache()
    keys.zone_rules.cache_clear()
    try:
        _build(site, out)
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
        keys.zone_rules.cache_clear()
    assert _item(out, "sparse-graph-learning")["date_published"] == "2019-05-20T00:00:00+09:00"


def test_a_new_version_of_a_library_that_shapes_output_renders_every_page_again(
    site: Path, tmp_path: Path, reads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(site, tmp_path / "out")
    reads.clear()
    upgraded = {**keys.library_versions(), "icalendar": "99.0.0"}
    monkeypatch.setattr(keys, "library_versions", lambda: upgraded)
    _build(site, tmp_path / "out")
    assert len(reads) == 8


def test_an_output_edited_and_given_back_its_mtime_is_repaired(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    feed = out / "feed.json"
    good = feed.read_bytes()
    before = feed.stat()
    feed.write_bytes(good.replace(TITLE.encode(), TITLE.upper().encode()))
    os.utime(feed, ns=(before.st_atime_ns, before.st_mtime_ns))  # as touch -r does
    assert feed.stat().st_size == before.st_size
    settle()
    _build(site, out)
    assert feed.read_bytes() == good


def test_a_fresh_checkout_of_the_same_pages_reads_none_of_them(
    site: Path, tmp_path: Path, reads: list[Path]
) -> None:
    """CI checks a site out afresh on every run: every file's state is new, its content not.
    The store tells by content, so a kept cache still saves the reading."""
    _build(site, tmp_path / "out")
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            path.unlink()
            path.write_bytes(data)
    settle()
    reads.clear()
    _build(site, tmp_path / "out")
    assert reads == []
    _build(site, tmp_path / "fresh", "--no-cache")
    assert (tmp_path / "out" / "feed.json").read_bytes() == (tmp_path / "fresh" / "feed.json").read_bytes()
