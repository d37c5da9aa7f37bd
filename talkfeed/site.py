"""Find the Hugo site around SOURCE and read what talkfeed needs from its configuration."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talkfeed.errors import ConfigError, Finding, PageError, Severity
from talkfeed.model import Language, Site
from talkfeed.parsing import load_data_file, read_page_text

SECTION_NAMES = ("talk", "talks", "event", "events")
_CONFIG_STEMS = ("hugo", "config")
_CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
_DEFAULT_DIR_FILES = ("hugo", "config", "params", "languages")


@dataclass(frozen=True)
class Source:
    """Where the talks are: the site, the section folders to scan, or one page."""

    given: Path
    site: Site
    content_root: Path | None
    sections: tuple[Path, ...]
    single_page: Path | None = None

    def relative(self, path: Path) -> str:
        """Name ``path`` as findings do: relative to SOURCE (a file SOURCE names itself)."""
        text = str(path)
        prefix = self._prefix
        return text[len(prefix) :] if text.startswith(prefix) else path.as_posix()

    @functools.cached_property
    def _prefix(self) -> str:
        base = self.given if self.given.is_dir() else self.given.parent
        return str(base).rstrip(os.sep) + os.sep


def locate_source(given: Path) -> Source:
    """Resolve SOURCE: a site root, a section folder, or one talk file.

    Raises ``ConfigError`` when SOURCE does not exist or holds no talk section.
    """
    path = given.absolute()
    if not path.exists():
        raise ConfigError("no such file or folder", str(given))
    root = _find_site_root(path if path.is_dir() else path.parent)
    site = read_site(root) if root is not None else Site(root=None)
    content_root = root / "content" if root is not None else None
    if path.is_file():
        return Source(path, site, content_root, (), single_page=path)
    if root is not None and path == root:
        sections = _sections_below(root / "content")
        if not sections:
            names = ", ".join(f"content/{name}" for name in SECTION_NAMES)
            raise ConfigError(f"no talk section found (looked for {names})", str(given))
        return Source(path, site, content_root, sections)
    return Source(path, site, content_root, (path,))


def read_site(root: Path) -> Site:
    """Merge the site's config files the way Hugo does: root file, then config/_default/."""
    merged: dict[str, Any] = {}
    first_file: Path | None = None
    for path in _config_files(root):
        data = _load_config(path)
        if path.stem == "params":
            data = {"params": data}
        elif path.stem == "languages":
            data = {"languages": data}
        _merge(merged, _lower_keys(data))
        first_file = first_file or path
    return _site_from_config(root, merged, first_file)


def _find_site_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "content").is_dir() and (_has_config(folder) or folder == start):
            return folder
    return None


def _has_config(folder: Path) -> bool:
    return any(True for _ in _config_files(folder))


def _config_files(root: Path) -> list[Path]:
    found = [
        root / f"{stem}{suffix}"
        for stem in _CONFIG_STEMS
        for suffix in _CONFIG_SUFFIXES
        if (root / f"{stem}{suffix}").is_file()
    ]
    found = found[:1]
    default_dir = root / "config" / "_default"
    found += [
        default_dir / f"{stem}{suffix}"
        for stem in _DEFAULT_DIR_FILES
        for suffix in _CONFIG_SUFFIXES
        if (default_dir / f"{stem}{suffix}").is_file()
    ]
    return found


def _load_config(path: Path) -> dict[str, Any]:
    try:
        return load_data_file(path)
    except PageError as error:
        raise ConfigError(f"cannot read the site config: {error.message}", str(path), error.line) from None


def _site_from_config(root: Path, config: Mapping[str, Any], config_file: Path | None) -> Site:
    params = _mapping(config.get("params"))
    default_language = _text(config.get("defaultcontentlanguage")) or "en"
    languages = {
        str(code): _language(str(code), _mapping(settings))
        for code, settings in _mapping(config.get("languages")).items()
    }
    return Site(
        root=root,
        base_url=_text(config.get("baseurl")),
        title=_text(config.get("title")),
        language_code=_text(config.get("languagecode")),
        time_zone=_text(config.get("timezone")),
        default_language=default_language,
        default_language_in_subdir=config.get("defaultcontentlanguageinsubdir") is True,
        languages=languages,
        author=_author(config.get("author")) or _author(params.get("author")),
        remove_path_accents=config.get("removepathaccents") is True,
        icon=_icon(root),
        config_file=config_file,
    )


