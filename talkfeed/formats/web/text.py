"""Turn sanitized HTML into the plain text a person reads: inline elements joined as the text
reads, block elements apart, entities decoded, whitespace folded."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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
    """Give the text of an HTML fragment: paragraphs apart by a blank line, lines by a break."""
    reader = _TextReader()
    reader.feed(fragment)
    reader.close()
    return reader.text()


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, list[str]]] = [("", [])]
        """Each block: the break before it ("\\n\\n" or "\\n"), and its pieces of text."""
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, opening=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, opening=True)
        self._element(tag, opening=False)

    def handle_endtag(self, tag: str) -> None:
        self._element(tag, opening=False)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.blocks[-1][1].append(data)

    def _element(self, tag: str, opening: bool) -> None:
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


def event_text(fragment: str, one_line: bool) -> str:
    """Give the text of an event's sanitized HTML with each link's address after its text.

    A list's items are lines (``one_line``: joined by "; "); any other break is a space, so
    ``<b>ML Day</b><br>Workshop`` reads "ML Day Workshop".
    """
    reader = _EventReader()
    reader.feed(fragment)
    reader.close()
    items = [_SPACE.sub(" ", "".join(pieces)).strip() for pieces in reader.items]
    return clean_text(("; " if one_line else "\n").join(item for item in items if item))


class _EventReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[list[str]] = [[]]
        self.links: list[tuple[str, int]] = []
        """Each open link: its address, and where its text begins in the current item."""
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "li":
            self.items.append([])
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.items[-1])))
        elif tag in _PARAGRAPHS or tag in _LINES:
            self.items[-1].append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
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

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.items[-1].append(data)
