"""Bounded cost: every file a site supplies is read with a nesting limit, and pages cost in
proportion to their size, whatever they hold."""

from __future__ import annotations

import json
import re
import tracemalloc
from html.parser import HTMLParser
from pathlib import Path

import nh3
import pytest
from cmarkgfm import cmark
from hypothesis import given, settings
from hypothesis import strategies as st

from talkfeed.formats.web import markup
from talkfeed.formats.web import text as text_module
from talkfeed.read.parsing import MAX_DATA_NESTING

from _hostile import HOSTILE, MIB, page_of, read_and_render
from conftest import DEMO_SITE, FIXED_NOW, make_site, run_cli

DEEP = MAX_DATA_NESTING * 5
"""Five times the bound: the 500 levels that once ran Python out of stack."""
LAB_URL = "https://lab.example.org/talks/"


def _deep_yaml_list() -> str:
    return "[" * DEEP + "]" * DEEP


def _profiles(site: Path) -> None:
    (site / "data" / "authors").mkdir(parents=True)
    (site / "data" / "authors" / "deep.yaml").write_text(f"name: {_deep_yaml_list()}\n", encoding="utf-8")
    (site / "content" / "authors" / "deeper").mkdir(parents=True)
    (site / "content" / "authors" / "deeper" / "_index.md").write_text(
        f"---\ntitle: {_deep_yaml_list()}\n---\n", encoding="utf-8"
    )


PROFILE_WARNINGS = (
    "data/authors/deep.yaml:1: warning: author profile not read: nested more than 100 levels deep",
    "content/authors/deeper/_index.md:2: warning: author profile not read: front matter is nested more "
    "than 100 levels deep",
)


@pytest.mark.parametrize("command", ["build", "check", "list"])
def test_a_deeply_nested_author_profile_is_skipped_with_a_warning(
    site: Path, tmp_path: Path, command: str
) -> None:
    _profiles(site)
    arguments: list[object] = [command, site, "--now", FIXED_NOW] if command != "check" else [command, site]
    if command == "build":
        arguments += ["-o", tmp_path / "out"]
    result = run_cli(arguments)
    assert result.exit_code == 0, result.stderr
    for warning in PROFILE_WARNINGS:
        assert warning in result.stderr


def test_a_deeply_nested_author_profile_in_an_aggregate_is_skipped_with_a_warning(
    site: Path, tmp_path: Path
) -> None:
    _profiles(site)
    other = make_site(
        tmp_path, {"x/index.md": "---\ntitle: X\npublishDate: 2024-01-01\n---\nText.\n"}, name="o"
    )
    result = run_cli(
        [
            "build",
            site,
            other,
            "--base-url",
            LAB_URL,
            "-o",
            tmp_path / "out",
            "--skip-invalid",
            "--now",
            FIXED_NOW,
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "site/data/authors/deep.yaml:1: warning: author profile not read: nested more than 100"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("page", "line"),
    [
        pytest.param(
            f"---\ntitle: Deep\npublishDate: 2024-01-01\ntags: {_deep_yaml_list()}\n---\n", 4, id="yaml"
        ),
        pytest.param(
            "---\ntitle: Deep\npublishDate: 2024-01-01\ntags:\n"
            + "".join("  " * level + "-\n" for level in range(1, DEEP))
            + "---\n",
            MAX_DATA_NESTING + 4,
            id="yaml-block",
        ),
        pytest.param(
            f'+++\ntitle = "Deep"\npublishDate = 2024-01-01\ntags = {"[" * DEEP}1{"]" * DEEP}\n+++\n',
            1,
            id="toml",
        ),
        pytest.param(
            '+++\ntitle = "Deep"\npublishDate = 2024-01-01\n' + "a." * DEEP + "b = 1\n+++\n",
            1,
            id="toml-dotted",
        ),
        pytest.param(
            '{\n"title": "Deep", "publishDate": "2024-01-01", "x": ' + "[" * DEEP + "]" * DEEP + "\n}\n",
            1,
            id="json",
        ),
    ],
)
def test_front_matter_nested_past_the_bound_is_an_error_on_its_page(
    tmp_path: Path, page: str, line: int
) -> None:
    site = make_site(
        tmp_path, {"deep.md": page, "fine.md": "---\ntitle: Fine\npublishDate: 2024-01-01\n---\n"}
    )
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert (
        f"content/talk/deep.md:{line}: error: front matter is nested more than 100 levels deep "
        "(lists and tables inside each other); talkfeed reads up to 100 (flatten it)"
    ) in result.stderr


def test_a_site_config_nested_past_the_bound_is_an_error_naming_it(tmp_path: Path) -> None:
    site = make_site(tmp_path, {}, config='baseURL = "https://example.org/"\n' + "params." * DEEP + "x = 1\n")
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{site / 'hugo.toml'}:1: error: cannot read the site config: nested more than 100 levels deep "
        "(lists and tables inside each other); talkfeed reads up to 100 (flatten it)\n"
    )


