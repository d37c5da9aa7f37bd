"""Turn sanitized HTML into the plain text a person reads: inline elements joined as the text
reads, block elements apart, entities decoded, whitespace folded."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from talkfeed.clean import clean_text

_PARAGRAPHS = frozenset(
    {
        "p", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table",
        "section", "article", "header", "footer", "figure", "figcaption", "hr", "details", "summary",
    }
)  # fmt: skip
_LINES = frozenset({"br", "li", "tr", "dt", "dd", "caption"})
_SKIPPED = frozenset({"script", "style", "template"})
_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def html_text(fragment: str) -> str:
    """Give the text of sanitized HTML: paragraphs apart by a blank line, lines by a break.

    The fragment is nh3's output: every ``<`` in it opens a tag (text holds ``&lt;``), and
    attribute values are quoted. Its tags are found by one regular expression, as
    ``html.parser`` finds them and at a small part of its cost, which grows with every tag
    (``tests/test_bounds.py`` compares the two).
    """
    reader = _TextReader()
    for name, written, text, _ in _walk(fragment):
        if name is None:
            reader.data(text)
        else:
            reader.element(name, opening=written is not None)
    return reader.text()


_TAG = re.compile(r"""<(?P<closing>/?)(?P<name>[a-zA-Z][^\t\n\r\f />\x00]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")


def _walk(fragment: str) -> Iterator[tuple[str | None, str | None, str, int]]:
    """Give the fragment in order as ``(None, None, text, end)`` for text (entities decoded),
    ``(tag, written, "", end)`` for a start tag as written, ``(tag, None, "", end)`` for an end
    tag, ``end`` where each stops in the fragment; a self-closing tag gives its start and its end."""
    position = 0
    for tag in _TAG.finditer(fragment):
        if tag.start() > position:
            yield None, None, html.unescape(fragment[position : tag.start()]), tag.start()
        name = tag["name"].lower()
        if not tag["closing"]:
            yield name, tag.group(), "", tag.end()
        if tag["closing"] or tag.group().endswith("/>"):
            yield name, None, "", tag.end()
        position = tag.end()
    if position < len(fragment):
        yield None, None, html.unescape(fragment[position:]), len(fragment)


class _TextReader:
    def __init__(self) -> None:
        self.blocks: list[tuple[str, list[str]]] = [("", [])]
        """Each block: the break before it ("\\n\\n" or "\\n"), and its pieces of text."""
        self.skipping = 0

    def data(self, data: str) -> None:
        if not self.skipping:
            self.blocks[-1][1].append(data)

    def element(self, tag: str, opening: bool) -> None:
        if tag in _SKIPPED:
            self.skipping = max(self.skipping + (1 if opening else -1), 0)
        elif tag in _PARAGRAPHS:
            self._break("\n\n")
        elif tag in _LINES and (opening or tag == "br"):
            self._break("\n")

    def _break(self, kind: str) -> None:
        previous, pieces = self.blocks[-1]
        if not "".join(pieces).strip():
            # No text since the last break: keep the stronger of the two.
            self.blocks[-1] = ("\n\n" if "\n\n" in (previous, kind) else kind, [])
            return
        self.blocks.append((kind, []))

    def text(self) -> str:
        out: list[str] = []
        for kind, pieces in self.blocks:
            line = _SPACE.sub(" ", "".join(pieces)).strip()
            if line:
                out.append((kind if out else "") + line)
        return clean_text("".join(out))


SUMMARY_WORDS = 70
"""Hugo's ``summaryLength``: how many words its automatic summary holds at least."""
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


def leading_blocks(fragment: str, words: int = SUMMARY_WORDS) -> str:
    """Give the first top-level blocks of sanitized HTML that hold at least ``words`` words (all
    of it when it holds fewer), as Hugo makes a page's automatic summary: whole blocks, never
    a paragraph cut short."""
    depth = counted = 0
    for name, written, text, end in _walk(fragment):
        if name is None:
            counted += len(text.split())
            continue
        if name in _VOID:
            if written is None:
                continue  # a self-closing void tag's end: its start was the element
        elif written is not None:
            depth += 1
            continue
        else:
            depth = max(depth - 1, 0)
        if depth == 0 and counted >= words:
            return fragment[:end]
    return fragment


def event_text(fragment: str, one_line: bool) -> str:
    """Give the text of an event's sanitized HTML with each link's address after its text.

    A list's items are lines (``one_line``: joined by "; "); any other break is a space, so
    ``<b>ML Day</b><br>Workshop`` reads "ML Day Workshop".
    """
    reader = _EventReader()
    for name, written, text, _ in _walk(fragment):
        if name is None:
            reader.data(text)
        elif written is not None:
            reader.start(name, written)
        else:
            reader.end(name)
    items = [_SPACE.sub(" ", "".join(pieces)).strip() for pieces in reader.items]
    return clean_text(("; " if one_line else "\n").join(item for item in items if item))


_ATTRIBUTE = re.compile(r"""\s+([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
"""One attribute of a tag, read in turn from its name on: a quoted value is taken whole, so an
``href=`` inside another attribute's value is never read as the link's address."""


def _href(written: str) -> str:
    """The ``href`` of a tag as written (``<a class="x" href="…">``), entities decoded."""
    start = _TAG_NAME.match(written)
    position = start.end() if start else len(written)
    while (attribute := _ATTRIBUTE.match(written, position)) is not None:
        if attribute[1].lower() == "href":
            value = next((part for part in attribute.groups()[1:] if part is not None), "")
            return html.unescape(value)
        position = attribute.end()
    return ""


_TAG_NAME = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*")


class _EventReader:
    def __init__(self) -> None:
        self.items: list[list[str]] = [[]]
        self.links: list[tuple[str, int]] = []
        """Each open link: its address, and where its text begins in the current item."""
        self.skipping = 0

    def start(self, tag: str, written: str) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "li":
            self.items.append([])
        elif tag == "a":
            self.links.append((_href(written), len(self.items[-1])))
        elif tag in _PARAGRAPHS or tag in _LINES:
            self.items[-1].append(" ")

    def end(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag == "li":
            self.items.append([])
        elif tag == "a" and self.links:
            href, begins = self.links.pop()
            text = " ".join("".join(self.items[-1][begins:]).split())
            if href and text and text.rstrip("/") != href.rstrip("/").split("://")[-1] and text != href:
                self.items[-1].append(f" ({href})")
        elif tag in _PARAGRAPHS:
            self.items[-1].append(" ")

    def data(self, data: str) -> None:
        if not self.skipping:
            self.items[-1].append(data)
