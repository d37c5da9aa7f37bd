"""Settle how each language of a site speaks: its CLDR locale and its labels, talkfeed's own
catalogue with the site's ``i18n`` tables over it.

Both are Hugo translation tables, read by the same code: talkfeed's ship as ``talkfeed/labels/
<language>.yaml``, a site's are ``i18n/<language>.{yaml,yml,toml,json}``. A table is a list of
``{id, translation}`` (Hugo Blox's form) or a map of id to text; a translation is a text or a map
of CLDR plural categories (``one``, ``other``…) to texts. Where Hugo Blox has a label for the same
thing, talkfeed uses its id (``event``, ``location``, ``authors``, ``btn_slides``…), so a site that
overrides the theme's label overrides talkfeed's too; talkfeed's own ids begin with ``talkfeed_``.

The locale comes from the language's ``languageCode`` (``fr-ca``), else its key (``fr``); a
regional code takes its language's catalogue (``fr-ca`` → ``fr``, ``zh-tw`` → ``zh-Hant``). Tables
are laid over each other, each id replaced whole: talkfeed's English, talkfeed's language, then
the site's tables for the language, its key and its ``languageCode``. A language CLDR does not
know is English; one talkfeed has no catalogue for has English labels (its dates stay its own).
Each is said once per run, in one warning.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from talkfeed import cldr
from talkfeed.errors import Finding, PageError, Severity
from talkfeed.model import Site, Wording
from talkfeed.read.parsing import load_data, parse_data
from talkfeed.read.paths import regular_inside

Table = dict[str, dict[str, str]]
"""Labels by id, each a text by CLDR plural category (``other`` always)."""

CATALOGUE_FOLDER = "labels"
"""talkfeed's own tables, in the package: ``talkfeed/labels/<language>.yaml``."""
I18N_FOLDER = "i18n"
_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def wording_of(site: Site, code: str, relative: Callable[[Path], str]) -> tuple[Wording, tuple[Finding, ...]]:
    """How one language of the site speaks, and what to warn about it (``relative`` names files).

    Findings: a site table that cannot be read (it is left out), a language CLDR does not know,
    a language talkfeed has no labels for.
    """
    language = site.languages.get(code)
    written = language.language_code if language is not None else site.language_code
    # A language that sets no languageCode of its own takes the root's, as Hugo merges them.
    inherited = written == site.language_code and code != site.default_language
    locale = _locale(code, written, inherited)
    findings: list[Finding] = []
    where = relative(site.config_file) if site.config_file is not None else code
    named = f"language {code}" + (f" (languageCode {written})" if written and written != code else "")
    if locale is None or (written and not inherited and cldr.locale_of(written) is None):
        outcome = (
            "so its feeds, calendars and page are in English"
            if locale is None
            else f"so it is taken as {locale}, its key"
        )
        findings.append(
            Finding(
                where,
                None,
                Severity.WARNING,
                f"{named}: CLDR knows no such language, {outcome} (set languageCode to a language "
                "tag such as fr-CA)",
            )
        )
    own = _catalogue_names(locale) if locale is not None else ()
    table: Table = dict(catalogue("en"))
    for name in own:
        table.update(catalogue(name))
    site_names = [cldr.language_of(locale)] if locale is not None else []
    site_names += [code, *([written] if written else [])]
    overrides: Table = {}
    for path in _site_tables(site.root, site_names):
        try:
            overrides.update(read_table(load_data(path)))
        except (PageError, ValueError) as error:
            line = error.line if isinstance(error, PageError) else None
            message = error.message if isinstance(error, PageError) else str(error)
            findings.append(
                Finding(relative(path), line, Severity.WARNING, f"translation table not read: {message}")
            )
    table.update({key: value for key, value in overrides.items() if key in table})
    if locale is not None and not own and cldr.language_of(locale) != cldr.ENGLISH:
        untranslated = [key for key in catalogue("en") if key not in overrides]
        if untranslated:
            findings.append(
                Finding(
                    where,
                    None,
                    Severity.WARNING,
                    f"{named}: talkfeed has no labels in {cldr.language_of(locale)}, so they are in "
                    f"English (its dates are its own); translate them in {I18N_FOLDER}/"
                    f"{written or code}.yaml ({len(untranslated)} ids: see the README)",
                )
            )
    labels = tuple(
        (key, category, text) for key, texts in table.items() for category, text in sorted(texts.items())
    )
    chosen = locale or cldr.ENGLISH
    return Wording(chosen, cldr.direction_of(chosen), labels), tuple(findings)


