"""The hand-made Markdown path: cmark's API called step by step, so that what it allocates is freed.

``markdown_html`` must give exactly what cmarkgfm's own ``markdown_to_html_with_extensions``
gives, and unlike it keep memory flat over many renders (cmarkgfm's function never frees the
parsed document nor the rendered HTML: about 20 KiB a talk).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cmarkgfm import cmark
from hypothesis import given, settings
from hypothesis import strategies as st

from talkfeed.formats.web import markup

from conftest import ROOT

PAGES = sorted(
    path
    for folder in (ROOT / "fixtures" / "demo-site", ROOT / "fixtures" / "corpus")
    for path in folder.rglob("*.md")
    if not path.name.startswith("_")
)
MARKDOWN = st.lists(
    st.sampled_from([*"ab *_`#>-+1.[]()!|~\n\t\\<>&:/", "http://x.org", "| a | b |\n|---|---|\n", "é"]),
    max_size=120,
).map("".join)


def _own(text: str) -> str:
    return str(cmark.markdown_to_html_with_extensions(text, markup._MARKDOWN_OPTIONS, markup._EXTENSIONS))


def test_the_corpus_has_pages_to_render() -> None:
    assert len(PAGES) >= 30


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(ROOT / "fixtures")))
def test_a_real_pages_markdown_renders_as_cmarkgfm_renders_it(page: Path) -> None:
    text = page.read_text(encoding="utf-8", errors="replace")
    assert markup.markdown_html(text) == _own(text)


@settings(max_examples=500, deadline=None)
@given(MARKDOWN)
def test_any_markdown_renders_as_cmarkgfm_renders_it(text: str) -> None:
    assert markup.markdown_html(text) == _own(text)


_GROWTH = """
import resource, sys
sys.path.insert(0, {root!r})
from cmarkgfm import cmark
from talkfeed.formats.web import markup

text = "# Talk\\n\\n" + "Some *emphasis* and a [link](https://example.org/) in a line.\\n\\n" * 300

def render(text):
    if {own!r}:
        return cmark.markdown_to_html_with_extensions(text, markup._MARKDOWN_OPTIONS, markup._EXTENSIONS)
    return markup.markdown_html(text)

def resident():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()

for _ in range(200):
    render(text)
before = resident()
for _ in range(2000):
    render(text)
print((resident() - before) // 1024)
"""


def _growth_kib(own: bool) -> int:
    if not Path("/proc/self/statm").exists():
        pytest.skip("resident memory is read from /proc/self/statm (Linux)")
    script = textwrap.dedent(_GROWTH.format(root=str(ROOT), own=own))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return int(result.stdout.strip())


def test_rendering_keeps_memory_flat_where_cmarkgfms_own_function_grows() -> None:
    """2,000 renders of a 20 KB page: cmarkgfm's function keeps each document and its HTML
    (tens of MiB); talkfeed's path frees both (growth within the allocator's noise)."""
    assert _growth_kib(own=True) > 20 * 1024, (
        "cmarkgfm's own function no longer leaks: see markup.markdown_html"
    )
    assert _growth_kib(own=False) < 4 * 1024
