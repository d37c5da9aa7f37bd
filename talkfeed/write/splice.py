"""Assemble a file from byte ranges of the file it replaces and freshly made parts.

A build's large files (feeds, calendars, pages) are a head, one part per talk and a tail. For
such a file the renderer gives ``Slot``s for the talks' parts, each with a token that names its
bytes (the talk's version and the format), and literal bytes for the rest. The writer keeps a
layout of every file it assembled (its size, mtime and inode as written, and the token and
length of each segment), which the build keeps in its cache for the next run. The next run
compares tokens: a file whose tokens are all the same is not touched at all;
otherwise a segment the old file holds is copied from it (adjacent ones in one
``copy_file_range``), and only new parts are read and written. Whenever the old file is not
exactly as the layout says (another inode, size, mtime or ctime) or the layout cannot be read, every
segment is made afresh: the layout is a hint, never trusted over the file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from talkfeed.formats.slots import Slot, Spliced

_LAYOUT_VERSION = 2
_WRITE_BATCH = 1 << 20
"""Fresh bytes are gathered up to this size before a write."""


@dataclass(frozen=True)
class Layout:
    """One assembled file as it was written: its state, and each segment's token and length."""

    state: str
    """Its state as written (``store.state.written_state``: inode, size, mtime and ctime)."""
    tokens: tuple[str, ...]
    """One per segment; "" for a segment that must never be reused."""
    lengths: tuple[int, ...]


@dataclass
class Layouts:
    """The layouts of the last run's assembled files, and the notes of their slots."""

    files: dict[str, Layout] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Copy:
    """Copy ``length`` bytes from ``offset`` of the open file ``source`` (a chunk for the writer)."""

    source: int
    offset: int
    length: int

    def into(self, target: int) -> None:
        """Append the range to ``target``, in the kernel where it can (no bytes through Python)."""
        offset, left = self.offset, self.length
        while left > 0:
            try:
                done = os.copy_file_range(self.source, target, left, offset)
            except OSError:
                done = 0
            if done <= 0:
                # Another file system, an old kernel, or a short file: copy through memory.
                data = os.pread(self.source, min(left, _WRITE_BATCH), offset)
                if not data:
                    raise OSError(f"the old file ended {left} bytes early")
                view = memoryview(data)
                while view:
                    view = view[os.write(target, view) :]
                done = len(data)
            offset += done
            left -= done


