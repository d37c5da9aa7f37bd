"""Parse the text formats of a Hugo site: front matter and data files in YAML, TOML or JSON.

The one module that imports python-frontmatter and PyYAML; their quirks are handled here.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from talkfeed.errors import NoFrontMatterError, PageError, UnreadableFileError
from talkfeed.read.paths import NotRegularError, cannot_read, read_regular

MIB = 1024 * 1024
DEFAULT_MAX_PAGE_BYTES = 16 * MIB
"""Pages larger than this are refused unless a run allows more (``--max-page-size``): real talk
pages stay under a few MiB, and reading and rendering cost grows only in step with the size, so
the bound is a guard against filling the memory, not a judgement on content."""
MAX_DATA_FILE_BYTES = 16 * MIB
"""Data and config files (author profiles, site configs, ``talkfeed.toml``) larger than this are refused."""
MAX_FRONT_MATTER_VALUES = 100_000
"""A bound on front matter once YAML aliases are expanded (an alias bomb exceeds it)."""
MAX_DATA_NESTING = 100
"""How deep lists and tables may nest in front matter, data and config files: no real file
comes near it, and every reader of nested values (and Python's stack) stays bounded by it."""

_TAB_AFTER_KEY = re.compile(r"^([ \t]*(?:-[ \t]+)?[^\s#'\"{\[][^:\n]*?:)\t+", re.MULTILINE)
"""A key followed by a tab, which Hugo reads and PyYAML refuses. The indent stays on its own line:
a leading run of any white space would reach across every blank line after it (time in the square)."""


_INTRO_SPACE = " \t\n"
"""What Hugo passes over before a page's front matter (line ends are already ``\\n``)."""


class _TOMLHandler(BaseHandler):
    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


_HANDLERS = (YAMLHandler(), _TOMLHandler(), JSONHandler())


@dataclass(frozen=True)
class FrontMatter:
    values: Mapping[str, Any]
    text: str
    first_line: int
    body: str
    body_line: int

    def line_of(self, key: str) -> int | None:
        pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[:=]", re.MULTILINE)
        match = pattern.search(self.text)
        return None if match is None else self.first_line + self.text.count("\n", 0, match.start())

    def written(self, key: str) -> str | None:
        """The value of a top-level ``key: value`` as the page writes it on that line, without a
        comment (a key of a nested table, or a value on the next line, is not this)."""
        pattern = re.compile(rf"^[\"']?{re.escape(key)}[\"']?[ \t]*:[ \t]*([^\n]*)$", re.MULTILINE)
        found = pattern.search(self.text)
        return found[1].split("#", 1)[0].strip() if found is not None else None


def go_true(value: object) -> bool:
    """Read a value as Hugo's ``cast.ToBool`` does: true, a number other than 0, or a text Go's
    ``strconv.ParseBool`` reads as true; any other text ("yes") is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value in _GO_TRUE


_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
"""The texts Go's ``strconv.ParseBool`` reads as true."""


@dataclass(frozen=True)
class PageText:
    """A page's front matter and body, and where its bytes were not UTF-8."""

    matter: FrontMatter
    decoding_problem_line: int | None


def read_page_text(path: Path, limit: int = DEFAULT_MAX_PAGE_BYTES) -> PageText:
    """Read, decode and split one page of at most ``limit`` bytes; raises ``PageError`` naming the
    line where known."""
    text, bad_line = _decode(_read_bytes(path, limit, "--max-page-size, or max-page-size in talkfeed.toml"))
    return PageText(split_front_matter(text), bad_line)


def load_data_file(path: Path) -> dict[str, Any]:
    """Load a YAML, TOML or JSON file holding one table; raises ``PageError``."""
    data = load_data(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PageError("is not a table of settings", 1)
    return data


def load_data(path: Path) -> Any:
    """Load a YAML, TOML or JSON file (by its suffix) as whatever it holds; raises ``PageError``."""
    raw = _read_bytes(path, MAX_DATA_FILE_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PageError(f"cannot read: {error}") from None
    return parse_data(text, path.suffix)


def parse_data(text: str, suffix: str) -> Any:
    """Parse the text of a YAML, TOML or JSON file, told by its suffix (``.toml``, ``.json``, else
    YAML); raises ``PageError``."""
    return _load({".toml": "toml", ".json": "json"}.get(suffix.lower(), "yaml"), text, 1)


def _read_bytes(path: Path, limit: int, setting: str | None = None) -> bytes:
    """Read a file of at most ``limit`` bytes; ``setting`` is how a run allows more, if it can."""
    try:
        raw = read_regular(path, limit)
    except NotRegularError as error:
        raise PageError(f"cannot read the file: {error.strerror}") from None
    except OSError as error:
        raise UnreadableFileError(cannot_read(error)) from None
    if len(raw) > limit:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = len(raw)
        how = f"raise {setting} if it is meant to be this large" if setting else "move content out of it"
        shown = f"{size / MIB:.1f} MiB" if size >= MIB // 10 else shown_size(size)
        raise PageError(f"file is {shown}; talkfeed reads files of up to {shown_size(limit)} ({how})")
    return raw


def shown_size(size: int) -> str:
    """A size as people read it and as ``--max-page-size`` takes it: ``16MiB``, ``1.5MiB``, ``900B``."""
    for unit, name in ((MIB, "MiB"), (1024, "KiB")):
        if size >= unit:
            return f"{size / unit:.1f}".removesuffix(".0") + name
    return f"{size}B"


def _decode(raw: bytes) -> tuple[str, int | None]:
    if not raw.strip():
        raise PageError("the file is empty (a talk page starts with front matter: ---)")
    if b"\x00" in raw[:8192]:
        raise PageError("this is a binary file, not a talk page (move it out of the section)")
    bad_line = None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = raw.count(b"\n", 0, error.start) + 1
        text = raw.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), bad_line


def split_front_matter(text: str) -> FrontMatter:
    """Split a page into its front matter and body, as Hugo does: blank lines, spaces and tabs
    before the opening delimiter are passed over."""
    lead = len(text) - len(text.lstrip(_INTRO_SPACE))
    # The opening delimiter's line: the front matter's text starts on it, after the delimiter.
    first_line = text.count("\n", 0, lead) + 1
    handler = frontmatter.detect_format(text[lead:], _HANDLERS)
    if handler is None:
        raise NoFrontMatterError(
            "no front matter: a talk page starts with ---, +++ or { (after any blank lines)", 1
        )
    try:
        _, raw, body = _boundary(handler).split(text[lead:], 2)
    except ValueError:
        raise PageError(
            f"front matter opened on line {first_line} is never closed (add the closing delimiter line)",
            first_line,
        ) from None
    if isinstance(handler, JSONHandler):
        raw = "{" + raw + "}"
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    try:
        values = _load(_kind(handler), raw, first_line)
    except PageError as error:
        raise PageError(f"front matter is {error.message}", error.line) from None
    if not isinstance(values, dict):
        raise PageError("front matter is not a set of key: value pairs", first_line)
    return FrontMatter(values, raw, first_line, body, body_line)


def _boundary(handler: BaseHandler) -> re.Pattern[str]:
    assert handler.FM_BOUNDARY is not None
    return handler.FM_BOUNDARY


def _kind(handler: BaseHandler) -> str:
    if isinstance(handler, YAMLHandler):
        return "yaml"
    return "json" if isinstance(handler, JSONHandler) else "toml"


def _load(kind: str, raw: str, first_line: int) -> Any:
    """Parse YAML, TOML or JSON text, bounded in size and nesting; raises ``PageError``."""
    try:
        data = _parse(kind, raw, first_line)
    except RecursionError:
        raise _too_deep(kind, raw, first_line) from None
    if not _within_bounds(data, first_line):
        raise _too_deep(kind, raw, first_line)
    return data


def _parse(kind: str, raw: str, first_line: int) -> Any:
    try:
        if kind == "yaml":
            return _load_yaml(raw)
        if kind == "json":
            return json.loads(raw)
        return tomllib.loads(raw)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if mark is not None and (quote := _unclosed_quote(raw, mark.line)) is not None:
            opened, reached = quote
            problem = _yaml_problem(error)
            raise PageError(
                f"not valid YAML: the quoted text opened on this line is not closed on it, so YAML reads "
                f"on to line {first_line + reached} and fails there ({problem}); close the quote",
                first_line + opened,
            ) from None
        line = first_line + mark.line if mark is not None else first_line
        raise PageError(f"not valid YAML: {_yaml_problem(error)}", line) from None
    except yaml.reader.ReaderError as error:
        line = first_line + raw.count("\n", 0, error.position)
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise PageError(f"not valid YAML: character U+{code:04X} is not allowed", line) from None
    except yaml.YAMLError as error:
        raise PageError(f"not valid YAML: {error}", first_line) from None
    except _UnbuildableValue as error:
        raise PageError(f"not valid YAML: {error.problem}", first_line + error.line) from None
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        line = first_line + int(found.group(1)) - 1 if found else first_line
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise PageError(f"not valid TOML: {message}", line) from None
    except json.JSONDecodeError as error:
        raise PageError(f"not valid JSON: {error.msg}", first_line + error.lineno - 1) from None


_QUOTED_VALUE = re.compile(r"""^[ \t]*(?:-[ \t]+)?(?:[^\s"'#:][^:#\n]*:[ \t]+)?(["'])""", re.MULTILINE)
_QUOTE_END = {'"': re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL), "'": re.compile(r"(?:[^']|'')*'")}


def _unclosed_quote(raw: str, failed_line: int) -> tuple[int, int] | None:
    """Find the quoted value that swallowed the lines up to where YAML failed: one opened on a line
    and not closed on it, whose text runs on (as YAML reads it) to the failing line or past it.
    Returns the line it opens on and the line YAML reached (0-based); ``None`` when there is none.

    A quoted value may span lines in YAML, so PyYAML only fails where what follows stops making
    sense, often many lines below the quote that was left open.
    """
    for match in _QUOTED_VALUE.finditer(raw):
        opened = raw.count("\n", 0, match.start())
        if opened >= failed_line:
            return None
        end = _QUOTE_END[match[1]].match(raw, match.end())
        closed = raw.count("\n", 0, end.end()) if end is not None else raw.count("\n")
        if closed != opened and closed >= failed_line:
            return opened, failed_line
    return None


def _too_deep(kind: str, raw: str, first_line: int) -> PageError:
    """Say that a file nests too deeply, on the line where it goes past the bound (YAML) or its first."""
    line = first_line + (_deep_yaml_line(raw) if kind == "yaml" else 0)
    return PageError(
        f"nested more than {MAX_DATA_NESTING} levels deep (lists and tables inside each other); "
        f"talkfeed reads up to {MAX_DATA_NESTING} (flatten it)",
        line,
    )


def _deep_yaml_line(raw: str) -> int:
    """The line (0-based) where a YAML document's nesting goes past the bound, from the C parser's
    events, which keep no stack of their own; 0 when it does not."""
    loader = yaml.CSafeLoader(raw)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return 0
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DATA_NESTING:
                    return event.start_mark.line if event.start_mark is not None else 0
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return 0
    finally:
        loader.dispose()


class _UnbuildableValue(Exception):
    """A YAML value that parses but cannot become a Python value (``2024-02-30``, ``!!int many``)."""

    def __init__(self, problem: str, line: int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


# PyYAML's constructors raise these, not YAMLError, for values such as "2024-02-30".
_CONSTRUCTION_ERRORS = (ValueError, TypeError, AttributeError, OverflowError)


def _load_yaml(raw: str) -> Any:
    try:
        return _construct(raw)
    except yaml.YAMLError as first_error:
        # Hugo's YAML 1.2 parser accepts a tab after "key:"; PyYAML does not.
        repaired = _TAB_AFTER_KEY.sub(r"\1 ", raw)
        if repaired == raw:
            raise
        try:
            return _construct(repaired)
        except yaml.YAMLError:
            raise first_error from None


def _construct(raw: str) -> Any:
    try:
        return _load_plain_yaml(raw)
    except (_Irregular, yaml.YAMLError, *_CONSTRUCTION_ERRORS):
        return _construct_with_pyyaml(raw)  # which says what is wrong, if anything


def _construct_with_pyyaml(raw: str) -> Any:
    try:
        return yaml.load(raw, Loader=yaml.CSafeLoader)
    except _CONSTRUCTION_ERRORS as error:
        raise _UnbuildableValue(*_find_unbuildable(raw, error)) from None


class _Irregular(Exception):
    """The document holds what only PyYAML's own constructor builds: anchors, tags, merge keys."""


_STR_TAG = "tag:yaml.org,2002:str"
_IMPLICIT_TAGS = ("null", "bool", "int", "float", "timestamp")
_BUILDERS = {
    f"tag:yaml.org,2002:{name}": yaml.CSafeLoader.yaml_constructors[f"tag:yaml.org,2002:{name}"]
    for name in _IMPLICIT_TAGS
}
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_RESOLVERS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}
_MOST_PLAIN_DEPTH = 50
"""Deeper documents are built by PyYAML, whose recursion limit then speaks."""
_AWAITING_KEY = object()


def _load_plain_yaml(raw: str) -> Any:
    """Build a document as ``yaml.load(raw, Loader=yaml.CSafeLoader)`` does, from the C parser's
    events, without PyYAML's Python composer and constructor (half the time of a page's YAML).

    Only documents of untagged, anchorless scalars, mappings with scalar keys and sequences
    are built here, each plain scalar resolved by PyYAML's own rules and constructors; any
    other raises ``_Irregular`` (or PyYAML's error) for ``yaml.load`` to build it.
    """
    loader = yaml.CSafeLoader(raw)
    try:
        next_event = loader.get_event
        next_event()  # the stream's start
        event: Any = next_event()
        if type(event) is yaml.StreamEndEvent:
            return None
        if type(event) is not yaml.DocumentStartEvent:
            raise _Irregular
        root: Any = None
        open_: list[Any] = []  # the collections being filled, innermost last
        keys: list[Any] = []  # for each, the key whose value comes next (mappings)
        while True:
            event = next_event()
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                open_.pop()
                keys.pop()
                if not open_:
                    break
                continue
            if event.anchor is not None or getattr(event, "tag", None) is not None:
                raise _Irregular
            if kind is yaml.ScalarEvent:
                value = _plain_scalar(event.value) if event.implicit[0] else event.value
            elif kind is yaml.MappingStartEvent:
                value = {}
            elif kind is yaml.SequenceStartEvent:
                value = []
            else:
                raise _Irregular
            if not open_:
                root = value
            elif type(open_[-1]) is list:
                open_[-1].append(value)
            elif keys[-1] is not _AWAITING_KEY:
                open_[-1][keys[-1]] = value
                keys[-1] = _AWAITING_KEY
            elif kind is yaml.ScalarEvent:
                keys[-1] = value
            else:
                raise _Irregular
            if kind is not yaml.ScalarEvent:
                if len(open_) == _MOST_PLAIN_DEPTH:
                    raise _Irregular
                open_.append(value)
                keys.append(_AWAITING_KEY)
            elif not open_:
                break
        if type(next_event()) is not yaml.DocumentEndEvent or type(next_event()) is not yaml.StreamEndEvent:
            raise _Irregular
        return root
    finally:
        loader.dispose()


def _plain_scalar(value: str) -> Any:
    """Build a plain scalar as PyYAML resolves and constructs it (YAML 1.1: ``yes``, ``1:30``…)."""
    first = value[0] if value else ""
    resolvers = _RESOLVERS.get(first)
    if resolvers is None:
        table = yaml.CSafeLoader.yaml_implicit_resolvers
        resolvers = _RESOLVERS[first] = tuple(table.get(first, []) + table.get(None, []))
    for tag, pattern in resolvers:
        if pattern.match(value):
            if tag == _STR_TAG:
                return value
            build = _BUILDERS.get(tag)
            if build is None:
                raise _Irregular  # a merge key, "=", …
            return build(_CONSTRUCTOR, yaml.ScalarNode(tag, value))
    return value


def _find_unbuildable(raw: str, error: Exception) -> tuple[str, int]:
    """Name the scalar that failed to build, and its line (0-based), by building each in turn."""
    loader = yaml.CSafeLoader(raw)
    try:
        root = loader.get_single_node()
        stack = [root] if root is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                try:
                    loader.construct_object(node, deep=True)
                except _CONSTRUCTION_ERRORS:
                    return (
                        f"{node.value!r} is not a valid {node.tag.rsplit(':', 1)[-1]}",
                        node.start_mark.line,
                    )
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                stack.extend(value for pair in reversed(node.value) for value in reversed(pair))
    finally:
        loader.dispose()
    return str(error), 0


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "unreadable"
    if error.context:
        problem = f"{error.context}, {problem}"
    return " ".join(problem.split())


def _within_bounds(values: Any, first_line: int) -> bool:
    """Tell whether parsed values nest at most ``MAX_DATA_NESTING`` deep; raise ``PageError`` when
    they expand to more than ``MAX_FRONT_MATTER_VALUES`` values (YAML aliases can make a few
    lines into millions, or into a list that holds itself)."""
    budget = MAX_FRONT_MATTER_VALUES
    stack = [(values, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise PageError(
                f"front matter expands to more than {MAX_FRONT_MATTER_VALUES:,} values "
                "(a YAML alias bomb?); refused",
                first_line,
            )
        if isinstance(item, dict | list):
            if depth == MAX_DATA_NESTING:
                return False
            stack.extend((each, depth + 1) for each in (item.values() if isinstance(item, dict) else item))
    return True


def repeated_yaml_key(path: Path) -> tuple[str, int] | None:
    """Find a key a YAML mapping of this page's front matter (or data file) holds twice.

    PyYAML keeps the last value silently; current Hugo (since its YAML library changed) refuses
    the whole site. Returns the key and its second line (1-based), or ``None``.
    """
    try:
        text = _decode(_read_bytes(path, MAX_DATA_FILE_BYTES))[0]
    except PageError:
        return None
    first_line = 1
    if path.suffix.lower() not in (".yaml", ".yml"):
        if not text.lstrip("\ufeff" + _INTRO_SPACE).startswith("---"):
            return None
        try:
            matter = split_front_matter(text)
        except PageError:
            return None
        text, first_line = matter.text, matter.first_line
    try:
        # libyaml's composer: the pure-Python one recurses once a level, and a file may nest deeply.
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    nodes = [root] if root is not None else []
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        return key.value, first_line + key.start_mark.line
                    seen.add(key.value)
                nodes.append(value)
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(node.value)
    return None
