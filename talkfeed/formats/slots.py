"""Stand a talk's stored piece in a file as a ``Slot``: the writer reads it, or copies it from the old file.

Each renderer gives its file as literal bytes and slots; ``joined`` makes the bytes of a whole
file from them, as tests and library callers want it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from talkfeed.model import Entry, Part


class Slot(NamedTuple):
    """A talk's part of a file: ``token`` names its bytes (``None``: unknown), ``fill(source)`` gives them.

    A tuple, as a large file has one per talk: one shared ``fill`` per file, the talk as ``source``.
    ``note`` is something small the renderer learnt from the part (a calendar event's time
    zones), kept with the layout and given back next run by token, so the part need not be read.
    """

    token: str | None
    fill: Callable[[Any], bytes]
    source: Any = None
    note: str | None = None

    def text(self) -> bytes:
        """The part's bytes."""
        return self.fill(self.source)


@dataclass(frozen=True)
class Spliced:
    """A file the writer assembles from literal bytes and ``Slot``s."""

    chunks: Callable[[Mapping[str, str]], Iterable[bytes | Slot]]
    """Gives the file's chunks in order; its argument holds the notes of the last run's slots, by token."""


Chunk = bytes | Slot
Version = Callable[[Entry], str | None]
"""Names the bytes of an entry's pieces (the page's state and the settings they were made with);
``None`` when that cannot be told, and then its slots are always filled afresh."""


Content = bytes | Callable[[], Iterable[bytes]] | Spliced
"""A file's bytes, or a function giving them in pieces, so a large file is never whole in memory,
or its pieces with talks' parts the old file may hold (see ``splice``)."""


def spliced(chunks: Callable[..., Iterable[Chunk]], *arguments: Any) -> Spliced:
    """A file made of ``chunks(*arguments)``, which needs no notes of the last run."""
    return Spliced(lambda notes: chunks(*arguments))


def no_version(entry: Entry) -> str | None:
    """Tell no version: every slot is filled from its piece."""
    return None


def slots(
    name: str, part: Part, version: Version, shape: Callable[[str], str] | None = None
) -> Callable[[Entry, str | None], Slot]:
    """Make slots for the pieces ``name`` of entries (made into the file's text by ``shape``)."""
    fill = partial(_filled, name=name, part=part, shape=shape)

    def slot(entry: Entry, note: str | None = None) -> Slot:
        stamp = version(entry)
        return Slot(None if stamp is None else f"{stamp}:{name}", fill, entry, note)

    return slot


def token_of(entry: Entry, name: str, version: Version) -> str | None:
    """The token a slot of ``slots`` gives ``entry``'s piece ``name``."""
    stamp = version(entry)
    return f"{stamp}:{name}" if stamp is not None else None


def _filled(entry: Entry, name: str, part: Part, shape: Callable[[str], str] | None) -> bytes:
    piece = part(entry, name)
    return (shape(piece) if shape is not None else piece).encode("utf-8")


def joined(chunks: Iterable[Chunk]) -> bytes:
    """Make the whole file: the literal bytes, and each slot filled."""
    return b"".join(chunk if isinstance(chunk, bytes) else chunk.text() for chunk in chunks)
