"""Markdown to HTML as Hugo renders it, then sanitized with every URL made absolute.

The one module that imports the Markdown renderer (cmarkgfm) and the sanitizer (nh3).
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import urljoin, urlsplit

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from talkfeed.clean import clean_text
from talkfeed.render.html.text import html_text
from talkfeed.urls import with_scheme

_MARKDOWN_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_VALIDATE_UTF8
_EXTENSIONS = ("table", "strikethrough", "autolink")
_ALLOWED_SCHEMES = {"http", "https", "mailto", "ftp", "ftps", "tel", "webcal", "xmpp", "irc", "ircs"}
_URL_ATTRIBUTES = {"href", "src", "cite"}
_TAGS = nh3.ALLOWED_TAGS - {"map", "area"}
_WHITESPACE = re.compile(r"\s+")


def markdown_html(text: str) -> str:
    """Render Markdown as Hugo's Goldmark does: CommonMark plus GFM tables, strikethrough, autolinks."""
    return str(
        cmarkgfm.markdown_to_html_with_extensions(text, options=_MARKDOWN_OPTIONS, extensions=_EXTENSIONS)
    )


def sanitize(fragment: str, base: str) -> str:
    """Drop scripts, frames, event handlers and unsafe URLs; make every URL absolute from ``base``."""
    cleaned = nh3.clean(
        fragment,
        tags=_TAGS,
        attribute_filter=partial(_absolute_attribute, base),
        url_schemes=_ALLOWED_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    # Raw shortcode markers must never reach a feed, even from a literal in code; a character
    # reference to a control character (``&#7;``) became that character in the Markdown renderer.
    return clean_text(str(cleaned)).replace("{{%", "{&#123;%").replace("{{&lt;", "{&#123;&lt;")


def plain_text(fragment: str) -> str:
    """Reduce sanitized HTML to the text a person reads, as a JSON Feed summary wants it."""
    return html_text(fragment)


def _absolute_attribute(base: str, tag: str, attribute: str, value: str) -> str | None:
    if attribute not in _URL_ATTRIBUTES:
        return value
    if not safe_url(value):
        return None
    return urljoin(base, with_scheme(value.strip()))


def safe_url(url: str) -> bool:
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme == "" or scheme in _ALLOWED_SCHEMES
