"""Find the files of a site that are talk pages, and where each one sits."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from talkfeed.errors import Finding, Severity
from talkfeed.read.paths import cannot_list, outside_reason, read_regular
from talkfeed.read.site import ContentRoot, Source
from talkfeed.store.state import state_of

PAGE_SUFFIXES = (".md", ".markdown")
_RMARKDOWN_SUFFIXES = (".rmd", ".rmarkdown")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?", re.IGNORECASE)
_SECTION_INDEX = re.compile(r"_index(?:\.(?P<lang>[^.]+))?\.(?:md|markdown|html?)", re.IGNORECASE)
_BUNDLE_INDEX = re.compile(r"index(?:\.(?P<lang>[^.]+))?\.(?:md|markdown|html?)", re.IGNORECASE)


@dataclass(frozen=True)
class PageFile:
    """A file to read as a talk page, with what its place in the site tells."""

    path: Path
    name: str
    """Its path as findings print it."""
    parts: tuple[str, ...]
    """Its path below the content root (less a language folder), ending in its slug."""
    lang: str
    """Its language: its file name's, else its content folder's."""
    bundle: Path | None
    """Its leaf bundle's folder; ``None`` for a single-file page."""
    key: str
    """What tells it from every other page of the run: its file, and its language where two
    content roots mount one folder (the same file is then a page in each language)."""


@dataclass(frozen=True)
class SectionIndex:
    """A section's own page (``_index.md``): where it is, its folders and its language."""

    path: Path
    parts: tuple[str, ...]
    lang: str
    """Its language: its file name's, else its content folder's."""


@dataclass
class Watched:
    """What a listing of pages depends on, each state taken before it was looked at: while none
    changes, neither can the listing."""

    folders: dict[str, str] = field(default_factory=dict)
    """Every folder listed, with its state (``state_of``)."""
    files: dict[str, str] = field(default_factory=dict)
    """Every file whose content or target decided something (a link, an ``index.html`` whose
    first bytes tell whether it is a page), with its state."""


def find_pages(
    source: Source, watched: Watched | None = None
) -> tuple[list[PageFile], list[Finding], list[SectionIndex]]:
    """List the talk pages below SOURCE in a stable order, warnings for what is skipped,
    and the section pages above them (whose ``cascade`` applies to them).

    A folder that cannot be listed is an error finding named by the folder and a slash: the
    talks in it are not read, and a run must not pass over them in silence.
    ``watched``, when given, gets what the listing depends on.
    """
    findings: list[Finding] = []
    indexes: list[SectionIndex] = []
    seen = watched if watched is not None else Watched()
    if source.single_page is not None:
        page = _page_file(source, source.single_page, _bundle_of(source.single_page))
        indexes = _indexes_above(source, source.single_page, seen, findings)
        return [page], _unique(findings), indexes
    pages: list[PageFile] = []
    for section, content in source.sections:
        seen.folders[str(section.parent)] = state_of(str(section.parent))
        if os.path.islink(section):
            findings.append(_skipped(source, section, "is a link to a folder; not followed"))
            continue
        pages.extend(_walk_section(source, section, content, findings, indexes, seen))
        indexes += _indexes_above(source, section, seen, findings)
    return pages, _unique(findings), sorted(set(indexes), key=lambda index: index.path)


def _unique(findings: list[Finding]) -> list[Finding]:
    """Each finding once: a folder that cannot be listed is met by the walk and again above a page."""
    return list(dict.fromkeys(findings))


def _indexes_above(source: Source, path: Path, seen: Watched, findings: list[Finding]) -> list[SectionIndex]:
    """The section pages of the folders between the content root and ``path``."""
    content = source.root_of(path)
    if content is None:
        return []
    found = []
    folder = path if os.path.isdir(path) else path.parent
    while folder == content.path or content.path in folder.parents:
        seen.folders[str(folder)] = state_of(str(folder))
        try:
            names = os.listdir(folder)
        except OSError as error:
            findings.append(_unlisted(source, str(folder), error))
            names = []
        found += _section_indexes(source, content, str(folder), names)
        folder = folder.parent
    return found


def _section_indexes(
    source: Source, content: ContentRoot, folder: str, files: list[str]
) -> list[SectionIndex]:
    found = []
    for name in sorted(files):
        match = _SECTION_INDEX.fullmatch(name)
        if match is None or os.path.islink(os.path.join(folder, name)):
            continue
        lang = match["lang"] or content.default
        if lang not in source.site.languages:
            continue
        parts = Path(folder).relative_to(content.path).parts
        found.append(SectionIndex(Path(folder, name), parts, lang))
    return found


def _bundle_of(path: Path) -> Path | None:
    return path.parent if _BUNDLE_INDEX.fullmatch(path.name) else None


