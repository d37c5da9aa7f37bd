"""Whatever a page file holds, reading it gives a talk or error findings, never an exception.

Pages are written by people and by tools that never met Hugo's parsers, so the reader is fed
arbitrary bytes and front matter built from the real keys with values of every type.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talkfeed.errors import Severity
from talkfeed.model import Talk
from talkfeed.read.discover import PageFile
from talkfeed.read.page import PageResult, ReadContext, read_page

KEYS = (
    "title",
    "date",
    "publishDate",
    "date_end",
    "all_day",
    "event_start",
    "tags",
    "authors",
    "links",
    "summary",
    "abstract",
    "address",
    "slug",
    "url",
    "draft",
    "expiryDate",
)
INNER_KEYS = ("name", "url", "type", "icon", "street", "city", "region", "postcode", "country", "display")
ODD_STRINGS = (
    "",
    " ",
    "\t",
    "\r\n",
    "\x00",
    "\x1b[31m",
    "\ufeff",
    "\u2028",
    "\x85",
    "~",
    "null",
    "yes",
    "no",
    "NaN",
    "1e309",
    "---",
    "+++",
    "{",
    "}",
    "2024-05-01",
    "2024-5-1",
    "2024-13-45",
    "0000-00-00",
    "2021-09-08:16:00:00",
    "2023-6-11T00:00:00Z",
    "2026-02-06T9:00:00Z",
    "2024-05-01T25:61:61Z",
    "9999-12-31T23:59:59+23:59",
    "2024-05-01T10:00:00+99:99",
    "2024-05-01 10:00:00 -0700",
    "Tue, 07 May 2024 10:00:00 GMT",
    "01 Jan 2024",
    "next tuesday",
    "admin",
    "/talk/x/",
    "../../etc/passwd",
    "javascript:alert(1)",
    "{{< youtube abc >}}",
    "{{% callout note %}}unclosed",
    "<script>alert(1)</script>",
    "a" * 3000,
)
BODIES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        (
            "",
            "{{% callout note %}}\nInside.\n{{% /callout %}}\n",
            "{{< youtube id=abc >}}",
            '{{< figure src=x.png caption="A" >}}',
            "{{< unknown >}}text{{< /unknown >}}",
            "{{</* escaped */>}}",
            "{{% alert %}}never closed",
            "{{<",
            "<!--more-->\n<iframe src=x></iframe>",
        )
    ),
)
OFFSETS = st.one_of(
    st.none(),
    st.just(UTC),
    st.builds(
        timezone,
        st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)),
    ),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(ODD_STRINGS),
    st.dates(),
    st.datetimes(timezones=OFFSETS),
    st.times(),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(INNER_KEYS), st.text(max_size=10)), children, max_size=4),
    ),
    max_leaves=12,
)
FRONT_MATTER = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=10)
CONTEXT = ReadContext(zone=UTC, default_language="en", authors={("", "admin"): "Ada Lovelace"})
PAGE_NAME = "content/talk/example/index.md"
CONTROL = re.compile("[\x00-\x1f\x7f]")
PRINTED_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
"""What a printed finding must not hold: a line break or a terminal control character (a tab is harmless)."""
EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, also writing times of day (which it cannot) as strings."""


_Dumper.add_representer(time_of_day, lambda dumper, value: dumper.represent_str(value.isoformat()))


