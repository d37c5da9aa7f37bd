"""Find the files of a site that are talk pages, and where each one sits."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from talkfeed.errors import Finding, Severity
from talkfeed.site import SECTION_NAMES, Source

PAGE_SUFFIXES = (".md", ".markdown")
_RMARKDOWN_SUFFIXES = (".rmd", ".rmarkdown")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?", re.IGNORECASE)
_BUNDLE_INDEX = re.compile(r"index(?:\.(?P<lang>[^.]+))?\.(?:md|markdown|html?)", re.IGNORECASE)


@dataclass(frozen=True)
class PageFile:
    """A file to read as a talk page, with what its place in the site tells."""

    path: Path
    name: str
    """Its path as findings print it."""
    parts: tuple[str, ...]
    """Its path below the content root (less a language folder), ending in its slug."""
    lang: str | None
    """Its language, where its file name or folder says one."""
    bundle: Path | None
    """Its leaf bundle's folder; ``None`` for a single-file page."""


def find_pages(source: Source) -> tuple[list[PageFile], list[Finding]]:
    """List the talk pages below SOURCE, in a stable order, with warnings for what is skipped."""
    findings: list[Finding] = []
    if source.single_page is not None:
        page = _page_file(source, source.single_page, _bundle_of(source.single_page))
        return [page], findings
    pages: list[PageFile] = []
    for section in source.sections:
        pages.extend(_walk_section(source, section, findings))
    return pages, findings


def _bundle_of(path: Path) -> Path | None:
    return path.parent if _BUNDLE_INDEX.fullmatch(path.name) else None


def _walk_section(source: Source, section: Path, findings: list[Finding]) -> list[PageFile]:
    # Plain strings and os functions here: pathlib costs more than the walk on large sites.
    pages: list[PageFile] = []
    boundary = (source.site.root or source.given).resolve()
    top = str(section)
    parts_of = functools.cache(lambda folder: _content_parts(source, Path(folder)))
    for folder, subfolders, files in os.walk(top, followlinks=False):
        subfolders.sort()
        for name in [name for name in subfolders if os.path.islink(os.path.join(folder, name))]:
            subfolders.remove(name)
            findings.append(_skipped(source, Path(folder, name), "is a link to a folder; not followed"))
        indexes = sorted(name for name in files if _is_bundle_index(folder, name))
        if indexes and folder != top:
            parent, slug = os.path.split(folder)
            bundle = Path(folder)
            pages.extend(_page(source, bundle / name, parts_of(parent), slug, bundle) for name in indexes)
            subfolders.clear()
            continue
        for name in sorted(files):
            path = Path(folder, name)
            if not name.lower().endswith(PAGE_SUFFIXES) or name.startswith("_index"):
                _note_rmarkdown(source, path, files, findings)
                continue
            if os.path.islink(path) and not _inside(path, boundary):
                findings.append(_skipped(source, path, "links outside the site; not followed"))
                continue
            pages.append(_page(source, path, parts_of(folder), None, None))
    return pages


def _is_bundle_index(folder: str, name: str) -> bool:
    if not name.startswith("index") or _BUNDLE_INDEX.fullmatch(name) is None:
        return False
    if name.lower().endswith((".html", ".htm")):
        return _starts_with_front_matter(Path(folder, name))
    return True


def _starts_with_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(8).lstrip(b"\xef\xbb\xbf")
    except OSError:
        return False
    return head.startswith((b"---", b"+++", b"{"))


def _note_rmarkdown(source: Source, path: Path, siblings: list[str], findings: list[Finding]) -> None:
    if path.suffix.lower() not in _RMARKDOWN_SUFFIXES:
        return
    rendered = {f"{path.stem}.html", f"{path.stem}.md", f"{path.stem}.markdown"}
    if not rendered.intersection(siblings):
        findings.append(
            _skipped(
                source,
                path,
                "R Markdown source with no rendered .html beside it (render the site with blogdown first)",
            )
        )


def _page_file(source: Source, path: Path, bundle: Path | None) -> PageFile:
    folder = bundle.parent if bundle is not None else path.parent
    return _page(source, path, _content_parts(source, folder), bundle.name if bundle else None, bundle)


def _page(
    source: Source,
    path: Path,
    folder_parts: tuple[tuple[str, ...], str | None],
    slug: str | None,
    bundle: Path | None,
) -> PageFile:
    """Describe a page from its folder's place below the content root and its own name."""
    parts, folder_lang = folder_parts
    stem_lang = _suffix_language(source, path.name)
    return PageFile(
        path=path,
        name=source.relative(path),
        parts=(*parts, slug or _strip_language(path.stem, stem_lang)),
        lang=stem_lang or folder_lang,
        bundle=bundle,
    )


def _suffix_language(source: Source, name: str) -> str | None:
    pieces = name.split(".")
    if len(pieces) < 3:
        return None
    candidate = pieces[-2]
    known = source.site.languages
    if candidate in known or (not known and _LANGUAGE_CODE.fullmatch(candidate)):
        return candidate
    return None


def _strip_language(stem: str, lang: str | None) -> str:
    return stem[: -len(lang) - 1] if lang and stem.endswith(f".{lang}") else stem


def _content_parts(source: Source, folder: Path) -> tuple[tuple[str, ...], str | None]:
    if source.content_root is None:
        return (folder.name,), None
    try:
        parts = folder.relative_to(source.content_root).parts
    except ValueError:
        return (folder.name,), None
    if parts and _is_language_folder(source, parts[0]):
        return tuple(parts[1:]), parts[0]
    return tuple(parts), None


def _is_language_folder(source: Source, name: str) -> bool:
    if name in SECTION_NAMES:
        return False
    return name in source.site.languages or bool(_LANGUAGE_CODE.fullmatch(name))


def _inside(path: Path, boundary: Path) -> bool:
    try:
        path.resolve().relative_to(boundary)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _skipped(source: Source, path: Path, why: str) -> Finding:
    return Finding(source.relative(path), None, Severity.WARNING, why)
