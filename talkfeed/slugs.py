"""Name folders as Hugo names paths: slugs of tags, speakers, languages and sources."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SLUG_DROP = re.compile(r"[^\w.+~-]")
_LONGEST_FOLDER_BYTES = 120


def slugify(text: str) -> str:
    """Make a path segment as Hugo does: lower case, unicode kept, spaces to hyphens.

    The result is one harmless folder name, or "": only word characters and ``. + ~ -``,
    so no separator, control character or ``..``, and never a leading or trailing dot.
    """
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = re.sub(r"\s+", "-", text)
    return _SLUG_DROP.sub("", text).strip(".")


def folder_name(value: str) -> str:
    """Name the folder of a tag, author or language: its slug, shortened with a hash when too long.

    Returns "" when the slug is empty; a too long slug keeps its start and gains a hash of
    itself, so no file name grows past the file system's limit and distinct slugs stay apart.
    """
    slug = slugify(value)
    if len(slug.encode()) <= _LONGEST_FOLDER_BYTES:
        return slug
    return hashed(slug, slug)


def hashed(value: str, slug: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    start = slug.encode()[: _LONGEST_FOLDER_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    start = start.rstrip(".-")
    return f"{start}-{digest}" if start else digest
