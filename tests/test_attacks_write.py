"""Hostile names, planted links, a killed run, a strict umask: the writer stays inside its folder."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from talkfeed.errors import OutputError
from talkfeed.select.views import plan_views
from talkfeed.slugs import folder_name
from talkfeed.write.files import MANIFEST_NAME, write_files
from talkfeed.write.folders import TEMPORARY_PREFIX
from talkfeed.write.journal import JOURNAL_NAME, needs_recovery, recover
from talkfeed.write.lock import LOCK_NAME, locked

from _crash_helpers import kill_after_first_switch, leftovers, list_tree, read_set, snapshot
from conftest import DEMO_SITE, run_cli

OLD = {
    "index.xml": b"<rss>old</rss>\n",
    "upcoming/index.xml": b"<rss>old upcoming</rss>\n",
    "tags/ml/index.xml": b"<rss>old ml</rss>\n",
}
NEW = {
    "index.xml": b"<rss>new!</rss>\n",
    "upcoming/index.xml": b"<rss>new upcoming!</rss>\n",
    "tags/ml/index.xml": b"<rss>new ml!</rss>\n",
}
SECRET = b"someone else's file\n"


def _outside(tmp_path: Path) -> Path:
    """A folder beside the output with a file of someone else's, for links to point at."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    return outside


