"""Everything HTML: each talk's content for the feeds, and the Markdown beneath it.

The one package that imports jinja2, the Markdown renderer and the sanitizer.
"""

from talkfeed.formats.web.item import Enclosure, Item, describe_when, facts_line, render_item
from talkfeed.formats.web.markup import markdown_html, plain_text, sanitize

__all__ = [
    "Enclosure",
    "Item",
    "describe_when",
    "facts_line",
    "markdown_html",
    "plain_text",
    "render_item",
    "sanitize",
]
