"""A build where nothing changed replays the last one's report without finding or reading a page;
whatever it would have read differently makes it build again."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from talkfeed.write.files import Written

from conftest import DEMO_SITE, FIXED_NOW, run_cli, settle


def _build(site: Path, out: Path) -> None:
    result = run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "-q"])
    assert result.exit_code == 0, result.stderr


def _items(out: Path) -> list[dict[str, object]]:
    items: list[dict[str, object]] = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    return items


def _titles(out: Path) -> list[object]:
    return [item["title"] for item in _items(out)]


NEW_PAGE = """---
title: A Talk Added Later
date: 2025-06-01T10:00:00Z
publishDate: 2025-05-01T00:00:00Z
authors: [causal-author]
---
Text.
"""


@pytest.fixture
def surveyed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every source the build surveys (finds the pages of)."""
    from talkfeed import jobs as build_module

    seen: list[Path] = []
    real = build_module.survey

    def recording(source, zone, *rest):  # type: ignore[no-untyped-def]
        seen.append(source.given)
        return real(source, zone, *rest)

    monkeypatch.setattr(build_module, "survey", recording)
    return seen


def test_nothing_changed_finds_no_page(site: Path, tmp_path: Path, surveyed: list[Path]) -> None:
    _build(site, tmp_path / "out")
    assert len(surveyed) == 1
    _build(site, tmp_path / "out")
    assert len(surveyed) == 1