def _walk_section(
    source: Source,
    section: Path,
    content: ContentRoot,
    findings: list[Finding],
    indexes: list[SectionIndex],
    seen: Watched,
) -> list[PageFile]:
    # Plain strings and scandir here: pathlib and extra lstat calls cost more than the walk.
    pages: list[PageFile] = []
    boundary = (source.site.root or source.given).resolve()
    top = str(section)
    parts_of = functools.cache(lambda folder: _content_parts(content, Path(folder)))
    shared = _shared(source, content)
    pending = [top]
    while pending:
        folder = pending.pop()
        seen.folders[folder] = state_of(folder)
        try:
            subfolders, files, links = _listing(folder)
        except OSError as error:
            findings.append(_unlisted(source, folder, error))
            continue
        for name in links:
            # Where a link leads (a page, a folder, out of the site, nowhere) decides what it is.
            seen.files[os.path.join(folder, name)] = state_of(os.path.join(folder, name))
        for name in files:
            if name.startswith("index") and name.lower().endswith((".html", ".htm")):
                seen.files[os.path.join(folder, name)] = state_of(os.path.join(folder, name))
        indexes += _section_indexes(source, content, folder, files)
        for name in sorted(links & set(subfolders)):
            findings.append(_skipped(source, Path(folder, name), "is a link to a folder; not followed"))
        bundle_pages = sorted(name for name in files if _is_bundle_index(folder, name))
        if bundle_pages and folder != top:
            parent, slug = os.path.split(folder)
            for name in bundle_pages:
                path = Path(f"{folder}/{name}")
                if name in links and _refused(source, path, boundary, findings):
                    continue
                pages.append(_page(source, content, path, parts_of(parent), slug, path.parent, shared))
            continue
        for name in sorted(files):
            path = Path(folder, name)
            if not name.lower().endswith(PAGE_SUFFIXES) or name.startswith("_index"):
                _note_rmarkdown(source, path, files, findings)
                continue
            if name in links and _refused(source, path, boundary, findings):
                continue
            pages.append(_page(source, content, path, parts_of(folder), None, None, shared))
        # Depth first, in name order: the same order as a sorted os.walk.
        pending += [
            os.path.join(folder, name) for name in sorted(subfolders, reverse=True) if name not in links
        ]
    return pages


def _listing(folder: str) -> tuple[list[str], list[str], set[str]]:
    """A folder's subfolders and files (links to either included), and which names are links.

    Raises ``OSError`` when the folder cannot be listed.
    """
    subfolders: list[str] = []
    files: list[str] = []
    links: set[str] = set()
    with os.scandir(folder) as listing:
        entries = list(listing)
    for entry in entries:
        if entry.is_symlink():
            links.add(entry.name)
        try:
            (subfolders if entry.is_dir() else files).append(entry.name)
        except OSError:
            files.append(entry.name)
    return subfolders, files, links


def _is_bundle_index(folder: str, name: str) -> bool:
    if not name.startswith("index") or _BUNDLE_INDEX.fullmatch(name) is None:
        return False
    if name.lower().endswith((".html", ".htm")):
        return _starts_with_front_matter(Path(folder, name))
    return True


def _starts_with_front_matter(path: Path) -> bool:
    try:
        head = read_regular(path, 4096).lstrip(b"\xef\xbb\xbf")
    except OSError:
        return False
    # Hugo passes over blank lines, spaces and tabs before the front matter.
    return head.lstrip(b" \t\r\n").startswith((b"---", b"+++", b"{"))


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
    content = source.root_of(folder) or ContentRoot(folder, (), source.site.default_language)
    parts = _content_parts(content, folder)
    return _page(
        source, content, path, parts, bundle.name if bundle else None, bundle, _shared(source, content)
    )


def _shared(source: Source, content: ContentRoot) -> bool:
    """Say whether another content root mounts the same folder (its pages are then one per language)."""
    return sum(root.path == content.path for root in source.content_roots) > 1


def _page(
    source: Source,
    content: ContentRoot,
    path: Path,
    parts: tuple[str, ...],
    slug: str | None,
    bundle: Path | None,
    shared: bool,
) -> PageFile:
    """Describe a page from its folder's place below the content root and its own name."""
    stem_lang = _suffix_language(source, path.name)
    lang = stem_lang or content.default
    name = source.relative(path)
    return PageFile(
        path=path,
        name=f"{name} ({lang})" if shared else name,
        parts=(*parts, slug or _strip_language(path.stem, stem_lang)),
        lang=lang,
        bundle=bundle,
        key=f"{path}#{lang}" if shared else str(path),
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


def _content_parts(content: ContentRoot, folder: Path) -> tuple[str, ...]:
    try:
        return folder.relative_to(content.path).parts
    except ValueError:
        return (folder.name,)


def _refused(source: Source, path: Path, boundary: Path, findings: list[Finding]) -> bool:
    """Skip, with a warning, a page that is a link out of the site or a link loop."""
    if not os.path.islink(path):
        return False
    reason = outside_reason(path, boundary)
    if reason is not None:
        findings.append(_skipped(source, path, reason))
    return reason is not None


def _skipped(source: Source, path: Path, why: str) -> Finding:
    return Finding(source.relative(path), None, Severity.WARNING, why)


def _unlisted(source: Source, folder: str, error: OSError) -> Finding:
    """An error on a folder that cannot be listed, named as a folder (ending in a slash)."""
    name = source.relative(Path(folder)).rstrip("/") + "/"
    return Finding(name, None, Severity.ERROR, cannot_list(error))
