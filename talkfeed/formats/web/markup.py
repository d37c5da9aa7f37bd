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
from talkfeed.formats.web.text import html_text
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
        in_short_runs(fragment),
        tags=_TAGS,
        attribute_filter=partial(_absolute_attribute, base),
        url_schemes=_ALLOWED_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    # Raw shortcode markers must never reach a feed, even from a literal in code; a character
    # reference to a control character (``&#7;``) became that character in the Markdown renderer.
    return clean_text(str(cleaned)).replace("{{%", "{&#123;%").replace("{{&lt;", "{&#123;&lt;")


def without_media(fragment: str) -> str:
    """Drop images, figures and players from sanitized HTML, keeping its text: a summary is
    words (the themes show a page's summary as plain text)."""
    cleaned = nh3.clean(
        in_short_runs(fragment),
        tags=_TAGS - _MEDIA - _MEDIA_WHOLE,
        clean_content_tags=_MEDIA_WHOLE,
        url_schemes=_ALLOWED_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return _BLANK_LINES.sub("\n", _EMPTY_PARAGRAPH.sub("", str(cleaned)))


_MEDIA = frozenset({"img", "source", "track"})
_MEDIA_WHOLE = frozenset({"figure", "picture", "video", "audio"}) & nh3.ALLOWED_TAGS
"""Left out with what they hold (a figure's caption describes its image)."""
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
_BLANK_LINES = re.compile(r"\n\s*\n")


_RUN_REFERENCES = 1024
"""How many ``&`` one text run may hand nh3: its parser (html5ever) takes time in the square of
their number within one text node or attribute value (16 MiB of ``&amp;`` took minutes)."""
_UNCUT_REFERENCES = 1024
"""How many ``&`` a text that cannot be cut may hold (an attribute value; a ``title`` or ``textarea``
that may sit in SVG or MathML, where it is no longer plain text); one with more, which no real
page has, is emptied."""
_RAW_TEXT = frozenset({"script", "style", "plaintext", "title", "textarea", "xmp", "iframe", "noembed"})
_RAW_TEXT |= {"noframes", "noscript"}
"""Elements whose content is text to the parser, no markup or comment (``noscript`` too: nh3 parses
with scripting on); a comment put in it would be text."""
_REOPENED = frozenset({"title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"})
"""Of those, the ones nh3 strips keeping their text, which closing and opening again cuts."""
_MARKUP = re.compile(
    r"<!--(?:>|->|.*?(?:--!?>|\Z))"  # a comment; <!--> and <!---> end at once
    r"|<!\[CDATA\[.*?(?:\]\]>|\Z)"  # CDATA in SVG or MathML (elsewhere a bogus comment; kept whole)
    r"|<[!?][^>]*(?:>|\Z)"  # a doctype, a bogus comment, a processing instruction
    r"|</(?![A-Za-z])[^>]*(?:>|\Z)"  # an end tag without a name: a bogus comment (or nothing)
    r"|</?(?P<name>[A-Za-z][^\t\n\f\r />]*)(?:[^>\"']+|\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z))*(?:>|\Z)",  # a tag
    re.DOTALL,
)
_FOREIGN = re.compile(r"<(?:svg|math)[\t\n\f\r />]", re.IGNORECASE)
_VALUE = re.compile(r"(=[\t\n\f\r ]*)(\"[^\"]*\"?|'[^']*'?|[^\t\n\f\r >]+)")


def in_short_runs(fragment: str) -> str:
    """Hand nh3 the same HTML cut so that no text run holds more than ``_RUN_REFERENCES`` ``&``.

    A long run is cut with an empty comment before an ``&`` (``strip_comments`` drops it, and
    the text nodes on either side serialize as one); inside ``title`` or ``textarea``, which
    nh3 strips keeping their text, by closing and opening the element again. An attribute
    value with more ``&`` than that, which no real link or title has, is emptied. Everything
    else passes unchanged, so nh3's result is its result for the fragment as given.
    """
    if fragment.count("&") <= min(_RUN_REFERENCES, _UNCUT_REFERENCES):
        return fragment
    foreign = _FOREIGN.search(fragment) is not None
    out: list[str] = []
    position = 0
    while (match := _MARKUP.search(fragment, position)) is not None:
        out.append(_cut(fragment[position : match.start()], "<!---->"))
        tag = match.group()
        out.append(_VALUE.sub(_emptied, tag) if tag.count("&") > _UNCUT_REFERENCES else tag)
        position = match.end()
        name = (match["name"] or "").lower()
        if name in _RAW_TEXT and not tag.startswith("</"):
            end = _closing(fragment, name, position)
            out.append(_cut_raw(fragment[position:end], name, foreign))
            position = end
    out.append(_cut(fragment[position:], "<!---->"))
    return "".join(out)


def _cut(text: str, joint: str) -> str:
    """Put ``joint`` before every ``_RUN_REFERENCES``-th ``&`` of a text run."""
    if text.count("&") <= _RUN_REFERENCES:
        return text
    cuts = [0]
    for number, match in enumerate(re.finditer("&", text)):
        if number and number % _RUN_REFERENCES == 0:
            cuts.append(match.start())
    return joint.join(text[start:end] for start, end in zip(cuts, [*cuts[1:], len(text)], strict=True))


def _cut_raw(content: str, name: str, foreign: bool) -> str:
    """Cut the text of a raw text element by closing and opening it again. Where SVG or MathML
    may have made it an element of theirs (whose content is markup), and for ``script``, ``style``
    and ``plaintext``, leave it whole, or empty it past ``_UNCUT_REFERENCES`` (nh3 drops the
    content of the first three anyway)."""
    if name in _REOPENED and not foreign:
        return _cut(content, f"</{name}><{name}>")
    return "" if content.count("&") > _UNCUT_REFERENCES else content


def _emptied(match: re.Match[str]) -> str:
    return match[1] + '""' if match[2].count("&") > _UNCUT_REFERENCES else match.group()


def _closing(fragment: str, name: str, start: int) -> int:
    """Where the content of a raw text element ends: at its end tag, or the fragment's end."""
    if name == "plaintext":
        return len(fragment)
    found = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE).search(fragment, start)
    return found.start() if found else len(fragment)


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
