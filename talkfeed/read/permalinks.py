"""Compute a talk page's path as Hugo does: ``permalinks`` patterns, ``url``, ``slug``, ``uglyURLs``.

Hugo's rules (resources/page/permalinks.go and page_paths.go): the first ``permalinks`` rule
whose target matches the page's path gives a pattern whose ``:tokens`` are expanded; without
one the path is the page's folder plus its slug or file name. Either is then sanitized
(letters, digits, marks and ``. / \\ _ # + ~ - @`` kept, runs of spaces become one hyphen,
everything else dropped) and lower-cased unless ``disablePathToLower``. A front-matter ``url``
is taken as written. Paths here carry no leading slash and are not percent-encoded.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from talkfeed.model import PermalinkRule

_TOKEN = re.compile(r":\w+(\[.+?\])?")
_ESCAPED_COLON = "\x00"
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class PermalinkError(ValueError):
    """A ``permalinks`` pattern Hugo would refuse; the message says which token."""


@dataclass(frozen=True)
class PathStyle:
    """The site settings that shape every path."""

    lower: bool = True
    remove_accents: bool = False
    ugly: bool = False
    older_hugo: bool = False
    """Follow Hugo 0.111, the newest Hugo that builds a site current Hugo refuses: a slash in a
    title or slug stays a slash."""


@dataclass(frozen=True)
class PageFacts:
    """What a permalink pattern can draw on."""

    sections: tuple[str, ...]
    """The folders between the content root and the page, as written."""
    file_name: str
    """The file's base name without extension and language (a bundle's folder name)."""
    title: str
    slug: str | None
    date: datetime | None
    section_slugs: tuple[str, ...] = ()
    """Each section's slug, else title, else folder name."""


def rules_from_config(value: object) -> tuple[PermalinkRule, ...]:
    """Read a ``permalinks`` config value in any form Hugo accepts; pages only.

    ``{section: pattern}`` (the old form), ``{page: {section: pattern}}`` and the list form
    ``[{target: {kind, path}, pattern}]``. Forms for other kinds (terms, sections) are skipped.
    """
    rules: list[PermalinkRule] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, str):
                rules.append(PermalinkRule(_section_glob(str(key)), item))
            elif isinstance(item, Mapping) and str(key).lower() == "page":
                rules += [
                    PermalinkRule(_section_glob(str(section)), pattern)
                    for section, pattern in item.items()
                    if isinstance(pattern, str)
                ]
    elif isinstance(value, list):
        for item in value:
            if not isinstance(item, Mapping) or not isinstance(item.get("pattern"), str):
                continue
            target = item.get("target")
            target = target if isinstance(target, Mapping) else {}
            kind = str(target.get("kind") or "page").lower()
            if kind == "page":
                rules.append(PermalinkRule(str(target.get("path") or "/**").lower(), item["pattern"]))
    return tuple(rules)


def _section_glob(section: str) -> str:
    section = section.strip(" /")
    return "/*" if not section else "/{" + section + "," + section + "/**}"


_GLOBS: dict[str, re.Pattern[str]] = {}


def glob_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a Hugo glob (``*``, ``**``, ``?``, ``{a,b}``) to a regular expression."""
    compiled = _GLOBS.get(pattern)
    if compiled is None:
        out, index = [], 0
        while index < len(pattern):
            char = pattern[index]
            if pattern.startswith("**", index):
                out.append(".*")
                index += 2
                continue
            if char == "*":
                out.append("[^/]*")
            elif char == "?":
                out.append("[^/]")
            elif char == "{":
                out.append("(?:")
            elif char == "}":
                out.append(")")
            elif char == ",":
                out.append("|")
            else:
                out.append(re.escape(char))
            index += 1
        compiled = _GLOBS[pattern] = re.compile("".join(out))
    return compiled


def logical_path(sections: Sequence[str], file_name: str) -> str:
    """A page's path as Hugo matches targets against it: ``/talk/my-talk``."""
    return "/" + "/".join(re.sub(r"\s", "-", part).lower() for part in (*sections, file_name))


def expand(pattern: str, facts: PageFacts, style: PathStyle) -> str:
    """Expand a permalink pattern for one page; raises ``PermalinkError`` for unknown tokens."""

    def urlize(text: str) -> str:
        # Current Hugo makes a slash in a title or slug a hyphen, not a folder; Hugo 0.111 kept it.
        return sanitize_path(text if style.older_hugo else text.replace("/", "-"), style)

    text = pattern.replace("\\:", _ESCAPED_COLON)
    pieces: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        pieces += [text[last : match.start()], _token(match.group()[1:], facts, urlize)]
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces).replace(_ESCAPED_COLON, ":")