_ICONS = ("media/icon.png", "img/icon-512.png", "img/icon-192.png", "img/icon.png", "icon.png", "favicon.png")


def _icon(root: Path) -> str | None:
    """Find the site's icon among the files Hugo serves as they are (``static/``)."""
    return next((name for name in _ICONS if (root / "static" / name).is_file()), None)


def _language(code: str, settings: Mapping[str, Any]) -> Language:
    return Language(
        code=code,
        base_url=_text(settings.get("baseurl")),
        title=_text(settings.get("title")),
        language_code=_text(settings.get("languagecode")),
    )


def _author(value: object) -> str | None:
    if isinstance(value, Mapping):
        return _text(value.get("name"))
    return _text(value)


def _sections_below(content: Path) -> tuple[Path, ...]:
    if not content.is_dir():
        return ()
    candidates = [content / name for name in SECTION_NAMES]
    candidates += [
        folder / name
        for folder in sorted(content.iterdir())
        if folder.is_dir() and folder.name not in SECTION_NAMES
        for name in SECTION_NAMES
    ]
    return tuple(path for path in candidates if path.is_dir())


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, Mapping):
            _merge(into[key], value)
        elif key not in into:
            into[key] = value


def _lower_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def read_author_names(root: Path | None) -> tuple[dict[tuple[str, str], str], list[Finding]]:
    """Map (language, author slug) to the name the theme shows; language "" means any.

    Hugo Blox 2025+ keeps authors in ``data/authors/<slug>.yaml`` (``name.display``);
    older themes in ``content/[<lang>/]authors/<slug>/_index[.<lang>].md`` (``title``).
    """
    names: dict[tuple[str, str], str] = {}
    findings: list[Finding] = []
    if root is None:
        return names, findings
    for path in sorted((root / "data" / "authors").glob("*.*")):
        if path.suffix in _CONFIG_SUFFIXES:
            name = _profile_name(path, findings, root, lambda data: data.get("name"))
            if name:
                names[("", path.stem)] = name
    content = root / "content"
    profiles = [*content.glob("authors/*/_index*.md"), *content.glob("*/authors/*/_index*.md")]
    for path in sorted(profiles):
        lang = _profile_language(path, root)
        name = _profile_name(path, findings, root, lambda data: data.get("name") or data.get("title"))
        if name:
            names.setdefault((lang, path.parent.name), name)
    return names, findings


def _profile_name(
    path: Path, findings: list[Finding], root: Path, pick: Callable[[Mapping[str, Any]], object]
) -> str | None:
    try:
        data = read_page_text(path).matter.values if path.suffix == ".md" else load_data_file(path)
    except PageError as error:
        findings.append(
            Finding(
                path.relative_to(root).as_posix(),
                error.line,
                Severity.WARNING,
                f"author profile not read: {error.message}",
            )
        )
        return None
    value = pick(data)
    if isinstance(value, Mapping):
        display = _text(value.get("display"))
        given, family = _text(value.get("given")), _text(value.get("family"))
        return display or " ".join(part for part in (given, family) if part) or None
    return _text(value)


def _profile_language(path: Path, root: Path) -> str:
    suffix = path.name.split(".")
    if len(suffix) == 3:
        return suffix[1]
    parts = path.relative_to(root / "content").parts
    return parts[0] if parts[0] != "authors" else ""


RUN_CONFIG_NAME = "talkfeed.toml"


def read_run_config(source: Path) -> tuple[Path | None, dict[str, Any]]:
    """Find ``talkfeed.toml`` at the site root around SOURCE (or in SOURCE) and read it.

    Raises ``ConfigError`` naming the file and line when it cannot be read.
    """
    start = source.absolute()
    folder = start if start.is_dir() else start.parent
    root = _find_site_root(folder) or folder
    path = root / RUN_CONFIG_NAME
    if not path.is_file():
        return None, {}
    try:
        return path, load_data_file(path)
    except PageError as error:
        raise ConfigError(f"cannot read: {error.message}", str(path), error.line) from None