def test_a_run_config_nested_past_the_bound_is_an_error_naming_it(tmp_path: Path) -> None:
    site = make_site(tmp_path, {})
    (site / "talkfeed.toml").write_text(f"per = {'[' * DEEP}{']' * DEEP}\n", encoding="utf-8")
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{site / 'talkfeed.toml'}:1: error: cannot read: nested more than 100")


def test_the_bound_leaves_real_sites_alone() -> None:
    assert run_cli(["check", DEMO_SITE]).exit_code == 0


HTML_PIECES = (
    "<p>", "</p>", "<b>", "</b>", "<a href=\"", "<a title='", '"', "'", ">", "<", "</", "/", "=",
    "&amp;", "&", "&copy=", "&x;", "&#38;", "&lt;", "x", " ", "\n",
    "<!--", "-->", "--!>", "<!-->", "<!x", "<?", "</ x>",
    "<textarea>", "</textarea>", "<title>", "</TITLE>", "<script>", "</script>", "<noscript>", "<xmp>",
    "<table>", "<tr><td>", "<select>", "<svg>", "<![CDATA[", "]]>", "<plaintext>",
    "<SCRIPT>", "<math>", "<template>", "<iframe>", "</iframe >", "<title x='>'>", "</textarea\n>",
    "</xmp>", "</noscript>", "<noembed>", "</noembed>", "<style>", "</style>", "<mi>", "</svg>", "</math>",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(HTML_PIECES), max_size=60).map("".join))
def test_cutting_long_runs_for_nh3_gives_nh3s_own_result(fragment: str) -> None:
    """The cuts that keep nh3 linear change nothing it makes of a fragment (cut here every 2nd ``&``)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markup, "_RUN_REFERENCES", 2)
        cut = markup.in_short_runs(fragment)
    assert nh3.clean(cut, tags=markup._TAGS, strip_comments=True) == nh3.clean(
        fragment, tags=markup._TAGS, strip_comments=True
    )


def test_an_attribute_value_with_thousands_of_ampersands_is_emptied() -> None:
    value = "&amp;" * 2000
    assert markup.sanitize(f'<a title="{value}" href="/x">y</a>', "https://example.org/") == (
        '<a title="" href="https://example.org/x">y</a>'
    )


def test_a_summary_hands_nh3_only_short_runs_of_references(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaving a summary's images out sanitizes it again: that pass too is given short text runs,
    or 2 million ``&`` would cost it time in the square of their number (34 s, from 8 s)."""
    runs: list[int] = []
    real = markup.nh3.clean

    def recording(html: str, **options: object) -> str:
        runs.append(max(segment.count("&") for segment in re.split("[<>]", html)))
        return real(html, **options)

    monkeypatch.setattr(markup.nh3, "clean", recording)
    markup.without_media("<p>" + "&amp;" * 5000 + '</p><figure><img src="x.png"></figure>')
    assert runs and max(runs) <= 1024


def test_the_elements_cut_by_reopening_are_ones_nh3_strips() -> None:
    """Closing and opening a ``title`` again gives nh3's own result only while nh3 drops the tag."""
    assert markup._REOPENED.isdisjoint(markup._TAGS)


PROSE = (
    "Attention lets a model weigh every token against every other; we show how the weights can be "
    "read, where they mislead, and what *gradient-weighted* relevance adds to them.\n"
)


