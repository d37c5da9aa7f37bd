"""Expand the Hugo shortcodes of a page body into Markdown and plain HTML.

Known shortcodes become simple HTML a feed reader can show (no iframes or scripts);
unknown ones are dropped with a warning, keeping their inner text, so no raw
``{{<`` or ``{{%`` ever reaches a feed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape

_TAG = re.compile(
    r"\{\{(?P<open>[<%])(?P<comment>/\*)?\s*(?P<closing>/)?\s*(?P<name>[\w.-]+)"
    r"(?P<args>.*?)(?P<self>/)?\s*(?(comment)\*/)(?P<close>[>%])\}\}",
    re.DOTALL,
)


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
    for stray in _STRAY.finditer(expanded):
        line = first_line + expanded.count("\n", 0, stray.start())
        warnings.append((line, f"unclosed shortcode {stray.group()!r} shown as text"))
    return Expansion(_STRAY.sub(_defuse, expanded), tuple(warnings))


_STRAY = re.compile(r"\{\{[<%]")


def _defuse(match: re.Match[str]) -> str:
    return "&#123;&#123;" + escape(match.group()[2:])


def _parse(text: str, first_line: int) -> list[_Node | str]:
    root = _Node("", (), {}, first_line)
    stack = [root]
    position = 0
    for match in _TAG.finditer(text):
        stack[-1].children.append(text[position : match.start()])
        position = match.end()
        line = first_line + text.count("\n", 0, match.start())
        if match["comment"]:
            stack[-1].children.append(_escaped_literal(match))
            continue
        name = match["name"]
        if match["closing"]:
            _close(stack, name, line)
            continue
        args, named = _split_arguments(match["args"])
        node = _Node(name, args, named, line)
        stack[-1].children.append(node)
        if not match["self"]:
            stack.append(node)
    stack[-1].children.append(text[position:])
    while len(stack) > 1:
        _unwind(stack)
    return root.children


def _close(stack: list[_Node], name: str, line: int) -> None:
    for depth in range(len(stack) - 1, 0, -1):
        if stack[depth].name == name:
            while len(stack) - 1 > depth:
                _unwind(stack)
            stack[depth].paired = True
            stack.pop()
            return
    stack[-1].children.append(_Node(f"/{name}", (), {}, line))


def _unwind(stack: list[_Node]) -> None:
    """Treat the innermost open tag as standalone: its 'children' follow it as siblings."""
    node = stack.pop()
    parent = stack[-1].children
    children, node.children = node.children, []
    parent.extend(children)


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
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        inner = _render(node.children, warnings)
        handler = _HANDLERS.get(node.name.lower())
        if handler is None:
            warnings.append((node.line, _unknown_message(node)))
            out.append(inner)
        else:
            out.append(handler(node, inner))
    return "".join(out)


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
