"""Turn sanitized HTML into the plain text a person reads: inline elements joined as the text
reads, block elements apart, entities decoded, whitespace folded."""

from __future__ import annotations

import html
import re

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
    position = 0
    for tag in _TAG.finditer(fragment):
        if tag.start() > position:
            reader.data(html.unescape(fragment[position : tag.start()]))
        name = tag["name"].lower()
        if tag["closing"]:
            reader.element(name, opening=False)
        else:
            reader.element(name, opening=True)
            if tag.group().endswith("/>"):
                reader.element(name, opening=False)
        position = tag.end()
    if position < len(fragment):
        reader.data(html.unescape(fragment[position:]))
    return reader.text()


_TAG = re.compile(r"""<(?P<closing>/?)(?P<name>[a-zA-Z][^\t\n\r\f />\x00]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")


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
