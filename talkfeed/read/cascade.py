"""Apply Hugo's ``cascade``: front matter that section pages and the config hand down to pages.

A section page (``_index.md``) or the site config may set ``cascade`` (a map, or a list of
maps each with an optional ``target``/``_target`` of ``path``, ``kind``, ``lang`` and
``environment`` globs). Its keys apply to every page below it that does not set them itself;
the nearest section wins. A section page's cascade reaches only pages of its own language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talkfeed.errors import Finding, NoFrontMatterError, PageError, Severity, UnreadableFileError
from talkfeed.read.config import cascade_entries
from talkfeed.read.discover import SectionIndex
from talkfeed.read.parsing import read_page_text
from talkfeed.read.permalinks import glob_pattern, logical_path

_TARGET_KEYS = ("target", "_target")


@dataclass(frozen=True)
class Cascade:
    """One cascade entry, where it was declared and what it applies to."""

    folder: tuple[str, ...]
    """The section folders it was declared in; empty for the content root and the config."""
    lang: str | None
    """The language of the section page that declared it; ``None`` (the config) for all."""
    values: Mapping[str, Any]
    target: Mapping[str, str]

    def applies_to(self, parts: Sequence[str], path: str, lang: str) -> bool:
        """Tell whether it reaches a page in section folders ``parts``, at ``path``, in ``lang``."""
        if self.lang is not None and self.lang != lang:
            return False
        if tuple(parts[: len(self.folder)]) != self.folder:
            return False
        wanted = {"path": path, "kind": "page", "lang": lang, "environment": "production"}
        return all(
            glob_pattern(pattern.lower()).fullmatch(wanted[key]) is not None
            for key, pattern in self.target.items()
            if key in wanted
        )


def read_cascades(
    indexes: Iterable[SectionIndex],
    config_cascade: Iterable[Mapping[str, Any]],
    name_of: Callable[[Path], str],
) -> tuple[tuple[Cascade, ...], list[Finding]]:
    """Read the ``cascade`` of every section page, nearest first, then the config's entries
    (``Site.cascade``, already read by ``cascade_entries``)."""
    found: list[Cascade] = []
    findings: list[Finding] = []
    for index in sorted(indexes, key=lambda index: (-len(index.parts), str(index.path))):
        try:
            values = read_page_text(index.path).matter.values
        except NoFrontMatterError:
            # Hugo reads such a section page as content: it has no cascade, and nothing is wrong.
            continue
        except PageError as error:
            # Its cascade may leave talks out or change their links: one out of reach is an error.
            severity = Severity.ERROR if isinstance(error, UnreadableFileError) else Severity.WARNING
            findings.append(
                Finding(name_of(index.path), error.line, severity, f"section page not read: {error.message}")
            )
            continue
        cascade = {str(key).lower(): value for key, value in values.items()}.get("cascade")
        found += [_entry(item, index.parts, index.lang) for item in cascade_entries(cascade)]
    found += [_entry(item, (), None) for item in config_cascade]
    return tuple(found), findings


def _entry(item: Mapping[str, Any], folder: tuple[str, ...], lang: str | None) -> Cascade:
    values = {str(key).lower(): value for key, value in item.items() if str(key).lower() not in _TARGET_KEYS}
    target: dict[str, str] = {}
    for key in _TARGET_KEYS:
        written = {str(k).lower(): v for k, v in item.items()}.get(key)
        if isinstance(written, Mapping):
            target.update({str(k).lower(): str(v) for k, v in written.items() if isinstance(v, str)})
    return Cascade(folder, lang, values, target)


def renders_section(cascades: Iterable[Cascade], section: Sequence[str], lang: str) -> bool:
    """Tell whether Hugo gives a section a list page: a cascade declared on it or above it
    with ``build: {render: never}`` reaches the section page itself too."""
    for cascade in cascades:
        if cascade.lang not in (None, lang) or tuple(section[: len(cascade.folder)]) != cascade.folder:
            continue
        build = cascade.values.get("build", cascade.values.get("_build"))
        if isinstance(build, Mapping):
            render = {str(key).lower(): value for key, value in build.items()}.get("render")
            if render is False or str(render).lower() == "never":
                return False
    return True


def cascaded(cascades: Iterable[Cascade], parts: Sequence[str], file_name: str, lang: str) -> dict[str, Any]:
    """The keys cascades give one page (nearest first); its own front matter still wins."""
    path = logical_path(parts, file_name)
    values: dict[str, Any] = {}
    for cascade in cascades:
        if cascade.applies_to(parts, path, lang):
            for key, value in cascade.values.items():
                values.setdefault(key, value)
    return values