def _token(name: str, facts: PageFacts, urlize: Callable[[str], str]) -> str:
    slug_else_title = urlize(facts.slug) if facts.slug else urlize(facts.title)
    if name.startswith("sections["):
        return "/".join(_cut(facts.sections, name[len("sections") :]))
    if name.startswith("sectionslugs["):
        return "/".join(_cut(_section_slugs(facts, urlize), name[len("sectionslugs") :]))
    simple: Mapping[str, Callable[[], str]] = {
        "section": lambda: facts.sections[0] if facts.sections else "",
        "sectionslug": lambda: _section_slugs(facts, urlize)[0] if facts.sections else "",
        "sections": lambda: "/".join(facts.sections),
        "sectionslugs": lambda: "/".join(_section_slugs(facts, urlize)),
        "title": lambda: urlize(facts.title),
        "slug": lambda: slug_else_title,
        "slugorfilename": lambda: urlize(facts.slug) if facts.slug else urlize(facts.file_name),
        "filename": lambda: urlize(facts.file_name),
        "contentbasename": lambda: urlize(facts.file_name),
        "slugorcontentbasename": lambda: urlize(facts.slug) if facts.slug else urlize(facts.file_name),
    }
    if name in simple:
        return simple[name]()
    return _date_token(name, facts.date)


def _section_slugs(facts: PageFacts, urlize: Callable[[str], str]) -> tuple[str, ...]:
    names = facts.section_slugs or facts.sections
    return tuple(urlize(name) for name in names)


def _date_token(name: str, moment: datetime | None) -> str:
    if moment is None:
        moment = datetime(1, 1, 1)
    named: Mapping[str, Callable[[datetime], str]] = {
        "year": lambda when: str(when.year),
        "month": lambda when: f"{when.month:02d}",
        "monthname": lambda when: _MONTHS[when.month - 1],
        "day": lambda when: f"{when.day:02d}",
        "weekday": lambda when: str((when.weekday() + 1) % 7),
        "weekdayname": lambda when: _WEEKDAYS[(when.weekday() + 1) % 7],
        "yearday": lambda when: str(when.timetuple().tm_yday),
    }
    if name in named:
        return named[name](moment)
    formatted = _go_layout(name, moment)
    if formatted is None:
        raise PermalinkError(f'permalink token ":{name}" is not one Hugo knows')
    return formatted


_GO_ELEMENTS: Sequence[tuple[str, Callable[[datetime], str]]] = (
    ("January", lambda when: _MONTHS[when.month - 1]),
    ("Monday", lambda when: _WEEKDAYS[(when.weekday() + 1) % 7]),
    ("2006", lambda when: f"{when.year:04d}"),
    ("Jan", lambda when: _MONTHS[when.month - 1][:3]),
    ("Mon", lambda when: _WEEKDAYS[(when.weekday() + 1) % 7][:3]),
    ("002", lambda when: f"{when.timetuple().tm_yday:03d}"),
    ("01", lambda when: f"{when.month:02d}"),
    ("02", lambda when: f"{when.day:02d}"),
    ("03", lambda when: f"{(when.hour % 12) or 12:02d}"),
    ("04", lambda when: f"{when.minute:02d}"),
    ("05", lambda when: f"{when.second:02d}"),
    ("06", lambda when: f"{when.year % 100:02d}"),
    ("15", lambda when: f"{when.hour:02d}"),
    ("PM", lambda when: "PM" if when.hour >= 12 else "AM"),
    ("pm", lambda when: "pm" if when.hour >= 12 else "am"),
    ("1", lambda when: str(when.month)),
    ("2", lambda when: str(when.day)),
    ("3", lambda when: str((when.hour % 12) or 12)),
    ("4", lambda when: str(when.minute)),
    ("5", lambda when: str(when.second)),
)


def _go_layout(layout: str, moment: datetime) -> str | None:
    """Format ``moment`` with a Go time layout made of word characters; ``None`` if it has none."""
    out: list[str] = []
    index = 0
    used = False
    while index < len(layout):
        for element, render in _GO_ELEMENTS:
            if layout.startswith(element, index):
                out.append(render(moment))
                index += len(element)
                used = True
                break
        else:
            out.append(layout[index])
            index += 1
    return "".join(out) if used else None


