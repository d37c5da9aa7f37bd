"""The page cache: a run where nothing changed reads no page; a changed file is always read again."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC
from pathlib import Path

import pytest

from talkfeed.errors import CacheChangedError
from talkfeed.store import store as store_module
from talkfeed.store.store import Store, default_cache_folder

from conftest import DEMO_SITE, FIXED_NOW, run_cli


def _build(site: Path, out: Path, *options: str) -> str:
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "-q", *options])
    assert result.exit_code == 0, result.stderr
    return result.stderr


def _titles(out: Path) -> list[str]:
    return [item["title"] for item in json.loads((out / "feed.json").read_text())["items"]]


def test_run_where_nothing_changed_reads_no_page(site: Path, tmp_path: Path, reads: list[Path]) -> None:
    _build(site, tmp_path / "a")
    assert len(reads) == 8
    reads.clear()
    _build(site, tmp_path / "b")
    assert reads == []
    assert (tmp_path / "a" / "index.xml").read_bytes() == (tmp_path / "b" / "index.xml").read_bytes()


def test_changed_page_is_read_again(site: Path, tmp_path: Path, reads: list[Path]) -> None:
    _build(site, tmp_path / "out")
    page = site / "content" / "talk" / "causal-discovery-time-series" / "index.md"
    stat = page.stat()
    page.write_text(page.read_text().replace("Causal Discovery in", "Causal Discoveries in"))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: ctime and size still tell
    reads.clear()
    _build(site, tmp_path / "out")
    assert reads == [page]
    assert "Causal Discoveries in Irregularly Sampled Time Series" in _titles(tmp_path / "out")


def test_new_featured_image_is_noticed(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    bundle = site / "content" / "talk" / "causal-discovery-time-series"
    (bundle / "featured.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    _build(site, tmp_path / "out")
    feed = json.loads((tmp_path / "out" / "feed.json").read_text())
    item = next(item for item in feed["items"] if "causal-discovery" in item["id"])
    assert item["image"].endswith("/talk/causal-discovery-time-series/featured.png")


def test_no_cache_reads_every_page(site: Path, tmp_path: Path, reads: list[Path]) -> None:
    _build(site, tmp_path / "out")
    reads.clear()
    _build(site, tmp_path / "out", "--no-cache")
    assert len(reads) == 8


def test_changed_settings_are_not_served_from_the_cache(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    _build(site, tmp_path / "out", "--timezone", "Asia/Tokyo")
    published = {
        item["title"][:20]: item["date_published"]
        for item in json.loads((tmp_path / "out" / "feed.json").read_text())["items"]
    }
    assert published["Learning Sparse Grap"] == "2019-05-20T00:00:00+09:00"


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a database at all", b"SQLite format 3\x00" + bytes(200)],
    ids=["empty", "foreign", "corrupt"],
)
def test_damaged_cache_is_rebuilt_not_trusted(site: Path, tmp_path: Path, damage: bytes) -> None:
    _build(site, tmp_path / "out")
    (cache_file,) = default_cache_folder().glob("store-*.sqlite3")
    for leftover in cache_file.parent.glob(cache_file.name + "-*"):
        leftover.unlink()
    cache_file.write_bytes(damage)
    result = run_cli(["build", site, "-o", tmp_path / "again", "--now", FIXED_NOW])
    assert result.exit_code == 0
    assert (tmp_path / "out" / "feed.json").read_bytes() == (tmp_path / "again" / "feed.json").read_bytes()
    rebuilt = f"warning: cache {cache_file} was unreadable"
    assert (rebuilt in result.stderr) is bool(damage), result.stderr


def test_unchanged_run_replays_warnings_and_reports_every_file_unchanged(site: Path, tmp_path: Path) -> None:
    first = run_cli(["build", site, "-o", tmp_path / "out", "--now", FIXED_NOW])
    second = run_cli(["build", site, "-o", tmp_path / "out", "--now", FIXED_NOW])
    assert second.exit_code == 0
    assert second.stderr == first.stderr
    assert "warning: date_end" in second.stderr
    assert [line.split()[0] for line in second.stdout.splitlines()] == ["unchanged"] * len(
        first.stdout.splitlines()
    )


def test_clock_passing_a_publish_date_rebuilds(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    future = "https://demo.talkfeed.example/talk/climate-emulators-workshop/"
    assert run_cli(["build", site, "-o", out, "-q", "--now", "2031-04-30"]).exit_code == 0
    assert future not in (out / "feed.json").read_text()
    assert run_cli(["build", site, "-o", out, "-q", "--now", "2031-05-02"]).exit_code == 0
    assert future in (out / "feed.json").read_text()


def test_removed_output_is_written_again(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    (out / "atom.xml").unlink()
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW])
    assert f"updated {out / 'atom.xml'}" in result.stdout.splitlines()
    assert (out / "atom.xml").exists()


def test_every_format_renders_a_part_of_each_talk_for_the_store() -> None:
    from talkfeed.formats import FORMATS
    from talkfeed.model import PartSettings
    from talkfeed.pieces.render import render_pieces
    from talkfeed.read.reading import read_talks
    from talkfeed.read.site import locate_source

    talks, _ = read_talks(locate_source(DEMO_SITE), UTC)
    parts = render_pieces(talks[0], PartSettings("https://demo.talkfeed.example/"))
    assert tuple(parts) == FORMATS
    assert all(parts[name] for name in ("rss", "atom", "json", "html"))


def test_a_build_without_any_cache_file_still_writes_every_talk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where not even a scratch file can be made, the run keeps its pieces in memory."""
    monkeypatch.setattr(store_module, "_connect", _refuse_to_connect)
    result = run_cli(["build", DEMO_SITE, "-o", tmp_path / "out", "--now", FIXED_NOW, "--no-cache", "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "index.xml").read_bytes().count(b"<item>") == 5


def _refuse_to_connect(path: Path) -> sqlite3.Connection:
    raise sqlite3.DatabaseError("no room for a cache file")


def test_parts_made_for_another_base_url_are_an_error_not_another_sites_links(tmp_path: Path) -> None:
    """Two builds of one SOURCE for two base URLs share the cache file; a part the other run
    replaced while this one writes must never go into this run's feeds."""
    run_cli(["build", DEMO_SITE, "-o", tmp_path / "a", "--now", FIXED_NOW, "-q"])
    store = Store.open(tmp_path / "cache", DEMO_SITE)
    store.use("settings")
    store.keys["content/talk/a.md"] = "/site/content/talk/a.md"
    store.stamps["/site/content/talk/a.md"] = '["https://one.example/", "https://one.example/about.html"]'
    assert store.connection is not None
    with store.connection:
        store.connection.execute(
            "INSERT INTO parts VALUES ('settings', ?, 'rss', ?, 'x')",
            ("/site/content/talk/a.md", '["https://two.example/", "https://two.example/about.html"]'),
        )
    with pytest.raises(CacheChangedError, match=r"lost content/talk/a\.md"):
        store.part("content/talk/a.md", "rss")
    store.close()


def test_a_part_the_cache_lost_is_an_error_not_an_empty_item(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "cache", DEMO_SITE)
    store.use("settings")
    store.keys["content/talk/a.md"] = "/site/content/talk/a.md"
    with pytest.raises(CacheChangedError, match=r"lost content/talk/a\.md's rendered parts"):
        store.part("content/talk/a.md", "rss")
    store.close()


def test_a_build_after_one_page_changed_writes_what_a_fresh_build_writes(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    page = site / "content" / "talk" / "causal-discovery-time-series" / "index.md"
    page.write_text(page.read_text().replace("Causal Discovery in", "Causal Discoveries in"))
    _build(site, tmp_path / "out")
    _build(site, tmp_path / "fresh", "--no-cache")
    fresh = sorted(path.relative_to(tmp_path / "fresh") for path in (tmp_path / "fresh").rglob("*"))
    spliced = sorted(path.relative_to(tmp_path / "out") for path in (tmp_path / "out").rglob("*"))
    assert spliced == fresh
    for name in fresh:
        if (tmp_path / "fresh" / name).is_file():
            assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