class Assembly:
    """One assembled file: its chunks with their tokens, and how they are written."""

    def __init__(self, content: Spliced, old: Layout | None, notes: Mapping[str, str]) -> None:
        self.old = old
        self.tokens: list[str] = []
        self.chunks: list[bytes | Slot] = []
        self.notes: dict[str, str] = {}
        for chunk in content.chunks(notes):
            if isinstance(chunk, bytes):
                if not chunk:
                    continue
                token = _literal_token(chunk) if len(chunk) <= _KEPT_LITERAL else _hashed(chunk)
            else:
                token = chunk.token or ""
                if chunk.token is not None and chunk.note is not None:
                    self.notes[chunk.token] = chunk.note
            self.tokens.append(token)
            self.chunks.append(chunk)
        self.lengths: list[int] = []
        self.differs = False
        """Whether the bytes written are known to differ from the old file's (then no comparing)."""

    def unchanged(self) -> bool:
        """Say whether the old file holds exactly these segments (then it needs no writing)."""
        return self.old is not None and "" not in self.tokens and tuple(self.tokens) == self.old.tokens

    def pieces(self, old_file: int | None) -> Iterator[bytes | Copy]:
        """Give the file as bytes to write and ranges to copy from ``old_file`` (the old layout's file).

        Segment lengths are kept in ``lengths`` as they are given.
        """
        old = self.old if old_file is not None else None
        where: dict[str, int] = {}
        offsets: list[int] = []
        if old is not None:
            position = 0
            for index, (token, length) in enumerate(zip(old.tokens, old.lengths, strict=True)):
                offsets.append(position)
                position += length
                if token and not token.startswith("="):
                    where.setdefault(token, index)
        cursor: int | None = None
        run_start = run_length = 0
        fresh: list[bytes] = []
        fresh_size = 0
        position = 0
        for token, chunk in zip(self.tokens, self.chunks, strict=True):
            reused = None
            if old is not None and token:
                if cursor is not None and cursor < len(old.tokens) and old.tokens[cursor] == token:
                    reused = cursor
                else:
                    reused = where.get(token)
            if reused is not None:
                assert old is not None and old_file is not None
                length = old.lengths[reused]
                if fresh:
                    yield b"".join(fresh)
                    fresh, fresh_size = [], 0
                if run_length and run_start + run_length == offsets[reused]:
                    run_length += length
                else:
                    if run_length:
                        yield Copy(old_file, run_start, run_length)
                    run_start, run_length = offsets[reused], length
                cursor = reused + 1
                self.lengths.append(length)
                position += length
                continue
            data = chunk if isinstance(chunk, bytes) else chunk.text()
            if old_file is not None and not self.differs:
                # New bytes unlike the old file's at the same place: the files differ.
                self.differs = os.pread(old_file, len(data), position) != data
            position += len(data)
            if run_length:
                yield Copy(old_file, run_start, run_length)  # type: ignore[arg-type]
                run_length = 0
            fresh.append(data)
            fresh_size += len(data)
            if fresh_size >= _WRITE_BATCH:
                yield b"".join(fresh)
                fresh, fresh_size = [], 0
            # Most often a changed part stands where its old version stood: keep in step.
            cursor = cursor + 1 if cursor is not None else None
            self.lengths.append(len(data))
        if run_length:
            yield Copy(old_file, run_start, run_length)  # type: ignore[arg-type]
        if fresh:
            yield b"".join(fresh)

    def layout(self, state: str, old_lengths: bool = False) -> Layout:
        """The layout of the file as written (``old_lengths``: the old file was kept, its lengths hold)."""
        if old_lengths:
            assert self.old is not None
            return Layout(state, tuple(self.tokens), self.old.lengths)
        return Layout(state, tuple(self.tokens), tuple(self.lengths))


def _hashed(chunk: bytes) -> str:
    return "=" + hashlib.blake2b(chunk, digest_size=12).hexdigest()


_literal_token = functools.lru_cache(maxsize=4096)(_hashed)
"""The token of literal bytes: the same few (a calendar's head, a feed's item separators)
stand in thousands of files of one build."""
_KEPT_LITERAL = 1 << 16
"""Literal bytes up to this size have their token kept for the next file."""


def read_layouts(data: str | None) -> Layouts:
    """Read back what ``layouts_text`` wrote; anything malformed gives no layouts at all."""
    if not data:
        return Layouts()
    try:
        record = json.loads(data)
        if record.get("version") != _LAYOUT_VERSION:
            return Layouts()
        table = record["tokens"]
        files = {}
        for name, entry in record["files"].items():
            state = entry["state"]
            segments = entry["segments"]
            tokens = tuple(table[index] if index >= 0 else "" for index in segments[0::2])
            lengths = tuple(int(length) for length in segments[1::2])
            if not isinstance(state, str) or len(tokens) != len(lengths) or min(lengths, default=0) < 0:
                return Layouts()
            if not all(isinstance(token, str) for token in tokens):
                return Layouts()
            files[str(name)] = Layout(state, tokens, lengths)
        notes = {str(token): str(note) for token, note in record["notes"].items()}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return Layouts()
    return Layouts(files, notes)


def layouts_text(layouts: Layouts) -> str:
    """Write the layouts as JSON, each token once."""
    table: dict[str, int] = {}
    files = {}
    for name, layout in sorted(layouts.files.items()):
        segments: list[int] = []
        for token, length in zip(layout.tokens, layout.lengths, strict=True):
            index = table.setdefault(token, len(table)) if token else -1
            segments += (index, length)
        files[name] = {"state": layout.state, "segments": segments}
    notes = {token: note for token, note in layouts.notes.items() if token in table}
    record = {"version": _LAYOUT_VERSION, "tokens": list(table), "notes": notes, "files": files}
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)