def _cut(items: tuple[str, ...], spec: str) -> tuple[str, ...]:
    """Slice ``items`` as Hugo's ``[n]``, ``[low:high]`` and ``[last]`` do, never failing."""
    spec = spec.strip().lower()
    if len(spec) < 3 or spec[0] != "[" or spec[-1] != "]" or not items:
        return ()
    inner = spec[1:-1]

    def bound(text: str, low: bool) -> int:
        if text == "":
            return 0 if low else len(items)
        if text == "last":
            return len(items) - 1
        number = max(int(text), 0) if text.isdigit() else 0
        if number >= len(items):
            return -1 if low else len(items)
        return number

    if ":" not in inner:
        at = bound(inner, True)
        return () if at < 0 or not items[at] else (items[at],)
    low, high = inner.split(":", 1)
    start, stop = bound(low, True), bound(high, False)
    return () if start < 0 or stop < 0 else items[start:stop]


def sanitize_path(text: str, style: PathStyle) -> str:
    """Hugo's ``MakePathSanitized``: keep path-safe characters, hyphenate spaces, lower-case."""
    result = text if _PATH_SAFE.fullmatch(text) else _kept(text)
    if style.remove_accents:
        decomposed = unicodedata.normalize("NFD", result)
        result = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return result.lower() if style.lower else result


def _kept(text: str) -> str:
    out: list[str] = []
    pending_hyphen = False
    was_hyphen = False
    for index, char in enumerate(text):
        if _allowed(text, index, char):
            was_hyphen = char == "-"
            if pending_hyphen:
                if not was_hyphen:
                    out.append("-")
                pending_hyphen = False
            out.append(char)
        elif out and not was_hyphen and char.isspace():
            pending_hyphen = True
    return "".join(out)


_PATH_SAFE = re.compile(r"[A-Za-z0-9./\\_#+~@-]*")
"""Characters ``_allowed`` keeps whatever surrounds them: a text of only these is kept whole."""


def _allowed(text: str, index: int, char: str) -> bool:
    if char == " ":
        return False
    if char.isalpha() or unicodedata.category(char) == "Nd" or char in "./\\_#+~-@":
        return True
    if unicodedata.category(char).startswith("M"):
        return True
    return char == "%" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[index + 1 : index + 3]) is not None


def page_url_path(
    *,
    facts: PageFacts,
    url: str | None,
    rules: Sequence[PermalinkRule],
    style: PathStyle,
    prefix: str,
) -> str:
    """The page's URL path below the base URL (``talk/my-talk/``), as Hugo links it.

    ``prefix`` is the language folder (``fr``) or empty. Raises ``PermalinkError`` when the
    matching pattern has a token Hugo does not know.
    """
    if url is not None:
        return _front_matter_url(url, prefix)
    path = logical_path(facts.sections, facts.file_name)
    rule = next((rule for rule in rules if glob_pattern(rule.target).fullmatch(path) is not None), None)
    if rule is not None:
        path = sanitize_path(expand(rule.pattern, facts, style), style).strip("/")
    else:
        base = sanitize_path(facts.slug, style) if facts.slug else facts.file_name
        path = sanitize_path("/".join((*facts.sections, base)), style)
    path = "/".join(part for part in path.split("/") if part)
    if prefix:
        path = f"{sanitize_path(prefix, style)}/{path}" if path else sanitize_path(prefix, style)
    if not path:
        return ""
    return f"{path}.html" if style.ugly else f"{path}/"


def _front_matter_url(url: str, prefix: str) -> str:
    """Take ``url`` as Hugo does (``CreateTargetPaths``): a relative one is below the language
    folder (``fr/x`` in French is ``fr/fr/x/``), ``..`` is resolved from the root, and a URL
    with a dot anywhere and no trailing slash names a file (``/events/pycon.de/talk``)."""
    relative = not url.startswith("/")
    text = url.replace("\\", "/")
    if ".." in text:
        text = posixpath.normpath("/" + text)
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if relative and prefix and not text.startswith(f"/{prefix}"):
        parts.insert(0, prefix)
    path = "/".join(parts)
    if not path:
        return ""
    if text.endswith("/") or "." not in text:
        return path + "/"
    return path
