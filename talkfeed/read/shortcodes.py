"""Expand the Hugo shortcodes of a page body into Markdown and plain HTML.

Known shortcodes become simple HTML a feed reader can show (no iframes or scripts);
unknown ones are dropped with a warning, keeping their inner text, so no raw
``{{<`` or ``{{%`` ever reaches a feed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from html import escape

_TAG = re.compile(
    r"\{\{(?P<open>[<%])(?P<comment>/\*)?\s*(?P<closing>/)?\s*(?P<name>[\w.-]+)"
    r"(?P<args>(?:[^{]|\{(?!\{))*?)(?P<self>/)?\s*(?(comment)\*/)(?P<close>[>%])\}\}",
    re.DOTALL,
)
"""A shortcode's tag; its arguments end at the next ``{{``, so an unclosed tag costs a look up to
the next one, not to the end of the page (each of many unclosed tags would read the rest)."""


MAX_WARNINGS = 100
"""Shortcode warnings a page gives at most; the rest are counted in one line."""


@dataclass
class _Node:
    name: str
    args: tuple[str, ...]
    named: Mapping[str, str]
    line: int
    children: list[_Node | str] = field(default_factory=list)
    paired: bool = False


@dataclass(frozen=True)
class Expansion:
    text: str
    warnings: tuple[tuple[int, str], ...]
    """(line, message) pairs; lines are 1-based within the expanded text's source."""


def expand_shortcodes(text: str, first_line: int = 1) -> Expansion:
    """Replace every shortcode in ``text``; ``first_line`` is the line ``text`` starts on."""
    if "{{" not in text:
        return Expansion(text, ())
    warnings: list[tuple[int, str]] = []
    root = _parse(text, first_line)
    expanded = _render(root, warnings)
    lines = _Lines(expanded, first_line)
    for stray in _STRAY.finditer(expanded):
        warnings.append((lines.at(stray.start()), f"unclosed shortcode {stray.group()!r} shown as text"))
    if len(warnings) > MAX_WARNINGS:
        more = len(warnings) - MAX_WARNINGS
        line = warnings[MAX_WARNINGS][0]
        warnings[MAX_WARNINGS:] = [(line, f"{more} more shortcode warnings like these are not shown")]
    return Expansion(_STRAY.sub(_defuse, expanded), tuple(warnings))


