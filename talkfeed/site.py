"""Find the Hugo site around SOURCE and read what talkfeed needs from its configuration."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from talkfeed.errors import ConfigError
from talkfeed.model import Language, Site

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
        base = self.given if self.given.is_dir() else self.given.parent
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return path.as_posix()


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
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".toml":
            data: object = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read site config: {_one_line(error)}", str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("site config is not a table of settings", str(path))
    return data


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
        config_file=config_file,
    )


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


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
