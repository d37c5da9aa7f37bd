"""Whatever text a talk page holds, every output parses, holds no control character and runs no script."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from _crash_helpers import read_set
from conftest import FIXED_NOW, run_cli

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FRAGMENTS = [
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1b[2J",
    "\x7f",
    "\r\n",
    "\u0085",
    "\u2028",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "]]>",
    "<![CDATA[",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "![i](data:image/svg+xml,<svg onload=alert(1)>)",
    "<svg><script>alert(1)</script></svg>",
    "X-TALKFEED-ZONES:",
    "END:VEVENT",
    "END:VCALENDAR",
    "&#0;",
    "&#x1b;",
    "&lt;script&gt;",
    "\u200f",
    "\u202e",
    "\ufeff",
    "x" * 2000,
    "Café 🌍 עברית العربية",
    "{{< youtube x >}}",
    "---",
    "+++",
    "\\",
    '"',
    ":",
]
URLS = [
    "javascript:alert(1)",
    " JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.org/<script>alert(1)</script>",
    "https://example.org/\x00\x07",
    "https://example.org/a b",
    "//evil.example/x",
    "slides.pdf",
    "../../../../etc/passwd",
    "%2e%2e/%2e%2e/secret",
]
LEADING_IGNORED = "".join(map(chr, range(33)))
"""What the URL parser strips from the start of a URL: C0 controls and the space."""
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = frozenset(
    ["href", "src", "url", "action", "formaction", "poster", "cite", "background", "srcset", "data"]
)
URL_ELEMENTS = frozenset(["link", "guid", "comments", "url", "icon", "logo", "docs"])
URL_KEYS = frozenset(["image", "banner_image", "icon", "favicon", "avatar"])

hostile_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=6).map("".join)
hostile_url = st.one_of(st.sampled_from(URLS), hostile_text)


def _is_script_url(value: str) -> bool:
    """Tell whether a browser would take ``value`` as a script or data URL.

    Browsers drop leading spaces and controls and every tab and newline before reading the scheme.
    """
    squeezed = re.sub(r"[\t\n\r]", "", value).lstrip(LEADING_IGNORED)
    return squeezed.lower().startswith(BAD_SCHEMES)


def _html_problems(markup: str) -> Iterator[str]:
    """Say what in an HTML document or fragment could run: scripts, event handlers, script URLs."""
    if not markup.strip():
        return
    root = lxml_html.document_fromstring(f"<html><body>{markup}</body></html>")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in ("script", "iframe", "object", "embed"):
            yield f"<{element.tag}> element"
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                yield f"{name} attribute"
            if name.lower() in URL_ATTRIBUTES and _is_script_url(value):
                yield f"{name}={value!r}"


def _xml_problems(data: bytes) -> Iterator[str]:
    """Parse a feed with lxml's default parser; say what in it could run."""
    root = etree.fromstring(data)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        for name, value in element.attrib.items():
            if etree.QName(name).localname in URL_ATTRIBUTES and _is_script_url(value):
                yield f"<{local} {name}={value!r}>"
        text = element.text or ""
        if local in URL_ELEMENTS and _is_script_url(text):
            yield f"<{local}>{text!r}"
        # RSS description and content:encoded, and Atom text constructs of type html, are HTML.
        if local in ("description", "encoded") or element.get("type") == "html":
            yield from (f"in <{local}>: {problem}" for problem in _html_problems(text))


