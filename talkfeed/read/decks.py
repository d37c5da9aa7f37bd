"""Link the slide decks a talk page names: ``slides: example`` is the page ``slides/example`` of
its content folder, which the themes link (``site.GetPage "slides/<name>"``) at its permalink."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talkfeed.clean import clean_text
from talkfeed.errors import PageError
from talkfeed.model import Link, PermalinkRule
from talkfeed.read.page_files import PageFiles
from talkfeed.read.parsing import go_true, read_page_text
from talkfeed.read.permalinks import PageFacts, PathStyle, PermalinkError, page_url_path

_MAX_DECKS = 100


@dataclass(frozen=True)
class DeckSite:
    """What a deck's permalink depends on in the talk's language."""

    rules: tuple[PermalinkRule, ...]
    style: PathStyle
    prefix: str
    """The language's folder in paths (``fr``), or ""."""
    max_page_bytes: int


def deck_links(value: object, files: PageFiles, site: DeckSite) -> list[Link]:
    """Links to the decks a ``slides`` value names, at their permalinks; a name with no deck
    page (or a draft one) gives none, as the themes show none."""
    links = []
    for name in deck_names(value)[:_MAX_DECKS]:
        found = files.slides_page(name)
        deck = _front_matter(found, site.max_page_bytes) if found is not None else None
        if deck is None:
            continue
        facts = PageFacts(
            sections=("slides",),
            file_name=name,
            title=_plain(deck.get("title")) or name,
            slug=_plain(deck.get("slug")),
            date=None,
        )
        try:
            url_path = page_url_path(
                facts=facts,
                url=_plain(deck.get("url")),
                rules=site.rules,
                style=site.style,
                prefix=site.prefix,
            )
        except PermalinkError:
            continue
        links.append(Link(None, url_path or "./", "slides"))
    return links


def deck_names(value: object) -> list[str]:
    """The decks a ``slides`` value names: a name, or a list of them (a table is Reveal.js's
    settings of a deck page itself)."""
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [name.strip() for name in names if isinstance(name, str) and name.strip()]


def _front_matter(path: Path, limit: int) -> dict[str, Any] | None:
    """A deck page's front matter, keys in lower case; ``None`` for a draft (Hugo finds no such
    page) or a page that cannot be read."""
    try:
        values = read_page_text(path, limit).matter.values
    except PageError:
        return None
    deck = {str(key).lower(): value for key, value in values.items()}
    return None if go_true(deck.get("draft")) else deck


def _plain(value: object) -> str | None:
    text = clean_text(str(value)).strip() if isinstance(value, str | int | float) else ""
    return text or None