@pytest.mark.parametrize(
    "name",
    [
        "../escaped/index.xml",
        "tags/../../escaped.xml",
        "{outside}/index.xml",
        "tags//index.xml",
        "upcoming/",
        "./index.xml",
        "",
        "tags\\..\\..\\escaped.xml",
        "tags/a\x00b/index.xml",
        "tags/a\nb/index.xml",
        "tags/a\x1b[2Jb/index.xml",
        JOURNAL_NAME,
        f"upcoming/{TEMPORARY_PREFIX}index.xml",
    ],
    ids=[
        "dot-dot",
        "dot-dot-inside",
        "absolute",
        "empty-segment",
        "trailing-slash",
        "dot",
        "empty",
        "backslash",
        "nul",
        "newline",
        "escape",
        "writer-journal",
        "writer-temporary",
    ],
)
def test_write_files_refuses_a_name_that_could_leave_the_folder(tmp_path: Path, name: str) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    outside = _outside(tmp_path)
    name = name.format(outside=outside)
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised:
        write_files(output, {**NEW, name: b"<rss>hostile</rss>\n"})

    assert raised.value.path == str(output)
    assert "refusing to write" in str(raised.value)
    assert len(str(raised.value).splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_write_files_refuses_a_name_that_is_both_a_file_and_a_folder(tmp_path: Path) -> None:
    write_files(tmp_path / "out", OLD)
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised:
        write_files(tmp_path / "out", {**NEW, "index.xml/index.xml": b"<rss/>\n"})

    assert raised.value.path == str(tmp_path / "out" / "index.xml")
    assert snapshot(tmp_path) == before


@given(st.text())
def test_folder_names_are_one_harmless_path_segment(text: str) -> None:
    name = folder_name(text)

    assert name == "" or (
        "/" not in name
        and "\\" not in name
        and not name.startswith(".")
        and name not in (".", "..")
        and name.isprintable()
        and len(name.encode()) <= 255
    )


def test_language_folders_are_distinct_harmless_and_apart_from_other_views() -> None:
    codes = ["../../escaped", "/abs/path", "en", "EN", "upcoming", "index.xml", "", "..", "a" * 400]
    now = datetime(2024, 6, 1, tzinfo=UTC)

    views = plan_views((), dict.fromkeys(codes, ()), "en", ["lang", "past", "tag"], now, lambda _: UTC)

    folders = [view.folder for view in views]
    languages = {view.label: view.folder for view in views if view.kind == "lang"}
    assert len(set(folders)) == len(folders)
    assert languages["en"] == "en/"
    for folder in languages.values():
        segment = folder.removesuffix("/")
        assert segment == folder_name(segment), folder
        assert segment and "." not in segment and len(segment.encode()) <= 255, folder
        assert segment not in ("upcoming", "past", "tags", "authors"), folder


@pytest.mark.parametrize(
    ("language", "lang_option"),
    [("../../escaped", None), ("en", "{outside}/abs"), ("..", None)],
    ids=["default-language-climbs-out", "lang-option-is-absolute", "default-language-is-dot-dot"],
)
def test_build_with_a_hostile_language_writes_only_inside_the_output(
    tmp_path: Path, language: str, lang_option: str | None
) -> None:
    site = Path(shutil.copytree(DEMO_SITE, tmp_path / "site"))
    config = f"defaultContentLanguage = {language!r}\n" + (DEMO_SITE / "hugo.toml").read_text(
        encoding="utf-8"
    )
    site.joinpath("hugo.toml").write_text(config, encoding="utf-8")
    output = tmp_path / "deep" / "er" / "out"
    outside = _outside(tmp_path)
    options = ["--lang", lang_option.format(outside=outside)] if lang_option else []
    before = snapshot(tmp_path, skip=tmp_path / "deep")

    result = run_cli(
        [
            "build",
            site,
            "-o",
            output,
            "--base-url",
            "https://example.org/",
            "--no-cache",
            "--per",
            "lang",
            *options,
        ]
    )

    assert snapshot(tmp_path, skip=tmp_path / "deep") == before
    created = sorted((tmp_path / "deep").rglob("*"))
    assert [
        path for path in created if path not in output.parents and output not in (path, *path.parents)
    ] == []
    assert result.exit_code in (0, 1), result.stderr
    if result.exit_code == 1:
        assert len(result.stderr.splitlines()) == 1, result.stderr
    else:
        assert (output / "index.xml").is_file()


def _plant_link_to_folder(output: Path, outside: Path) -> Path:
    (output / "upcoming" / "index.xml").unlink()
    (output / "upcoming").rmdir()
    (output / "upcoming").symlink_to(outside)
    return output / "upcoming"


def _plant_link_to_file(output: Path, outside: Path) -> Path:
    (output / "index.xml").unlink()
    (output / "index.xml").symlink_to(outside / "secret.txt")
    return output / "index.xml"


def _plant_dangling_link(output: Path, outside: Path) -> Path:
    (output / "index.xml").unlink()
    (output / "index.xml").symlink_to(outside / "created-by-talkfeed.xml")
    return output / "index.xml"


def _plant_link_to_a_folder_above(output: Path, outside: Path) -> Path:
    (output / "tags" / "ml" / "index.xml").unlink()
    (output / "tags" / "ml").rmdir()
    (output / "tags").rmdir()
    (output / "tags").symlink_to(outside)
    (outside / "ml").mkdir()
    (outside / "ml" / "index.xml").write_bytes(SECRET)
    return output / "tags"


def _plant_link_as_manifest(output: Path, outside: Path) -> Path:
    (output / MANIFEST_NAME).unlink()
    (output / MANIFEST_NAME).symlink_to(outside / "secret.txt")
    return output / MANIFEST_NAME


PLANTED: dict[str, Callable[[Path, Path], Path]] = {
    "folder-links-outside": _plant_link_to_folder,
    "file-links-outside": _plant_link_to_file,
    "file-links-to-a-missing-file": _plant_dangling_link,
    "folder-above-links-outside": _plant_link_to_a_folder_above,
    "manifest-links-outside": _plant_link_as_manifest,
}


@pytest.mark.parametrize("plant", PLANTED.values(), ids=PLANTED.keys())
def test_write_files_refuses_to_write_through_a_planted_link(
    tmp_path: Path, plant: Callable[[Path, Path], Path]
) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    link = plant(output, _outside(tmp_path))
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised:
        write_files(output, NEW)

    assert str(raised.value) == f"{link}: error: cannot write: is a symbolic link; remove it"
    assert snapshot(tmp_path) == before


def test_write_files_does_not_remove_a_stale_file_through_a_linked_folder(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_files(output, {**OLD, "tags/gone/index.xml": b"<rss>gone</rss>\n"})
    outside = _outside(tmp_path)
    (outside / "gone").mkdir()
    (outside / "gone" / "index.xml").write_bytes(SECRET)
    for name in ("tags/ml/index.xml", "tags/gone/index.xml"):
        (output / name).unlink()
    for folder in ("tags/ml", "tags/gone", "tags"):
        (output / folder).rmdir()
    (output / "tags").symlink_to(outside)
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised:
        write_files(output, {"index.xml": NEW["index.xml"]})

    assert raised.value.path == str(output / "tags")
    assert snapshot(tmp_path) == before


def test_locked_refuses_a_lock_file_that_is_a_link(tmp_path: Path) -> None:
    output = tmp_path / "out"
    output.mkdir()
    outside = _outside(tmp_path)
    (output / LOCK_NAME).symlink_to(outside / "planted.lock")
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised, locked(output, 0):
        pytest.fail("locked a file through a link")

    assert "is a symbolic link; remove it" in str(raised.value)
    assert str(output / LOCK_NAME) in str(raised.value)
    assert snapshot(tmp_path) == before


def test_build_refuses_a_planted_link_and_keeps_the_old_feeds(tmp_path: Path) -> None:
    output = tmp_path / "out"
    arguments = ["build", DEMO_SITE, "-o", output, "--base-url", "https://example.org/", "--no-cache", "-q"]
    first = run_cli(arguments)
    assert first.exit_code == 0, first.stderr
    outside = _outside(tmp_path)
    for path in sorted((output / "upcoming").iterdir()):
        path.rename(outside / path.name)
    (output / "upcoming").rmdir()
    (output / "upcoming").symlink_to(outside)
    (output / "index.xml").write_bytes(b"<rss>edited, so the build must write</rss>\n")
    before = snapshot(tmp_path)

    result = run_cli(arguments)

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"{output / 'upcoming'}: error: cannot write: is a symbolic link; remove it\n"
    assert snapshot(tmp_path) == before


def test_recover_alone_finishes_a_killed_run_and_a_second_call_changes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    kill_after_first_switch(output, NEW)
    assert read_set(output) not in (OLD, NEW)
    assert needs_recovery(output)
    outside_before = snapshot(tmp_path, skip=output)

    recover(output)
    after = snapshot(output)
    recover(output)

    assert read_set(output) == NEW
    assert leftovers(output) == []
    assert not needs_recovery(output)
    assert snapshot(output) == after
    assert snapshot(tmp_path, skip=output) == outside_before


def test_recover_runs_inside_locked_without_waiting_for_itself(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    kill_after_first_switch(output, NEW)

    with locked(output, 0):
        recover(output)

    assert read_set(output) == NEW
    assert not needs_recovery(output)


def test_recover_creates_nothing_where_there_is_no_folder(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "out"

    assert not needs_recovery(missing)
    recover(missing)

    assert list_tree(tmp_path) == []


def test_recover_refuses_a_linked_folder_and_keeps_the_journal(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    kill_after_first_switch(output, NEW)
    outside = _outside(tmp_path)
    for path in sorted((output / "upcoming").iterdir()):
        path.rename(outside / path.name)
    (output / "upcoming").rmdir()
    (output / "upcoming").symlink_to(outside)
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised:
        recover(output)

    assert raised.value.path == str(output / "upcoming")
    assert "is a symbolic link; remove it" in str(raised.value)
    assert snapshot(tmp_path) == before
    assert needs_recovery(output)


def test_recover_refuses_a_journal_that_is_a_link(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    outside = _outside(tmp_path)
    (outside / "journal").write_text('{"removals": ["index.xml"]}', encoding="utf-8")
    (output / JOURNAL_NAME).symlink_to(outside / "journal")
    before = snapshot(tmp_path)

    assert needs_recovery(output)
    with pytest.raises(OutputError) as raised:
        recover(output)

    assert raised.value.path == str(output / JOURNAL_NAME)
    assert snapshot(tmp_path) == before


def _modes(root: Path) -> dict[str, int]:
    return {path.relative_to(root).as_posix(): stat.S_IMODE(path.stat().st_mode) for path in root.rglob("*")}


@pytest.mark.parametrize("umask", [0o077, 0o027, 0o000], ids=["umask-077", "umask-027", "umask-000"])
def test_created_folders_are_0755_and_files_0644_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    output = tmp_path / "new" / "out"
    previous = os.umask(umask)
    try:
        with locked(output, 0):
            write_files(output, OLD)
    finally:
        os.umask(previous)

    modes = {name: mode for name, mode in _modes(tmp_path).items() if not Path(name).name.startswith(".")}
    assert modes == {
        "new": 0o755,
        "new/out": 0o755,
        "new/out/index.xml": 0o644,
        "new/out/upcoming": 0o755,
        "new/out/upcoming/index.xml": 0o644,
        "new/out/tags": 0o755,
        "new/out/tags/ml": 0o755,
        "new/out/tags/ml/index.xml": 0o644,
    }


def test_existing_folders_keep_their_mode(tmp_path: Path) -> None:
    output = tmp_path / "out"
    (output / "upcoming").mkdir(parents=True)
    (output / "upcoming").chmod(0o711)

    write_files(output, OLD)

    assert stat.S_IMODE((output / "upcoming").stat().st_mode) == 0o711


def _file_where_a_folder_goes(output: Path) -> tuple[Path, str]:
    (output / "upcoming" / "index.xml").unlink()
    (output / "upcoming").rmdir()
    (output / "upcoming").write_bytes(SECRET)
    return output / "upcoming", "a file stands where a folder goes"


def _fifo_where_a_file_goes(output: Path) -> tuple[Path, str]:
    (output / "index.xml").unlink()
    os.mkfifo(output / "index.xml")
    return output / "index.xml", "is not a regular file; remove it"


def _folder_where_a_file_goes(output: Path) -> tuple[Path, str]:
    (output / "index.xml").unlink()
    (output / "index.xml").mkdir()
    return output / "index.xml", "a folder stands where the file goes"


BROKEN: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "file-where-a-folder-goes": _file_where_a_folder_goes,
    "fifo-where-a-file-goes": _fifo_where_a_file_goes,
    "folder-where-a-file-goes": _folder_where_a_file_goes,
}


@pytest.mark.parametrize("break_output", BROKEN.values(), ids=BROKEN.keys())
def test_a_failed_write_is_one_output_error_line_naming_the_path_and_cause(
    tmp_path: Path, break_output: Callable[[Path], tuple[Path, str]]
) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    path, cause = break_output(output)
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised:
        write_files(output, NEW)

    assert str(raised.value) == f"{path}: error: cannot write: {cause}"
    assert snapshot(tmp_path) == before


def test_a_name_too_long_for_the_file_system_is_an_output_error_naming_it(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_files(output, OLD)
    name = "tags/" + "x" * 300 + "/index.xml"
    before = snapshot(tmp_path)

    with pytest.raises(OutputError) as raised:
        write_files(output, {**NEW, name: b"<rss/>\n"})

    assert str(raised.value) == f"{output / name.rpartition('/')[0]}: error: cannot write: File name too long"
    assert snapshot(tmp_path) == before
