"""Load a Hugo site's configuration files and merge them the way Hugo does.

Hugo reads one root file (``hugo.*``, else ``config.*``), then every file of
``config/_default/`` and of ``config/production/`` (the environment ``hugo`` builds in), each
later file overwriting the keys it sets, maps merged key by key. In the config folder a file
``NAME.toml`` holds the key ``NAME`` (``params.toml`` → ``params``), ``NAME.LANG.toml`` the
language ``LANG`` (``params.fr.toml`` → ``languages.fr.params``, ``config.zh.toml`` →
``languages.zh``). Keys are case-insensitive: they are lower-cased here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from talkfeed.errors import ConfigError, PageError
from talkfeed.read.parsing import load_data_file
from talkfeed.read.paths import is_folder, refuse_unlisted, regular_inside, status

ROOT_CONFIG_NAMES = ("hugo", "config")
CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
ENVIRONMENT = "production"
"""The environment ``hugo`` builds in; its config folder overrides ``_default``."""


def config_files(root: Path) -> list[Path]:
    """List the site's config files in the order Hugo merges them; empty when it has none."""
    found: list[Path] = []
    for name in ROOT_CONFIG_NAMES:
        candidates = [root / f"{name}{suffix}" for suffix in CONFIG_SUFFIXES]
        first = next((path for path in candidates if status(path, follow=False) is not None), None)
        if first is not None and not regular_inside(first, root):
            raise ConfigError(
                "the site config is not a regular file inside the site (a FIFO, a folder, or a link "
                "out of the site); make it a file",
                str(first),
            )
        if first is not None:
            found.append(first)
            break
    for environment in ("_default", ENVIRONMENT):
        found += _folder_files(root / "config" / environment)
    return found


def _folder_files(folder: Path) -> list[Path]:
    if not is_folder(folder) or os.path.islink(folder):
        return []
    files: list[Path] = []
    for current, subfolders, names in os.walk(folder, onerror=refuse_unlisted, followlinks=False):
        subfolders.sort()
        files += [
            Path(current, name)
            for name in sorted(names)
            if name.endswith(CONFIG_SUFFIXES) and not os.path.islink(os.path.join(current, name))
        ]
    return files


def load_config(root: Path) -> tuple[dict[str, Any], Path | None]:
    """Merge the site's config files into one map with lower-case keys; also name the first file.

    Raises ``ConfigError`` naming the file and line when one cannot be read.
    """
    merged: dict[str, Any] = {}
    files = config_files(root)
    config_folder = root / "config"
    for path in files:
        data = _lower_keys(_load(path))
        if config_folder in path.parents:
            data = _placed(path, data)
        _overwrite(merged, data)
    return merged, (files[0] if files else None)


def _placed(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Put a config-folder file's content under the key its name gives."""
    stem = path.name.rsplit(".", 1)[0].lower()
    if stem in ROOT_CONFIG_NAMES:
        return data
    name, _, lang = stem.partition(".")
    content: Any = data[name] if len(data) == 1 and name in data else data
    if not lang:
        return {name: content}
    if name in ("menu", "menus", "params"):
        return {"languages": {lang: {"menus" if name.startswith("menu") else name: content}}}
    return {"languages": {lang: content}}


def _load(path: Path) -> dict[str, Any]:
    try:
        return load_data_file(path)
    except PageError as error:
        raise ConfigError(f"cannot read the site config: {error.message}", str(path), error.line) from None


def _overwrite(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    """Merge ``new`` into ``into``: maps key by key, any other value replaced."""
    for key, value in new.items():
        if isinstance(into.get(key), dict) and isinstance(value, Mapping):
            _overwrite(into[key], value)
        else:
            into[key] = _copy(value)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    return value


def _lower_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value


def cascade_entries(value: object) -> tuple[Mapping[str, Any], ...]:
    """Read a ``cascade`` value (a map, or a list of maps) into its entries."""
    items = value if isinstance(value, list) else [value]
    return tuple(item for item in items if isinstance(item, Mapping) and item)


def language_config(config: Mapping[str, Any], code: str) -> dict[str, Any]:
    """One language's view of the config: its own keys over the root's, maps merged."""
    merged: dict[str, Any] = _copy(config)
    languages = config.get("languages")
    own = languages.get(code) if isinstance(languages, Mapping) else None
    if isinstance(own, Mapping):
        _overwrite(merged, own)
    return merged