def _locale(code: str, written: str | None, inherited: bool) -> str | None:
    """The locale of a language: its ``languageCode``, else its key. A ``languageCode`` it only
    inherits from the root counts where it names the same language as its key: a root
    ``languageCode: en-us`` does not make the site's French language English."""
    own = cldr.locale_of(written) if written else None
    keyed = cldr.locale_of(code)
    if inherited and own is not None and keyed is not None:
        return own if cldr.language_of(own) == cldr.language_of(keyed) else keyed
    return own or keyed


def _catalogue_names(locale: str) -> tuple[str, ...]:
    """talkfeed's tables for a locale, the language's first: ``zh_Hant_TW`` → ``zh``, ``zh-Hant``."""
    language = cldr.language_of(locale)
    script = cldr.script_of(locale)
    names = [language, *([f"{language}-{script}"] if script else [])]
    return tuple(name for name in names if name in catalogue_names())


def _site_tables(root: Path | None, names: list[str]) -> list[Path]:
    """The site's translation tables for ``names``, in that order (later ones win), each once.

    File names are compared without case, as Hugo compares language tags (``zh-Hant.yaml``).
    """
    if root is None:
        return []
    folder = root / I18N_FOLDER
    try:
        found = {path.stem.lower(): path for path in sorted(folder.iterdir()) if path.suffix in _SUFFIXES}
    except OSError:
        return []
    tables: list[Path] = []
    for name in dict.fromkeys(name.lower() for name in names):
        path = found.get(name)
        if path is not None and regular_inside(path, root):
            tables.append(path)
    return tables


def read_table(data: Any) -> Table:
    """Read a Hugo translation table; raises ``ValueError`` for data that is not one."""
    if data is None:
        return {}
    if isinstance(data, list):
        pairs = [
            (item["id"], item.get("translation"))
            for item in data
            if isinstance(item, Mapping) and isinstance(item.get("id"), str)
        ]
    elif isinstance(data, Mapping):
        pairs = [(key, value) for key, value in data.items() if isinstance(key, str)]
    else:
        raise ValueError("it is neither a list of id and translation nor a map of ids (see Hugo's i18n)")
    table: Table = {}
    for key, value in pairs:
        texts = _texts(value)
        if texts:
            table[key] = texts
    return table


def _texts(value: object) -> dict[str, str]:
    """A translation's texts by plural category; a plain text is every category's."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        return {"other": text} if text else {}
    if not isinstance(value, Mapping):
        return {}
    texts = {
        category: str(value[category])
        for category in _CATEGORIES
        if isinstance(value.get(category), str | int | float) and str(value[category])
    }
    if texts and "other" not in texts:
        texts["other"] = next(iter(texts.values()))
    return texts


@functools.cache
def catalogue(name: str) -> Table:
    """talkfeed's own table for a language (``en``, ``fr``, ``zh-Hant``)."""
    resource = files("talkfeed").joinpath(CATALOGUE_FOLDER, f"{name}.yaml")
    return read_table(parse_data(resource.read_text(encoding="utf-8"), ".yaml"))


@functools.cache
def catalogue_names() -> frozenset[str]:
    """The languages talkfeed has labels in."""
    folder = files("talkfeed").joinpath(CATALOGUE_FOLDER)
    return frozenset(
        item.name.removesuffix(".yaml") for item in folder.iterdir() if item.name.endswith(".yaml")
    )