class _Lines:
    """Tell the line of positions met in order, counting each line break once."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.line = first_line
        self.position = 0

    def at(self, position: int) -> int:
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


_STRAY = re.compile(r"\{\{[<%]")


def _defuse(match: re.Match[str]) -> str:
    return "&#123;&#123;" + escape(match.group()[2:])


def _parse(text: str, first_line: int) -> list[_Node | str]:
    """Parse shortcodes into a tree: a closing tag pairs with the innermost open tag of its name,
    and the tags opened inside it and never closed are standalone (their text follows them).

    Linear in the number of tags, however they nest or stay open: tags are paired first, with
    the open ones of each name at hand, and the tree built from the pairs in one pass.
    """
    tokens: list[_Node | str | None] = []  # None: the closing tag of a paired open tag
    paired: set[int] = set()
    open_tags: list[int] = []  # the tokens of the tags open now, innermost last
    open_by_name: dict[str, list[int]] = {}
    position = 0
    lines = _Lines(text, first_line)
    for match in _TAG.finditer(text):
        tokens.append(text[position : match.start()])
        position = match.end()
        line = lines.at(match.start())
        name = match["name"]
        if match["comment"]:
            tokens.append(_escaped_literal(match))
        elif match["closing"]:
            opened = open_by_name.get(name)
            if opened:
                target = opened.pop()
                # Each tag opened inside and still open is the latest open one of its name.
                while (inner := open_tags.pop()) != target:
                    open_by_name[_name_of(tokens[inner])].pop()
                paired.add(target)
                tokens.append(None)
            else:
                tokens.append(_Node(f"/{name}", (), {}, line))
        else:
            args, named = _split_arguments(match["args"])
            tokens.append(_Node(name, args, named, line))
            if not match["self"]:
                open_tags.append(len(tokens) - 1)
                open_by_name.setdefault(name, []).append(len(tokens) - 1)
    tokens.append(text[position:])
    root: list[_Node | str] = []
    filling = [root]
    for index, token in enumerate(tokens):
        if token is None:
            filling.pop()
            continue
        filling[-1].append(token)
        if index in paired and isinstance(token, _Node):
            token.paired = True
            filling.append(token.children)
    return root


def _name_of(token: _Node | str | None) -> str:
    assert isinstance(token, _Node)
    return token.name


def _escaped_literal(match: re.Match[str]) -> str:
    # {{</* x */>}} shows the shortcode as text in Hugo; keep it visible but inert.
    inner = f"{match['closing'] or ''}{match['name']}{match['args']}".strip()
    return escape(f"{{{{{match['open']} {inner} {'>' if match['open'] == '<' else '%'}}}}}").replace(
        "{{", "&#123;&#123;"
    )


def _split_arguments(raw: str) -> tuple[tuple[str, ...], dict[str, str]]:
    try:
        words = shlex.split(raw.replace("`", '"'))
    except ValueError:
        words = raw.split()
    positional: list[str] = []
    named: dict[str, str] = {}
    for word in words:
        key, equals, value = word.partition("=")
        if equals and re.fullmatch(r"[\w-]+", key):
            named[key] = value
        else:
            positional.append(word)
    return tuple(positional), named


def _render(nodes: list[_Node | str], warnings: list[tuple[int, str]]) -> str:
    """Expand a tree of shortcodes, innermost first, without recursion (pairs may nest deeply)."""
    done: list[list[str]] = [[]]
    pending: list[tuple[Iterator[_Node | str], _Node | None]] = [(iter(nodes), None)]
    while pending:
        children, owner = pending[-1]
        child = next(children, None)
        if child is None:
            pending.pop()
            inner = "".join(done.pop())
            if owner is None:
                return inner
            done[-1].append(_expanded(owner, inner, warnings))
        elif isinstance(child, str):
            done[-1].append(child)
        else:
            pending.append((iter(child.children), child))
            done.append([])
    return ""


def _expanded(node: _Node, inner: str, warnings: list[tuple[int, str]]) -> str:
    handler = _HANDLERS.get(node.name.lower())
    if handler is None:
        warnings.append((node.line, _unknown_message(node)))
        return inner
    return handler(node, inner)


def _unknown_message(node: _Node) -> str:
    kept = " (its inner text is kept)" if node.paired else ""
    return f"unknown shortcode {{{{< {node.name} >}}}} dropped{kept}"


def _argument(node: _Node, name: str, index: int = 0) -> str:
    if name in node.named:
        return node.named[name]
    return node.args[index] if len(node.args) > index else ""


def _alert(node: _Node, inner: str) -> str:
    kind = _argument(node, "type").strip() or "note"
    label = escape(kind.capitalize())
    return f"\n\n<blockquote>\n\n**{label}:** {inner.strip()}\n\n</blockquote>\n\n"


def _figure(node: _Node, inner: str) -> str:
    source = node.named.get("src", "")
    caption = node.named.get("caption", "") or node.named.get("title", "")
    alt = node.named.get("alt", "") or caption
    image = f'<img src="{escape(source)}" alt="{escape(alt)}">' if source else ""
    link = node.named.get("link")
    if link and image:
        image = f'<a href="{escape(link)}">{image}</a>'
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"\n\n<figure>{image}{caption_html}</figure>\n\n"


def _video_link(site: str, label: str) -> Callable[[_Node, str], str]:
    def render(node: _Node, inner: str) -> str:
        ident = _argument(node, "id")
        if not ident:
            return inner
        url = site.format(id=ident, user=_argument(node, "user", 0))
        return f'\n\n<p><a href="{escape(url)}">{escape(label)}</a></p>\n\n'

    return render


def _gist(node: _Node, inner: str) -> str:
    user, ident = _argument(node, "user", 0), _argument(node, "id", 1)
    if not (user and ident):
        return inner
    url = f"https://gist.github.com/{user}/{ident}"
    return f'\n\n<p><a href="{escape(url)}">View the code on GitHub Gist</a></p>\n\n'


def _tweet(node: _Node, inner: str) -> str:
    user, ident = node.named.get("user", ""), _argument(node, "id", 0)
    if not ident:
        return inner
    url = f"https://twitter.com/{user or 'i/web'}/status/{ident}"
    return f'\n\n<p><a href="{escape(url)}">View the post on X</a></p>\n\n'


def _static_link(node: _Node, inner: str) -> str:
    target = _argument(node, "href", 0)
    if not target:
        return inner
    url = target if re.match(r"[a-z]+:|/", target) else f"/{target}"
    return f'<a href="{escape(url)}">{inner or escape(target)}</a>'


def _reference(node: _Node, inner: str) -> str:
    # ref/relref resolve a content path to its URL; the path as Hugo would print it is the
    # best guess without the whole site: drop the extension and "index"/"_index".
    target = _argument(node, "path", 0)
    if target.startswith("#") or not target:
        return target
    path, _, anchor = target.partition("#")
    path = re.sub(r"(/?_?index)?(\.[a-z]+)?$", "", path.strip("/"), flags=re.IGNORECASE)
    return f"/{path}/" + (f"#{anchor}" if anchor else "")


def _button(node: _Node, inner: str) -> str:
    url = node.named.get("url") or node.named.get("cta_link") or node.named.get("href", "")
    text = inner.strip() or node.named.get("text") or node.named.get("cta_text") or url
    if not url:
        return inner
    return f'<a href="{escape(url)}">{escape(text) if not inner.strip() else text}</a>'


def _video(node: _Node, inner: str) -> str:
    source = node.named.get("src") or _argument(node, "src")
    if not source:
        return inner
    return f'\n\n<p><a href="{escape(source)}">Watch the video</a></p>\n\n'


def _wrap(tag: str) -> Callable[[_Node, str], str]:
    return lambda node, inner: f"<{tag}>{inner}</{tag}>"


def _spoiler(node: _Node, inner: str) -> str:
    title = escape(node.named.get("text", "") or _argument(node, "text"))
    return f"\n\n<details><summary>{title}</summary>\n\n{inner.strip()}\n\n</details>\n\n"


def _nothing(node: _Node, inner: str) -> str:
    return inner


def _dropped(node: _Node, inner: str) -> str:
    return ""


_HANDLERS: dict[str, Callable[[_Node, str], str]] = {
    "alert": _alert,
    "callout": _alert,
    "figure": _figure,
    "youtube": _video_link("https://www.youtube.com/watch?v={id}", "Watch the video on YouTube"),
    "vimeo": _video_link("https://vimeo.com/{id}", "Watch the video on Vimeo"),
    "speakerdeck": _video_link("https://speakerdeck.com/player/{id}", "View the slides on Speaker Deck"),
    "bilibili": _video_link("https://www.bilibili.com/video/{id}", "Watch the video on Bilibili"),
    "gist": _gist,
    "tweet": _tweet,
    "x": _tweet,
    "staticref": _static_link,
    "hl": _wrap("mark"),
    "mark": _wrap("mark"),
    "spoiler": _spoiler,
    "ref": _reference,
    "relref": _reference,
    "button": _button,
    "cta": _button,
    "video": _video,
    "gallery": _nothing,
    "math": _nothing,
    "center": _nothing,
    "toc": _nothing,
    "icon": _nothing,
    "list_children": _nothing,
    # talkfeed's own subscribe block (``talkfeed snippet subscribe``), which a talk page may carry.
    "talkfeed-subscribe": _dropped,
}
