"""Spliced files: a part the old file holds is copied from it, and only while the old file is intact."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from talkfeed.formats.slots import Slot, Spliced
from talkfeed.write.files import write_spliced
from talkfeed.write.splice import Layouts, layouts_text, read_layouts


class Parts:
    """Parts by token, counting how many were read."""

    def __init__(self, parts: Mapping[str, bytes]) -> None:
        self.parts = dict(parts)
        self.read: list[str] = []

    def slot(self, token: str) -> Slot:
        return Slot(token, self.fill, token, note=f"note of {token}")

    def fill(self, token: str) -> bytes:
        self.read.append(token)
        return self.parts[token]

    def file(self, head: bytes, tokens: list[str]) -> Spliced:
        def chunks(notes: Mapping[str, str]) -> Iterator[bytes | Slot]:
            yield head
            for index, token in enumerate(tokens):
                yield b"," if index else b"["
                yield self.slot(token)
            yield b"]\n"

        return Spliced(chunks)


def _expected(parts: Parts, head: bytes, tokens: list[str]) -> bytes:
    return head + b"[" + b",".join(parts.parts[token] for token in tokens) + b"]\n"


def _write(output: Path, files: Mapping[str, Spliced], layouts: Layouts) -> Layouts:
    """Write as a build does: layouts go through their text, as the cache keeps them."""
    return read_layouts(layouts_text(write_spliced(output, files, layouts)[1]))


def test_a_file_whose_parts_are_all_unchanged_is_not_written_again(tmp_path: Path) -> None:
    parts = Parts({f"t{number}": f"<item {number}>".encode() for number in range(5)})
    tokens = [f"t{number}" for number in range(5)]
    layouts = _write(tmp_path, {"feed.xml": parts.file(b"head", tokens)}, Layouts())
    before = os.stat(tmp_path / "feed.xml")
    parts.read.clear()

    written, _ = write_spliced(tmp_path, {"feed.xml": parts.file(b"head", tokens)}, layouts)

    assert parts.read == []
    assert written[0].changed is False
    after = os.stat(tmp_path / "feed.xml")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize(
    "tokens",
    [
        pytest.param(["t0", "t1", "changed", "t3", "t4"], id="one-part-changed"),
        pytest.param(["new", "t0", "t1", "t2", "t3", "t4"], id="one-part-added-first"),
        pytest.param(["t0", "t1", "t3", "t4"], id="one-part-gone"),
        pytest.param(["t4", "t3", "t2", "t1", "t0"], id="order-reversed"),
    ],
)
def test_a_changed_file_reads_only_its_new_parts_and_holds_the_right_bytes(
    tmp_path: Path, tokens: list[str]
) -> None:
    parts = Parts({f"t{number}": f"<item {number}>".encode() * 50 for number in range(5)})
    parts.parts |= {"changed": b"<item changed>", "new": b"<item new>"}
    layouts = _write(tmp_path, {"feed.xml": parts.file(b"head", [f"t{n}" for n in range(5)])}, Layouts())
    parts.read.clear()

    layouts = _write(tmp_path, {"feed.xml": parts.file(b"new head", tokens)}, layouts)

    assert (tmp_path / "feed.xml").read_bytes() == _expected(parts, b"new head", tokens)
    assert parts.read == [token for token in tokens if token in ("changed", "new")]
    # The layout written describes the new file, so a third run reuses all of it.
    parts.read.clear()
    _write(tmp_path, {"feed.xml": parts.file(b"third head", tokens)}, layouts)
    assert (tmp_path / "feed.xml").read_bytes() == _expected(parts, b"third head", tokens)
    assert parts.read == []


def test_a_file_changed_since_its_layout_was_kept_is_made_afresh(tmp_path: Path) -> None:
    parts = Parts({"a": b"<a>", "b": b"<b>"})
    layouts = _write(tmp_path, {"feed.xml": parts.file(b"head", ["a", "b"])}, Layouts())
    (tmp_path / "feed.xml").write_bytes(b"someone else's bytes, longer than before")
    parts.read.clear()

    _write(tmp_path, {"feed.xml": parts.file(b"head", ["a", "b"])}, layouts)

    assert (tmp_path / "feed.xml").read_bytes() == _expected(parts, b"head", ["a", "b"])
    assert parts.read == ["a", "b"]


def test_a_slot_without_a_token_is_always_filled(tmp_path: Path) -> None:
    calls = []

    def chunks(notes: Mapping[str, str]) -> Iterator[bytes | Slot]:
        yield b"head:"
        yield Slot(None, lambda source: calls.append(1) or b"<untold>")

    layouts = _write(tmp_path, {"feed.xml": Spliced(chunks)}, Layouts())
    _write(tmp_path, {"feed.xml": Spliced(chunks)}, layouts)

    assert len(calls) == 2
    assert (tmp_path / "feed.xml").read_bytes() == b"head:<untold>"


def test_the_notes_of_the_last_run_come_back_by_token(tmp_path: Path) -> None:
    parts = Parts({"a": b"<a>"})
    layouts = _write(tmp_path, {"feed.xml": parts.file(b"head", ["a"])}, Layouts())
    seen: list[Mapping[str, str]] = []

    def chunks(notes: Mapping[str, str]) -> Iterator[bytes | Slot]:
        seen.append(dict(notes))
        yield parts.slot("a")

    _write(tmp_path, {"feed.xml": Spliced(chunks)}, layouts)
    assert seen == [{"a": "note of a"}]


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "not json",
        "[]",
        '{"version": 1}',
        '{"version": 1, "tokens": [], "notes": {}, '
        '"files": {"a": {"state": [1, 2, 3], "segments": [5, 10]}}}',
        '{"version": 2}',
    ],
)
def test_a_layout_that_cannot_be_read_gives_none(text: str | None) -> None:
    assert read_layouts(text).files == {}
