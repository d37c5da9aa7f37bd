"""Find a site's talk pages again without walking its folders, while nothing the last walk read changed.

A walk of a large site lists every bundle's folder (10,000 listings for 10,000 talks). What it
found depends only on the folders it listed and a few files it looked into (links, ``index.html``
files), each kept with its state (see ``store.state``) beside the pages found, in the source's
store; the next run compares the states, one ``stat`` each, and takes the pages as they were
when none changed. An unsettled state never compares equal, so a folder changed too recently is
walked again. The listing is kept as JSON, never as code to run: a store file lives where a
site's own ``talkfeed.toml`` may put it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from talkfeed.errors import Finding, Severity
from talkfeed.read.discover import PageFile, SectionIndex, Watched, find_pages
from talkfeed.read.site import Source
from talkfeed.store.records import finding_from, finding_record
from talkfeed.store.state import UNSETTLED, state_of
from talkfeed.store.store import Store

_FORMAT = 2
"""Changed whenever what a walk finds changes (2: front matter after blank lines)."""


def listed_pages(
    source: Source, store: Store | None, watched: Watched
) -> tuple[list[PageFile], list[Finding], list[SectionIndex]]:
    """``find_pages``, or what it found last time while none of the folders and files it read
    changed; ``watched`` gets what the listing depends on either way."""
    name = f"listing:{_shape(source)}"
    kept = store.recall(name) if store is not None else None
    again = _again(kept, watched) if kept is not None else None
    if again is not None:
        return again
    fresh = Watched()
    pages, findings, indexes = find_pages(source, fresh)
    watched.folders.update(fresh.folders)
    watched.files.update(fresh.files)
    # A folder that could not be listed is tried again by the next run, whatever its state.
    if store is not None and not any(finding.severity is Severity.ERROR for finding in findings):
        store.remember(name, _text(pages, findings, indexes, fresh))
    return pages, findings, indexes


def _again(text: str, watched: Watched) -> tuple[list[PageFile], list[Finding], list[SectionIndex]] | None:
    try:
        record = json.loads(text)
        if record.get("format") != _FORMAT:
            return None
        folders: dict[str, str] = record["folders"]
        files: dict[str, str] = record["files"]
        for states in (folders, files):
            if not all(state != UNSETTLED and state_of(name) == state for name, state in states.items()):
                return None
        pages = [
            PageFile(Path(path), name, tuple(parts), lang, Path(bundle) if bundle else None, key)
            for path, name, parts, lang, bundle, key in record["pages"]
        ]
        indexes = [SectionIndex(Path(path), tuple(parts), lang) for path, parts, lang in record["indexes"]]
        findings = [finding_from(item) for item in record["findings"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    watched.folders.update(folders)
    watched.files.update(files)
    return pages, findings, indexes


def _text(
    pages: list[PageFile], findings: list[Finding], indexes: list[SectionIndex], watched: Watched
) -> str:
    record: dict[str, Any] = {
        "format": _FORMAT,
        "folders": watched.folders,
        "files": watched.files,
        "pages": [
            [str(page.path), page.name, list(page.parts), page.lang, str(page.bundle or ""), page.key]
            for page in pages
        ],
        "indexes": [[str(index.path), list(index.parts), index.lang] for index in indexes],
        "findings": [finding_record(finding) for finding in findings],
    }
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _shape(source: Source) -> str:
    """Sum up what decides a listing besides the folders: where SOURCE is, its content roots and
    sections, and the site's languages."""
    shape = {
        "given": str(source.given),
        "page": str(source.single_page or ""),
        "roots": [[str(root.path), list(root.languages), root.default] for root in source.content_roots],
        "sections": [[str(path), str(root.path)] for path, root in source.sections],
        "languages": sorted(source.site.languages),
        "site": str(source.site.root or ""),
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()[:24]