def _yaml(front_matter: dict[str, Any], body: str) -> str:
    text = yaml.dump(front_matter, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return f"---\n{text if front_matter else ''}---\n{body}"


def _json(front_matter: dict[str, Any], body: str) -> str:
    return json.dumps(front_matter, indent=2, ensure_ascii=False, default=str) + "\n" + body


def _toml(front_matter: dict[str, Any], body: str) -> str:
    pairs = "".join(f"{pair}\n" for pair in _toml_pairs(front_matter))
    return f"+++\n{pairs}+++\n{body}"


def _toml_pairs(table: dict[str, Any]) -> list[str]:
    # TOML has no null: a None value is left out, as a person writing TOML would.
    return [
        f"{_toml_string(str(key))} = {_toml_value(item)}" for key, item in table.items() if item is not None
    ]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(value) if math.isnan(value) or math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value if item is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(_toml_pairs(value)) + "}"
    return _toml_string(str(value))


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", escaped) + '"'


WRITERS: dict[str, Callable[[dict[str, Any], str], str]] = {"yaml": _yaml, "toml": _toml, "json": _json}


def _page(folder: Path, content: bytes) -> PageFile:
    bundle = folder / "content" / "talk" / "example"
    bundle.mkdir(parents=True)
    path = bundle / "index.md"
    path.write_bytes(content)
    return PageFile(
        path=path, name=PAGE_NAME, parts=("talk", "example"), lang="en", bundle=bundle, key=str(path)
    )


def _assert_allowed(result: PageResult) -> None:
    """Allow a normalized talk without errors, or no talk with error findings (or a reason it is no talk)."""
    assert isinstance(result, PageResult)
    errors = [finding for finding in result.findings if finding.severity is Severity.ERROR]
    if result.talk is None:
        assert errors or result.skipped_reason is not None
    else:
        assert errors == []
        _assert_normalized(result.talk)
    for finding in result.findings:
        assert finding.path == PAGE_NAME
        assert finding.line is None or finding.line >= 1
        assert finding.message.strip()
        assert PRINTED_CONTROL.search(str(finding)) is None, f"not one clean line: {str(finding)!r}"


def _assert_normalized(talk: Talk) -> None:
    assert isinstance(talk, Talk)
    assert talk.title.strip()
    assert talk.published.tzinfo is not None
    for moment in (talk.start, talk.end, talk.modified, talk.expires):
        assert moment is None or isinstance(moment, date)
        assert not isinstance(moment, datetime) or moment.tzinfo is not None
    if talk.start is not None and talk.end is not None:
        assert not _ends_before(talk.start, talk.end)
    for names in (talk.tags, talk.authors, talk.address):
        assert isinstance(names, tuple)
        assert all(isinstance(name, str) and name.strip() for name in names)


def _ends_before(start: date, end: date) -> bool:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return end < start
    return _day(end) < _day(start)


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


@EXAMPLES
@given(content=st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_talk_or_error_findings(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    _assert_allowed(read_page(_page(tmp_path_factory.mktemp("bytes"), content), CONTEXT))


@EXAMPLES
@given(
    opening=st.sampled_from((b"---\n", b"+++\n", b"{\n", b"\xef\xbb\xbf---\n", b"---\r\n")),
    content=st.binary(max_size=2000),
)
def test_arbitrary_bytes_after_a_delimiter_give_a_talk_or_error_findings(
    tmp_path_factory: pytest.TempPathFactory, opening: bytes, content: bytes
) -> None:
    page = _page(tmp_path_factory.mktemp("delimited"), opening + content)
    _assert_allowed(read_page(page, CONTEXT))


@EXAMPLES
@given(
    delimiter=st.sampled_from(("---", "+++")),
    front_matter=st.text(max_size=500),
    body=BODIES,
)
def test_arbitrary_front_matter_text_gives_a_talk_or_error_findings(
    tmp_path_factory: pytest.TempPathFactory, delimiter: str, front_matter: str, body: str
) -> None:
    text = f"{delimiter}\n{front_matter}\n{delimiter}\n{body}"
    _assert_allowed(read_page(_page(tmp_path_factory.mktemp("text"), text.encode()), CONTEXT))


@EXAMPLES
@given(
    kind=st.sampled_from(sorted(WRITERS)),
    front_matter=FRONT_MATTER,
    body=BODIES,
    crlf=st.booleans(),
)
def test_arbitrary_front_matter_values_give_a_talk_or_error_findings(
    tmp_path_factory: pytest.TempPathFactory, kind: str, front_matter: dict[str, Any], body: str, crlf: bool
) -> None:
    text = WRITERS[kind](front_matter, body)
    if crlf:
        text = text.replace("\n", "\r\n")
    _assert_allowed(read_page(_page(tmp_path_factory.mktemp(kind), text.encode()), CONTEXT))


def _laughs(level: str) -> str:
    return ", ".join(f"*{level}" for _ in range(9))


def _keyed_laughs(level: str) -> str:
    return ", ".join(f"x{index}: *{level}" for index in range(1, 10))


ALIAS_BOMB_LIST = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{level}: &{level} [{_laughs(previous)}]\n"
    for previous, level in zip("abcdefgh", "bcdefghi", strict=True)
)
ALIAS_BOMB_MAP = (
    "a: &a {x1: lol, x2: lol, x3: lol, x4: lol, x5: lol, x6: lol, x7: lol, x8: lol, x9: lol}\n"
    + "".join(
        f"{level}: &{level} {{{_keyed_laughs(previous)}}}\n"
        for previous, level in zip("abcdefgh", "bcdefghi", strict=True)
    )
)


@pytest.mark.parametrize(
    "front_matter",
    [
        pytest.param(
            f"title: Laughs\npublishDate: 2024-05-01\n{ALIAS_BOMB_LIST}", id="lists-in-an-unread-key"
        ),
        pytest.param(
            f"title: Laughs\npublishDate: 2024-05-01\n{ALIAS_BOMB_LIST}tags: *i\nauthors: [*i]\n",
            id="lists-in-tags-and-authors",
        ),
        pytest.param(
            f"title: Laughs\npublishDate: 2024-05-01\n{ALIAS_BOMB_MAP}address: *i\n", id="maps-in-address"
        ),
    ],
)
def test_yaml_alias_bomb_is_refused_with_an_error(tmp_path: Path, front_matter: str) -> None:
    page = _page(tmp_path, f"---\n{front_matter}---\nBody.\n".encode())
    started = time.monotonic()
    result = read_page(page, CONTEXT)
    # A guard against expanding the bomb (minutes and gigabytes), not a speed target.
    assert time.monotonic() - started < 10
    assert result.talk is None
    assert [finding.severity for finding in result.findings] == [Severity.ERROR]
    assert "alias" in result.findings[0].message


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("date: 2024-02-30", id="unquoted-february-30"),
        pytest.param("date: 2024-01-01 25:00:00", id="unquoted-hour-25"),
        pytest.param("publishDate: !!timestamp soon", id="explicit-timestamp-tag"),
        pytest.param("summary: !!int many", id="explicit-int-tag"),
        pytest.param("summary: !!float much", id="explicit-float-tag"),
        pytest.param("summary: a\x1bb", id="control-character"),
    ],
)
def test_yaml_value_that_cannot_be_built_is_an_error_on_its_line(tmp_path: Path, line: str) -> None:
    """Such a scalar is a valid YAML token, but building its value fails (Hugo also refuses the page)."""
    result = read_page(_page(tmp_path, f"---\ntitle: Broken\n{line}\n---\n".encode()), CONTEXT)
    assert result.talk is None
    assert [(finding.severity, finding.line) for finding in result.findings] == [(Severity.ERROR, 3)]
    assert PRINTED_CONTROL.search(str(result.findings[0])) is None


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("date: 20240501120000", id="compact-timestamp-as-seconds"),
        pytest.param("date: -14625396282430", id="far-negative-seconds"),
        pytest.param("date: 1.0e+300", id="huge-float"),
        pytest.param("date: .nan", id="not-a-number"),
    ],
)
def test_number_of_seconds_beyond_any_date_is_an_error_on_its_line(tmp_path: Path, line: str) -> None:
    """Hugo reads a number as Unix seconds; one no calendar date has must be refused, not raised."""
    result = read_page(_page(tmp_path, f"---\ntitle: Far\n{line}\n---\n".encode()), CONTEXT)
    assert result.talk is None
    assert [(finding.severity, finding.line) for finding in result.findings] == [(Severity.ERROR, 3)]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param('time_start: "2024-05-01\\nlater"', id="line-feed"),
        pytest.param('time_start: "2024-05-01\\rlater"', id="carriage-return"),
        pytest.param('time_start: "\\e[2J2024-05-01"', id="terminal-escape"),
    ],
)
def test_finding_quoting_a_bad_value_prints_on_one_line(tmp_path: Path, line: str) -> None:
    result = read_page(_page(tmp_path, f"---\ntitle: Odd\n{line}\n---\n".encode()), CONTEXT)
    assert [(finding.severity, finding.line) for finding in result.findings] == [(Severity.ERROR, 3)]
    assert PRINTED_CONTROL.search(str(result.findings[0])) is None, str(result.findings[0])


def test_page_of_five_mib_is_refused_naming_its_size(tmp_path: Path) -> None:
    head = b"---\ntitle: Huge\npublishDate: 2024-05-01\n---\n"
    page = _page(tmp_path, head + b"x" * (5 * 1024 * 1024 - len(head)))
    result = read_page(page, replace(CONTEXT, max_page_bytes=1024 * 1024))
    assert result.talk is None
    assert [finding.severity for finding in result.findings] == [Severity.ERROR]
    assert result.findings[0].message.startswith("file is 5.0 MiB")