def test_a_page_added_in_a_new_folder_is_published(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    (site / "content" / "talk" / "added" / "deeper").mkdir(parents=True)
    (site / "content" / "talk" / "added" / "deeper" / "index.md").write_text(NEW_PAGE, encoding="utf-8")
    _build(site, tmp_path / "out")
    assert "A Talk Added Later" in _titles(tmp_path / "out")


def test_a_page_removed_is_no_longer_published(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    before = _titles(tmp_path / "out")
    shutil.rmtree(site / "content" / "talk" / "causal-discovery-time-series")
    _build(site, tmp_path / "out")
    assert len(_titles(tmp_path / "out")) == len(before) - 1


def test_a_page_renamed_keeps_its_text_under_its_new_path(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    talk = site / "content" / "talk"
    os.rename(talk / "causal-discovery-time-series", talk / "causal-discovery")
    _build(site, tmp_path / "out")
    ids = [item["id"] for item in _items(tmp_path / "out")]
    assert "https://demo.talkfeed.example/talk/causal-discovery/" in ids


def test_a_section_page_cascade_edit_applies(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    index = site / "content" / "talk" / "_index.md"
    text = index.read_text(encoding="utf-8").replace(
        "cms_exclude: true", "cms_exclude: true\ncascade:\n  draft: true"
    )
    index.write_text(text, encoding="utf-8")
    _build(site, tmp_path / "out")
    fresh = run_cli(["build", site, "-o", tmp_path / "fresh", "--now", FIXED_NOW, "-q", "--no-cache"])
    assert fresh.exit_code == 0, fresh.stderr
    # Every talk that does not set draft itself is now a draft.
    assert (
        _titles(tmp_path / "out")
        == _titles(tmp_path / "fresh")
        == ["Learning Sparse Graphs from Few Samples"]
    )


def test_a_new_author_profile_names_the_speaker(site: Path, tmp_path: Path) -> None:
    page = site / "content" / "talk" / "added" / "index.md"
    page.parent.mkdir()
    page.write_text(NEW_PAGE, encoding="utf-8")
    _build(site, tmp_path / "out")
    profile = site / "content" / "authors" / "causal-author" / "_index.md"
    profile.parent.mkdir(parents=True)
    profile.write_text("---\ntitle: Dr. Causal Author\n---\n", encoding="utf-8")
    _build(site, tmp_path / "out")
    added = next(item for item in _items(tmp_path / "out") if item["title"] == "A Talk Added Later")
    assert added["authors"] == [{"name": "Dr. Causal Author"}]


def test_an_output_edited_by_hand_is_written_again(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    feed = tmp_path / "out" / "feed.json"
    good = feed.read_bytes()
    feed.write_bytes(b"{}")
    _build(site, tmp_path / "out")
    assert feed.read_bytes() == good


def test_a_damaged_record_is_no_record(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "talkfeed"
    for path in cache.glob("store-*.sqlite3"):
        with sqlite3.connect(path) as store:
            damaged = store.execute(
                "UPDATE texts SET text = '{\"format\": 3, \"key\": [' WHERE name LIKE 'build-record:%'"
            )
            assert damaged.rowcount == 1
    page = site / "content" / "talk" / "sparse-graph-learning.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Learning Sparse Graphs", "Sparse Graphs"), encoding="utf-8"
    )
    _build(site, tmp_path / "out")
    assert "Sparse Graphs from Few Samples" in _titles(tmp_path / "out")


def _same_as_fresh(site: Path, tmp_path: Path) -> None:
    """The build into ``out`` publishes what a build that trusts nothing publishes."""
    _build(site, tmp_path / "out")
    fresh = run_cli(["build", site, "-o", tmp_path / "fresh", "--now", FIXED_NOW, "-q", "--no-cache"])
    assert fresh.exit_code == 0, fresh.stderr
    assert _items(tmp_path / "out") == _items(tmp_path / "fresh")


def test_a_profile_added_to_an_authors_folder_that_had_none_names_the_speaker(
    site: Path, tmp_path: Path
) -> None:
    page = site / "content" / "talk" / "added" / "index.md"
    page.parent.mkdir()
    page.write_text(NEW_PAGE, encoding="utf-8")
    folder = site / "content" / "authors" / "causal-author"
    folder.mkdir(parents=True)
    (folder / "avatar.png").write_bytes(b"\x89PNG")
    settle()
    _build(site, tmp_path / "out")
    _build(site, tmp_path / "out")
    (folder / "_index.md").write_text("---\ntitle: Dr. Causal Author\n---\n", encoding="utf-8")
    _same_as_fresh(site, tmp_path)
    added = next(item for item in _items(tmp_path / "out") if item["title"] == "A Talk Added Later")
    assert added["authors"] == [{"name": "Dr. Causal Author"}]


def test_a_link_whose_target_changes_elsewhere_in_the_site_is_followed_again(
    site: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_text(NEW_PAGE, encoding="utf-8")
    shared = site / "shared"
    shared.mkdir()
    (shared / "real.md").write_text(NEW_PAGE.replace("A Talk Added Later", "Linked Talk"), encoding="utf-8")
    (shared / "hop.md").symlink_to(outside / "x.md")
    (site / "content" / "talk" / "linked.md").symlink_to(Path("..", "..", "shared", "hop.md"))
    settle()
    _build(site, tmp_path / "out")
    assert "Linked Talk" not in _titles(tmp_path / "out")
    (shared / "hop.md").unlink()
    (shared / "hop.md").symlink_to("real.md")  # the talk section itself is untouched
    _same_as_fresh(site, tmp_path)
    assert "Linked Talk" in _titles(tmp_path / "out")


def test_front_matter_given_in_place_to_an_index_html_makes_it_a_talk(site: Path, tmp_path: Path) -> None:
    page = site / "content" / "talk" / "html-talk" / "index.html"
    page.parent.mkdir()
    page.write_text("<p>notes</p>\n", encoding="utf-8")
    settle()
    _build(site, tmp_path / "out")
    with page.open("w", encoding="utf-8") as stream:  # the same file, its inode kept
        stream.write("---\ntitle: HTML Talk\ndate: 2020-01-01\n---\n<p>notes</p>\n")
    _same_as_fresh(site, tmp_path)
    assert "HTML Talk" in _titles(tmp_path / "out")


def test_a_page_added_by_a_tool_that_puts_the_folders_mtime_back_is_published(
    site: Path, tmp_path: Path
) -> None:
    talk = site / "content" / "talk"
    _build(site, tmp_path / "out")
    before = talk.stat()
    (talk / "restored.md").write_text(NEW_PAGE, encoding="utf-8")
    os.utime(talk, ns=(before.st_atime_ns, before.st_mtime_ns))  # as tar -x, rsync -a, cp -a do
    settle()
    _same_as_fresh(site, tmp_path)
    assert "A Talk Added Later" in _titles(tmp_path / "out")


def test_a_clock_set_back_before_the_last_build_builds_again(site: Path, tmp_path: Path) -> None:
    """Built on 1 March 2024, then run with the clock at 15 January: a talk published on
    1 February is not out yet, as a fresh build says."""
    for now in ("2024-03-01T00:00:00+0000", "2024-01-15T00:00:00+0000"):
        result = run_cli(["build", site, "-o", tmp_path / "out", "--now", now, "-q"])
        assert result.exit_code == 0, result.stderr
    fresh = run_cli(["build", site, "-o", tmp_path / "fresh", "--now", now, "-q", "--no-cache"])
    assert fresh.exit_code == 0, fresh.stderr
    assert _items(tmp_path / "out") == _items(tmp_path / "fresh")
    assert "https://demo.talkfeed.example/talk/multilingual-speech-recognition/" not in [
        item["id"] for item in _items(tmp_path / "out")
    ]


def test_a_file_a_page_depends_on_changed_while_it_was_read_is_read_again() -> None:
    from talkfeed.store.state import UNSETTLED, state_of

    page = DEMO_SITE / "content" / "talk" / "sparse-graph-learning.md"
    changed = page.stat().st_ctime_ns
    # Read a second after its last change: trusted. Read as (or just after) it changed: not.
    assert state_of(page, changed + 1_000_000_000) == state_of(page)
    assert state_of(page, changed) == UNSETTLED
    assert state_of(page, changed + 10_000_000) == UNSETTLED


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every walk of a source's folders (each listing of its pages)."""
    from talkfeed.read import listing

    walked: list[Path] = []
    real = listing.find_pages

    def recording(source, watched=None):  # type: ignore[no-untyped-def]
        walked.append(source.given)
        return real(source, watched)

    monkeypatch.setattr(listing, "find_pages", recording)
    return walked


def test_one_page_changed_reads_that_page_and_walks_no_folder(
    site: Path, tmp_path: Path, reads: list[Path], walks: list[Path]
) -> None:
    _build(site, tmp_path / "out")
    page = site / "content" / "talk" / "sparse-graph-learning.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Learning Sparse", "Learning Sparser"), encoding="utf-8"
    )
    settle()
    reads.clear()
    walks.clear()
    _build(site, tmp_path / "out")
    assert (reads, walks) == ([page], [])
    assert "Learning Sparser Graphs from Few Samples" in _titles(tmp_path / "out")


def test_a_page_added_beside_one_changed_is_found(site: Path, tmp_path: Path, walks: list[Path]) -> None:
    _build(site, tmp_path / "out")
    page = site / "content" / "talk" / "sparse-graph-learning.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Learning Sparse", "Learning Sparser"), encoding="utf-8"
    )
    (site / "content" / "talk" / "added").mkdir()
    (site / "content" / "talk" / "added" / "index.md").write_text(NEW_PAGE, encoding="utf-8")
    settle()
    walks.clear()
    _build(site, tmp_path / "out")
    assert walks == [site]
    assert {"Learning Sparser Graphs from Few Samples", "A Talk Added Later"} <= set(
        _titles(tmp_path / "out")
    )
    _same_as_fresh(site, tmp_path)


def test_a_replayed_report_names_the_files_the_build_wrote_all_unchanged(
    site: Path, tmp_path: Path, surveyed: list[Path]
) -> None:
    from talkfeed import Options, build

    options = Options(source=site, output=tmp_path / "out", now=datetime.fromisoformat(FIXED_NOW))
    built = build(options)
    replayed = build(options)
    assert len(surveyed) == 1  # the second build was replayed
    assert [each.path for each in replayed.written] == [each.path for each in built.written]
    assert not any(each.changed or each.removed for each in replayed.written)
    assert len(replayed.written) == len(built.written) > 10
    assert list(replayed.written[2:5]) == [replayed.written[index] for index in range(2, 5)]
    assert replayed.written[-1] == Written(built.written[-1].path, False)