def _long_abstract(size: int) -> str:
    """A talk page whose abstract, paragraphs of prose, makes it ``size`` bytes long."""
    head = "---\ntitle: A long abstract\npublishDate: 2024-01-01\nabstract: |\n"
    paragraph = "  " + PROSE + "\n"
    return head + paragraph * ((size - len(head)) // len(paragraph)) + "---\nBody.\n"


def test_a_page_of_a_few_mib_is_published_as_hugo_publishes_it(tmp_path: Path) -> None:
    page = _long_abstract(int(1.7 * MIB))
    site = make_site(tmp_path, {"long/index.md": page})
    result = run_cli(["build", site, "-o", tmp_path / "out", "--now", FIXED_NOW, "-q"])
    assert result.exit_code == 0, result.stderr
    feed = json.loads((tmp_path / "out" / "feed.json").read_text(encoding="utf-8"))
    [item] = feed["items"]
    assert item["title"] == "A long abstract"
    assert item["content_html"].count("gradient-weighted") > 10_000


@pytest.mark.parametrize("where", ["option", "run-config"])
def test_a_page_over_the_max_page_size_is_an_error_naming_its_size_and_the_setting(
    tmp_path: Path, where: str
) -> None:
    site = make_site(tmp_path, {"long/index.md": _long_abstract(int(1.7 * MIB))})
    arguments: list[object] = ["check", site]
    if where == "option":
        arguments += ["--max-page-size", "1MiB"]
    else:
        (site / "talkfeed.toml").write_text('max-page-size = "1MiB"\n', encoding="utf-8")
    result = run_cli(arguments)
    assert result.exit_code == 1
    assert (
        "content/talk/long/index.md: error: file is 1.7 MiB; talkfeed reads files of up to 1MiB (raise "
        "--max-page-size, or max-page-size in talkfeed.toml if it is meant to be this large)"
    ) in result.stderr


@pytest.mark.parametrize(
    ("written", "size"),
    [("1MiB", MIB), ("512 KiB", 512 * 1024), ("2M", 2 * MIB), ("1.5mib", 3 * MIB // 2), ("4096", 4096)],
)
def test_max_page_size_takes_sizes_as_people_write_them(tmp_path: Path, written: str, size: int) -> None:
    head = "---\ntitle: T\npublishDate: 2024-01-01\n---\n"
    page = head + "x" * (size - len(head))
    site = make_site(tmp_path, {"fits.md": page})
    assert len(page) == size
    assert run_cli(["check", site, "--max-page-size", written]).exit_code == 0
    (site / "content" / "talk" / "fits.md").write_text(page + "x", encoding="utf-8")
    assert run_cli(["check", site, "--max-page-size", written]).exit_code == 1


@pytest.mark.parametrize("written", ["lots", "0", "-1MiB", "16 TiB"])
def test_a_max_page_size_that_is_no_size_is_a_usage_error(written: str) -> None:
    result = run_cli(["check", DEMO_SITE, "--max-page-size", written])
    assert result.exit_code == 2
    assert "--max-page-size" in result.stderr


def _peak_bytes(folder: Path, text: str) -> int:
    tracemalloc.start()
    try:
        read_and_render(folder, text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_reading_and_rendering_a_page_takes_memory_in_step_with_its_size(
    tmp_path: Path, body: tuple[str, str, int]
) -> None:
    """Four times the page, about four times the memory (up to 6.5 allows for what does not grow).

    Memory is the peak of what Python allocates (``tracemalloc``), the same on every run; cmark's
    own is measured in ``bench/``, and so is the time (``bench/hostile.py``): a timed test would
    fail on a busy machine, not on slow code.
    """
    size = body[2] * 1024
    read_and_render(tmp_path, page_of(body, 1024))  # imports and caches warmed
    assert _peak_bytes(tmp_path, page_of(body, 2 * size)) < 6.5 * _peak_bytes(
        tmp_path, page_of(body, size // 2)
    )


MARKDOWN_PIECES = (
    "*a*", "**b**", "_c_", "~~d~~", "`e`", "[f](https://example.org/)", "<https://example.org>",
    "www.example.org", "| x | y |\n|---|---|\n| 1 | 2 |\n", "\n\n", "\n", "> ", "- ", "1. ", "# ",
    "&amp;", "&copy;", "&#x263A;", "<b>", "</b>", "\\*", "é", "😀", "   ", "```\ncode\n```\n",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(MARKDOWN_PIECES), st.text(max_size=8)), max_size=20).map("".join))
def test_markdown_renders_as_cmarkgfms_own_function_renders_it(text: str) -> None:
    """``markdown_html`` takes cmark's steps itself (to free what cmarkgfm leaks): same HTML."""
    own = cmark.markdown_to_html_with_extensions(text, markup._MARKDOWN_OPTIONS, markup._EXTENSIONS)
    assert markup.markdown_html(text) == own


@pytest.mark.parametrize("reference", ["&#xFFFE;", "&#xFFFF;"])
def test_a_byte_cmark_writes_that_is_not_utf8_becomes_the_replacement_character(reference: str) -> None:
    with pytest.raises(UnicodeDecodeError):
        cmark.markdown_to_html_with_extensions(reference, markup._MARKDOWN_OPTIONS, markup._EXTENSIONS)
    assert markup.markdown_html(reference) == "<p>\ufffd</p>\n"


class _ParsedText(HTMLParser):
    """How ``html_text`` read HTML before: through ``html.parser``, the reference it must match."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.reader = text_module._TextReader()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.reader.element(tag, opening=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.reader.element(tag, opening=True)
        self.reader.element(tag, opening=False)

    def handle_endtag(self, tag: str) -> None:
        self.reader.element(tag, opening=False)

    def handle_data(self, data: str) -> None:
        self.reader.data(data)


def _parsed_text(fragment: str) -> str:
    parser = _ParsedText()
    parser.feed(fragment)
    parser.close()
    return parser.reader.text()


TEXT_PIECES = (
    *MARKDOWN_PIECES,
    "<br>", "<br/>", "<p>", "</p>", "<div>x</div>", "<li>", "<a title='a>b' href=\"/x\">y</a>",
    "<details><summary>s</summary>d</details>", "<hr>", "&lt;", "&gt;", "&quot;", "&nbsp;", "\u00a0",
    "<SPAN>", "<img alt=\"a > b\">", "<script>x</script>", "<template>t</template>", "<table><tr><td>c",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TEXT_PIECES), st.text(max_size=8)), max_size=20).map("".join))
def test_the_text_of_sanitized_html_is_what_html_parser_reads(markdown: str) -> None:
    fragment = markup.sanitize(markup.markdown_html(markdown), "https://example.org/talk/x/")
    assert text_module.html_text(fragment) == _parsed_text(fragment)
