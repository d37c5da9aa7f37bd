"""A talk page's content: its Markdown with shortcodes expanded, refused when it nests too deep."""

from __future__ import annotations

import re

from talkfeed.clean import clean_text
from talkfeed.errors import PageError
from talkfeed.read.notes import Notes
from talkfeed.read.parsing import FrontMatter
from talkfeed.read.shortcodes import expand_shortcodes

MAX_NESTING = 100
"""How deep a page's content may nest; the HTML sanitizer's time grows with the square of it."""
_QUOTE_OR_INDENT = re.compile(r"[ \t>]*")
_LINE_LEAD = re.compile(r"^[ \t>]+", re.MULTILINE)
_OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
"""Where ``str.splitlines`` ends a line besides a line feed."""
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
_NOT_NESTING = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    | {"p", "li", "dt", "dd", "tr", "td", "th", "option", "tbody", "thead"}
)
"""Void elements, and elements HTML closes by itself, which are often written unclosed."""


def read_body(matter: FrontMatter, notes: Notes) -> str:
    """The page's Markdown, shortcodes expanded; raises ``PageError`` when it nests too deep."""
    depth = nesting_depth(matter.body)
    if depth > MAX_NESTING:
        raise PageError(
            f"the content nests {depth} levels deep (quotes, lists or HTML elements); "
            f"talkfeed renders up to {MAX_NESTING} (flatten it)",
            matter.body_line,
        )
    expansion = expand_shortcodes(clean_text(matter.body), matter.body_line)
    for line, message in expansion.warnings:
        notes.warn(message, line)
    return expansion.text


def nesting_depth(markdown: str) -> int:
    """Bound how deep Markdown nests: quote markers and indentation per line, and raw HTML tags."""
    deepest = 0
    # Each line's leading quote markers and indentation; most lines have none.
    if _OTHER_LINE_BREAKS.search(markdown) is None:
        leads = (lead.group() for lead in _LINE_LEAD.finditer(markdown))
    else:
        leads = (lead.group() for line in markdown.splitlines() if (lead := _QUOTE_OR_INDENT.match(line)))
    for marks in leads:
        deepest = max(deepest, marks.count(">") + len(marks.expandtabs(4).replace(">", "")) // 2)
    depth = 0
    for match in _TAG.finditer(markdown):
        closing, name, self_closing = match.groups()
        if name.lower() in _NOT_NESTING or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest
