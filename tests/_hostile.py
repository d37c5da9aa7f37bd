"""Talk pages built to cost the square of their size if any step of reading and rendering them
did: shared by ``test_bounds`` (memory, measured exactly) and ``bench/hostile.py`` (time)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from talkfeed.model import PartSettings
from talkfeed.pieces.render import render_pieces
from talkfeed.read.discover import PageFile
from talkfeed.read.page import ReadContext, read_page

MIB = 1 << 20
HOSTILE = {
    "emphasis": ("", "*a* ", 48),
    "ampersands": ("", "a & ", 48),
    "raw-html-references": ("<div>\n", "&x;&copy=", 128),
    "open-shortcodes": ("", "{{< a >}}", 64),
    "unclosed-shortcodes": ("", "{{< a ", 64),
    "stray-shortcode-openers": ("", "{{<", 64),
    "links": ("", "[a](b) ", 48),
    "hard-line-breaks": ("", "a  \n", 48),
}
"""Bodies that once cost time in the square of their size, or might: an opening, then one unit
repeated; and the size in KiB at which the square shows against everything else a page costs."""
CONTEXT = ReadContext(zone=UTC, default_language="en", max_page_bytes=64 * MIB)
SETTINGS = PartSettings("https://example.org/")


def read_and_render(folder: Path, text: str) -> None:
    """Read ``text`` as a talk page in ``folder`` and render its parts of every format."""
    path = folder / "index.md"
    path.write_text(text, encoding="utf-8")
    result = read_page(PageFile(path, "index.md", ("talk", "x"), "en", None, str(path)), CONTEXT)
    assert result.talk is not None, result.findings
    render_pieces(result.talk, SETTINGS)


def page_of(body: tuple[str, str, int], size: int) -> str:
    """A page of about ``size`` bytes: front matter, the body's opening, its unit repeated."""
    opening, unit, _ = body
    head = f"---\ntitle: Hostile\npublishDate: 2024-01-01\n---\n{opening}"
    return head + unit * max((size - len(head)) // len(unit), 1)
