"""The files a talk page publishes with it: its bundle's files, its featured or header image.

Every file is looked for inside the site (links followed only as far as its root) and
described (size, media type, an image's dimensions); each file looked at is noted, for the
result depends on it being there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from talkfeed.errors import Finding, PageError, Severity, finding_order
from talkfeed.model import FileInfo, Link
from talkfeed.read.discover import PageFile
from talkfeed.read.media import image_size, media_type
from talkfeed.read.notes import Notes
from talkfeed.read.paths import cannot_read, file_inside, is_plain_name, read_regular

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".svg")
_MISSING_HEADER_IMAGE = (
    'header image "{name}" is not in static/img/ (nor a theme\'s); the feeds carry no image for it'
)
"""A file of the site, not of the page: many pages of one theme name the same one."""


class PageFiles:
    """Find the files of one page: in its bundle, or the site's ``static/img`` folders."""

    def __init__(
        self, page: PageFile, site_root: Path | None, static_dirs: tuple[str, ...], notes: Notes
    ) -> None:
        self.page = page
        self.site_root = site_root
        self.static_dirs = static_dirs
        self.notes = notes

    def image(self, image: Any, header: Any, line: Callable[[str], int | None]) -> FileInfo | None:
        """The talk's image: ``image.filename`` in the bundle, else its ``featured.*`` file, else
        ``header.image`` in ``static/img``. ``image`` and ``header`` are the front matter's values."""
        named = image.get("filename") if isinstance(image, dict) else None
        if isinstance(named, str) and named.strip():
            found = self.bundle_file(named.strip())
            if found is None:
                self.notes.warn(
                    f'featured image "{named.strip()}" is not in the page bundle; '
                    "the feeds carry no image for it",
                    line("filename"),
                )
            return found
        if self.page.bundle is not None:
            for candidate in sorted(self.page.bundle.glob("featured.*"), key=lambda path: path.name):
                if candidate.suffix.lower() in _IMAGE_SUFFIXES:
                    return self.bundle_file(candidate.name)
        named = header.get("image") if isinstance(header, dict) else None
        if isinstance(named, str) and named.strip():
            return self._static_image(named.strip(), line("image"))
        return None

    def with_file(self, link: Link) -> Link:
        """A link to a file of the bundle (``slides.pdf``), with that file described."""
        if urlsplit(link.url).scheme or link.url.startswith(("/", "#")):
            return link
        found = self.bundle_file(link.url.split("#")[0].split("?")[0])
        return Link(link.label, link.url, link.kind, found) if found else link

    def slides_page(self, name: str) -> Path | None:
        """The page ``slides/<name>`` of the talk's content folder in the talk's language, as
        Hugo's ``site.GetPage`` finds the deck a ``slides:`` key names: a bundle's ``index`` (or
        ``_index``), else ``<name>.md``, each first with the language in its name (``index.fr.md``);
        one without is in the talk's language where the talk's own file name names none."""
        root = self._content_root()
        if root is None or not is_plain_name(name) or "/" in name:
            return None
        lang = self.page.lang
        own_suffix = self.page.path.name.count(".") >= 2 and self.page.path.suffixes[-2] == f".{lang}"
        shapes = ((f"{name}/index", ".md"), (f"{name}/_index", ".md"), (name, ".md"))
        candidates = [f"{stem}.{lang}{suffix}" for stem, suffix in shapes]
        candidates += [] if own_suffix else [stem + suffix for stem, suffix in shapes]
        folder = root / "slides"
        for candidate in candidates:
            self.notes.looked_at.append(str(folder / unquote(candidate)))
            path = file_inside(folder, candidate, self._boundary())
            if path is not None:
                return path
        return None

    def _content_root(self) -> Path | None:
        """The content folder (a language's, where it has one) the page lies in."""
        place = self.page.bundle if self.page.bundle is not None else self.page.path.parent
        steps = len(self.page.parts) - (1 if self.page.bundle is None else 0)
        for _ in range(steps):
            place = place.parent
        return place if steps >= 0 else None

    def bundle_file(self, name: str) -> FileInfo | None:
        """A file of the page's bundle, by its plain name; ``None`` when it is not there."""
        if self.page.bundle is None or not is_plain_name(name):
            return None
        self.notes.looked_at.append(str(self.page.bundle / unquote(name)))
        path = file_inside(self.page.bundle, name, self._boundary())
        return file_info(path, name) if path is not None else None

    def _boundary(self) -> Path:
        return self.site_root or (self.page.bundle or self.page.path).parent

    def _static_image(self, name: str, line: int | None) -> FileInfo | None:
        root = self.site_root
        if root is None or not is_plain_name(name):
            return None
        for folder in self.static_dirs:
            self.notes.looked_at.append(str(root / folder / "img" / unquote(name)))
            path = file_inside(root / folder / "img", name, root)
            if path is not None:
                return file_info(path, f"img/{name}", in_site_root=True)
        self.notes.warn(_MISSING_HEADER_IMAGE.format(name=name), line)
        return None


def file_info(path: Path, url_path: str, in_site_root: bool = False) -> FileInfo:
    """Describe a file published with a talk; raises ``PageError`` when it cannot be read."""
    kind = media_type(path.name)
    dimensions = None
    try:
        if kind.startswith("image/"):
            dimensions = image_size(read_regular(path, 65535))
        size = path.stat().st_size
    except OSError as error:
        raise PageError(f"{url_path}: {cannot_read(error)}") from None
    return FileInfo(url_path, size, kind, in_site_root, dimensions)


def once_per_site_file(findings: list[Finding]) -> list[Finding]:
    """Say each problem with one file of the site once, on the first page (in finding order)
    that names it, counting the others: a theme's missing header image is one problem."""
    pattern = re.compile(re.escape(_MISSING_HEADER_IMAGE).replace(re.escape("{name}"), '[^"]*') + "$")
    same: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=finding_order):
        if finding.severity is Severity.WARNING and pattern.match(finding.message):
            same.setdefault(finding.message, []).append(finding)
    kept: list[Finding] = []
    for finding in findings:
        group = same.get(finding.message)
        if group is None or len(group) == 1:
            kept.append(finding)
        elif finding is group[0]:
            others = len(group) - 1
            note = f" (also named by {others} other page{'s' if others > 1 else ''})"
            kept.append(replace(finding, message=finding.message + note))
    return kept