def _json_problems(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            yield from _json_problems(inner, inner_key)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_problems(inner, key)
    elif isinstance(value, str):
        if CONTROL.search(value):
            yield f"{key}: control character in {value!r}"
        if (key.endswith("url") or key in URL_KEYS) and _is_script_url(value):
            yield f"{key}: {value!r}"
        if key == "content_html":
            yield from (f"content_html: {problem}" for problem in _html_problems(value))


def _calendar_problems(data: bytes) -> Iterator[str]:
    calendar = icalendar.Calendar.from_ical(data)
    for component in calendar.walk():
        for name, value in component.property_items(recursive=False):
            if CONTROL.search(str(value)):
                yield f"{name}: control character in {str(value)!r}"
            if name in ("URL", "ATTACH") and _is_script_url(str(value)):
                yield f"{name}: {value!r}"


def _problems(name: str, data: bytes) -> Iterator[str]:
    """Say what is wrong with one output file: it does not parse, holds a control character, could run."""
    text = data.decode()
    if CONTROL.search(text):
        yield f"control character {CONTROL.search(text)!r}"
    if name.endswith((".xml", ".html")) and "<script" in text.lower():
        yield "<script in markup"
    if name.endswith(".xml"):
        yield from _xml_problems(data)
    elif name.endswith(".json"):
        yield from _json_problems(json.loads(data))
    elif name.endswith(".ics"):
        yield from _calendar_problems(data)
    elif name.endswith(".html"):
        yield from _html_problems(text)


@st.composite
def talk_pages(draw: st.DrawFn) -> str:
    """A talk page in YAML or JSON front matter whose every text is hostile."""
    front_matter: dict[str, Any] = {
        "title": draw(hostile_text),
        "date": "2024-05-01T10:00:00Z",
        "summary": draw(hostile_text),
        "event": draw(hostile_text),
        "location": draw(hostile_text),
        "tags": draw(st.lists(hostile_text, max_size=3)),
        "authors": draw(st.lists(hostile_text, max_size=3)),
        "event_url": draw(hostile_url),
        "url_slides": draw(hostile_url),
        "links": [{"name": draw(hostile_text), "url": draw(hostile_url)}],
    }
    body = draw(hostile_text)
    if draw(st.booleans()):
        return "---\n" + yaml.safe_dump(front_matter, allow_unicode=True) + "---\n" + body + "\n"
    return json.dumps(front_matter, ensure_ascii=False, indent=1) + "\n" + body + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=talk_pages())
def test_every_output_of_a_hostile_page_parses_and_holds_nothing_that_runs(
    tmp_path_factory: pytest.TempPathFactory, page: str
) -> None:
    """Build a hostile page beside a plain one; every file written must be clean.

    "Nothing that runs" is checked where it would run: no ``<script`` in XML or HTML bytes (escaped
    text never has one), and no script element, event handler or ``javascript:``/``data:`` URL in
    the HTML a reader renders (RSS description, content:encoded, Atom html, JSON content_html, the
    page) nor in any URL field. The words ``javascript:`` or ``<script>`` as plain text in a title
    are text, shown as written.
    """
    root = tmp_path_factory.mktemp("hostile")
    (root / "site" / "content" / "talk" / "hostile").mkdir(parents=True)
    (root / "site" / "content" / "talk" / "plain").mkdir()
    (root / "site" / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Lab"\n')
    (root / "site" / "content" / "talk" / "hostile" / "index.md").write_text(page, encoding="utf-8")
    (root / "site" / "content" / "talk" / "plain" / "index.md").write_text(
        "---\ntitle: Plain talk\ndate: 2024-04-01T10:00:00Z\ntags: [plain]\n---\nBody.\n", encoding="utf-8"
    )

    result = run_cli(
        [
            "build",
            root / "site",
            "-o",
            root / "out",
            "--base-url",
            "https://example.org/",
            "--skip-invalid",
            "--per",
            "tag",
            "--per",
            "author",
            "--no-cache",
            "--now",
            FIXED_NOW,
            "-q",
        ]
    )

    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    # talkfeed's own net for a bug on one page: a traceback in one line.
    assert "talkfeed could not handle this page" not in result.stderr, result.stderr
    files = read_set(root / "out")
    assert b"Plain talk" in files["index.xml"]
    problems = {name: list(_problems(name, data)) for name, data in files.items()}
    assert {name: found for name, found in problems.items() if found} == {}
