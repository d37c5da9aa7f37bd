"""Markdown to HTML as Hugo renders it, then sanitized with every URL made absolute.

The one module that imports the Markdown renderer (cmarkgfm) and the sanitizer (nh3).
"""

from __future__ import annotations

import ctypes
import functools
import re
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
from cmarkgfm import cmark
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
    """Render Markdown as Hugo's Goldmark does: CommonMark plus GFM tables, strikethrough, autolinks.

    cmarkgfm's own ``markdown_to_html_with_extensions`` never frees the document it parses nor
    the HTML cmark returns (about 20 KiB a talk, which a site of 30,000 talks makes 600 MiB), so
    its steps are taken here, through cmark's API, and both are freed as cmark's API asks (where
    the C library's ``free`` cannot be found, they are left, as cmarkgfm leaves them).
    """
    frees = _frees()
    parser = cmark.parser_new(options=_MARKDOWN_OPTIONS)
    try:
        for extension in _extensions():
            cmark.parser_attach_syntax_extension(parser, extension)
        cmark.parser_feed(parser, text)
        document = cmark.parser_finish(parser)
        try:
            extensions = cmark.parser_get_syntax_extensions(parser)
            html = cmark._cmark.lib.cmark_render_html(document, _MARKDOWN_OPTIONS, extensions)
            try:
                return rendered_text(cmark._cmark.ffi.string(html))
            finally:
                if frees is not None:
                    _release(frees[1], html)
        finally:
            if frees is not None:
                _release(frees[0], document)
    finally:
        cmark.parser_free(parser)


def rendered_text(html: bytes) -> str:
    """Decode cmark's HTML; a byte that is not UTF-8 becomes U+FFFD, as Hugo shows it.

    cmark writes ``&#xFFFE;`` and ``&#xFFFF;`` as the single bytes 0xFE and 0xFF (utf8proc's
    encoder does), which are UTF-8 nowhere; Goldmark shows U+FFFD for them.
    """
    return html.decode("utf-8", errors="replace")


@functools.cache
def _extensions() -> tuple[Any, ...]:
    cmark.core_extensions_ensure_registered()
    return tuple(cmark.find_syntax_extension(name) for name in _EXTENSIONS)


@functools.cache
def _frees() -> tuple[Any, Any] | None:
    """cmark's ``cmark_node_free`` (a parsed document and all its nodes) and the C library's
    ``free`` (what cmark's default allocator gave, as the rendered HTML); ``None`` if not found."""
    try:
        return _c_function(ctypes.CDLL(cmark._cmark.__file__), "cmark_node_free"), _c_function(
            ctypes.CDLL(None), "free"
        )
    except (OSError, AttributeError, TypeError):
        return None


def _c_function(library: ctypes.CDLL, name: str) -> Any:
    function = getattr(library, name)
    function.argtypes = [ctypes.c_void_p]
    function.restype = None
    return function


def _release(free: Any, pointer: Any) -> None:
    free(int(cmark._cmark.ffi.cast("uintptr_t", pointer)))


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
