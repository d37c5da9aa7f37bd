"""Clean every text and link where it enters talkfeed, so no output can carry what it must not.

Text loses the characters XML 1.0 forbids and every other control character (a line break in
a one-line value becomes a space). A link keeps only the schemes feed readers may follow:
``http``, ``https`` and ``mailto``, or none (a relative link, made absolute when rendered).
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")
_MARKUP = re.compile(r"[<>]|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_text(text: str) -> str:
    """Drop the control characters a text may hold; keep tabs and line breaks."""
    return _FORBIDDEN.sub("", text)


def clean_line(text: str) -> str:
    """Clean a one-line value (a title, a name): control characters dropped, line breaks to spaces."""
    return " ".join(_LINE_BREAKS.sub(" ", clean_text(text)).split())


def has_control(text: str) -> bool:
    """Tell whether a value holds a control character or a line break."""
    return _FORBIDDEN.search(text) is not None or _LINE_BREAKS.search(text) is not None


def safe_link(url: str) -> bool:
    """Tell whether a link may reach an output: a web or mail link, or a relative one."""
    if has_control(url):
        return False
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme == "" or scheme in LINK_SCHEMES


def as_html_text(text: str) -> str:
    """Escape plain text for a place readers render as HTML, where it looks like markup."""
    return escape(text, quote=False) if _MARKUP.search(text) else text
