"""Find the Hugo site around SOURCE and read what talkfeed needs from its configuration."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from talkfeed.clean import clean_line, has_control
from talkfeed.errors import ConfigError, Finding, PageError, Severity, UnreadableFileError
from talkfeed.model import Language, Site, SourceOption
from talkfeed.read.config import CONFIG_SUFFIXES, cascade_entries, config_files, language_config, load_config
from talkfeed.read.dates import date_chains
from talkfeed.read.parsing import MAX_DATA_FILE_BYTES, load_data_file, read_page_text, repeated_yaml_key
from talkfeed.read.paths import (
    UnreadableError,
    cannot_list,
    is_file,
    is_folder,
    read_regular,
    refuse_unlisted,
    regular_inside,
    status,
)
from talkfeed.read.permalinks import rules_from_config

SECTION_NAMES = ("talk", "talks", "event", "events")
_SEARCH_DEPTH = 4
"""How deep below SOURCE a site is looked for when SOURCE itself is not one."""
_NOT_SITES = frozenset(
    {"node_modules", "themes", "public", "resources", "content", "static", "assets", "layouts", "data"}
)


@dataclass(frozen=True)
class ContentRoot:
    """A content folder and the languages whose pages it holds."""

    path: Path
    languages: tuple[str, ...]
    default: str
    """The language of a page whose file name names none."""


@dataclass(frozen=True)
class Source:
    """Where the talks are: the site, the section folders to scan, or one page."""

    given: Path
    site: Site
    content_roots: tuple[ContentRoot, ...]
    sections: tuple[tuple[Path, ContentRoot], ...]
    single_page: Path | None = None
    note: str | None = None
    """A line to tell the user how SOURCE was understood (a site found below it)."""

    def relative(self, path: Path) -> str:
        """Name ``path`` as findings do: relative to SOURCE (a file SOURCE names itself)."""
        text = str(path)
        prefix = self._prefix
        return text[len(prefix) :] if text.startswith(prefix) else path.as_posix()

    @functools.cached_property
    def _prefix(self) -> str:
        given = Path(os.path.normpath(self.given.absolute()))
        base = given if os.path.isdir(given) else given.parent
        return str(base).rstrip(os.sep) + os.sep

    def root_of(self, path: Path) -> ContentRoot | None:
        """The content root holding ``path``, the deepest where they nest."""
        holding = [root for root in self.content_roots if root.path == path or root.path in path.parents]
        return max(holding, key=lambda root: len(root.path.parts), default=None)


def locate_source(given: Path) -> Source:
    """Resolve SOURCE: a site root, a section folder, one talk file, or a folder holding one site.

    Raises ``ConfigError`` when SOURCE does not exist, holds no talk section, or holds
    several sites, or when a folder on the way cannot be entered.
    """
    with _unreadable_as_config_error():
        return _locate_source(given)


@contextlib.contextmanager
def _unreadable_as_config_error() -> Iterator[None]:
    """Report a file or folder of the site that cannot be read as the config error it is for a run."""
    try:
        yield
    except UnreadableError as error:
        where = str(error.path).rstrip("/") + ("/" if error.folder else "")
        raise ConfigError(error.message, where) from None


def _locate_source(given: Path) -> Source:
    path = Path(os.path.normpath(given.absolute()))
    if status(path) is None:
        raise ConfigError("no such file or folder", str(given))
    note = None
    root = _find_site_root(path if is_folder(path) else path.parent)
    if root is None and is_folder(path):
        root = _site_below(path, given)
        below = root.relative_to(path).as_posix()
        note = f"read the site in {below}/ (the folder given holds no site config)"
    site = read_site(root) if root is not None else Site(root=None)
    content_roots = _content_roots(site) if root is not None else ()
    if is_file(path):
        if path.name.startswith("_index."):
            raise ConfigError(
                "is a section's list page (_index), not a talk page; give the section folder or the site",
                str(given),
            )
        _refuse_other_files(path, given)
        return Source(path, site, content_roots, (), single_page=path)
    if root is not None and (path == root or note is not None):
        sections = tuple(
            (content.path / name, content)
            for content in content_roots
            for name in SECTION_NAMES
            if is_folder(content.path / name) or os.path.islink(content.path / name)
        )
        if not sections:
            names = ", ".join(f"content/{name}" for name in SECTION_NAMES)
            raise ConfigError(f"no talk section found (looked for {names})", str(given))
        return Source(given, site, content_roots, sections, note=note)
    holder = next((content for content in content_roots if content.path in (path, *path.parents)), None)
    if holder is None:
        holder = ContentRoot(path.parent, (site.default_language,), site.default_language)
    return Source(path, site, content_roots, ((path, holder),))


_PAGE_SUFFIXES = (".md", ".markdown", ".html", ".htm")
_FRONT_MATTER_STARTS = (b"---", b"+++", b"{")


def _refuse_other_files(path: Path, given: Path) -> None:
    """Refuse a SOURCE file that is no talk page (a README, a config): every talk page is a
    Markdown (or rendered HTML) file that opens with front matter."""
    if not path.name.lower().endswith(_PAGE_SUFFIXES):
        why = "a talk page is a Markdown file (.md) that opens with front matter"
    else:
        try:
            head = read_regular(path, 4096)
        except OSError as error:
            raise UnreadableError(path, error, folder=False) from None
        if head.lstrip(b"\xef\xbb\xbf").lstrip().startswith(_FRONT_MATTER_STARTS):
            return
        why = "it does not open with front matter (---, +++ or {)"
    raise ConfigError(
        f"is not a talk page: {why}; give a talk page, a talk section folder or the site's folder", str(given)
    )


def read_site(root: Path) -> Site:
    """Read the site's configuration, merged as Hugo merges it."""
    with _unreadable_as_config_error():
        config, first_file = load_config(root)
        return _site_from_config(root, config, first_file)


def _find_site_root(start: Path) -> Path | None:
    """The site ``start`` is in: the nearest folder up with a Hugo config, but ``start`` itself
    when it holds a ``content/`` folder (a site of its own, even without a config, never a
    section of a site around it)."""
    for folder in (start, *start.parents):
        if config_files(folder) or (folder == start and is_folder(start / "content")):
            return folder
    return None


def _site_below(folder: Path, given: Path) -> Path:
    """Find the one site below a folder that is not a site; refuse none or several."""
    found: list[Path] = []
    top_depth = len(folder.parts)
    for current, subfolders, _ in os.walk(folder, onerror=refuse_unlisted, followlinks=False):
        here = Path(current)
        if here != folder and config_files(here) and is_folder(here / "content"):
            found.append(here)
            subfolders.clear()
            continue
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith((".", "_"))
            and name not in _NOT_SITES
            and len(here.parts) - top_depth < _SEARCH_DEPTH
        )
    if not found:
        names = ", ".join(f"content/{name}" for name in SECTION_NAMES)
        raise ConfigError(f"no Hugo site here: no site config and no talk section ({names})", str(given))
    if len(found) > 1:
        listed = ", ".join(path.relative_to(folder).as_posix() + "/" for path in found)
        raise ConfigError(f"holds several Hugo sites ({listed}); give the one to read", str(given))
    return found[0]


def _site_from_config(root: Path, config: Mapping[str, Any], config_file: Path | None) -> Site:
    params = _mapping(config.get("params"))
    default_language = _text(config.get("defaultcontentlanguage")) or "en"
    configured = _mapping(config.get("languages"))
    disabled = {str(code) for code in _list(config.get("disablelanguages"))}
    codes = [str(code) for code in configured if str(code) not in disabled]
    if default_language not in codes:
        codes.insert(0, default_language)
    codes.sort(key=lambda code: code != default_language)
    languages = {code: _language(code, language_config(config, code)) for code in codes}
    return Site(
        root=root,
        base_url=_url_text(config.get("baseurl")),
        title=_site_name(config),
        language_code=_text(config.get("languagecode")),
        time_zone=_text(config.get("timezone")),
        default_language=default_language,
        default_language_in_subdir=config.get("defaultcontentlanguageinsubdir") is True,
        languages=languages,
        multihost=any(isinstance(item, Mapping) and "baseurl" in item for item in configured.values()),
        author=_author(config.get("author")) or _author(params.get("author")),
        remove_path_accents=config.get("removepathaccents") is True,
        lower_paths=config.get("disablepathtolower") is not True,
        ugly_urls=config.get("uglyurls") is True,
        date_keys=date_chains(_mapping(config.get("frontmatter"))),
        cascade=cascade_entries(config.get("cascade")),
        static_dirs=_static_dirs(root, config),
        icon=_icon(root),
        feed_limit=_feed_limit(config),
        publish_dir=_text(config.get("publishdir")) or "public",
        disabled_kinds=frozenset(str(kind).lower() for kind in _list(config.get("disablekinds"))),
        config_file=config_file,
    )


def _feed_limit(config: Mapping[str, Any]) -> int | None:
    """Hugo's feed length: ``services.rss.limit``, else the older ``rssLimit``; below 1, none."""
    rss = _mapping(_mapping(config.get("services")).get("rss"))
    for value in (rss.get("limit"), config.get("rsslimit")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value if value >= 1 else None
    return None


def _static_dirs(root: Path, config: Mapping[str, Any]) -> tuple[str, ...]:
    """The folders Hugo serves files from: the site's, its module mounts', then its themes'."""
    folders = [_text(config.get("staticdir")) or "static"]
    module = _mapping(config.get("module"))
    for mount in _list(module.get("mounts")):
        if isinstance(mount, Mapping) and _text(mount.get("target")) == "static":
            source = _text(mount.get("source"))
            if source:
                folders.append(source)
    themes = [str(theme) for theme in _list(config.get("theme")) if isinstance(theme, str) and theme]
    folders += [f"themes/{theme}/static" for theme in themes]
    unique = dict.fromkeys(folder.strip("/") for folder in folders if ".." not in folder.split("/"))
    return tuple(folder for folder in unique if is_folder(root / folder))


def _content_roots(site: Site) -> tuple[ContentRoot, ...]:
    """Group the languages by content folder, as Hugo mounts them.

    As in Hugo, languages naming one ``contentDir`` share it (a page is its default language's,
    or its file name's); two names for one folder (``content``, ``./content``) are two mounts,
    and each language reads the pages. Raises ``ConfigError`` for a folder outside the site.
    """
    assert site.root is not None
    by_folder: dict[str, list[str]] = {}
    for code, language in site.languages.items():
        by_folder.setdefault(language.content_dir, []).append(code)
    roots = []
    for written, codes in by_folder.items():
        folder = Path(os.path.normpath(site.root / written))
        if folder != site.root and site.root not in folder.parents:
            raise ConfigError(
                f"contentDir {written!r} is outside the site; talkfeed reads only inside it", str(site.root)
            )
        default = site.default_language if site.default_language in codes else codes[0]
        roots.append(ContentRoot(folder, tuple(codes), default))
    return tuple(roots)


_ICONS = ("media/icon.png", "img/icon-512.png", "img/icon-192.png", "img/icon.png", "icon.png", "favicon.png")


def _icon(root: Path) -> str | None:
    """Find the site's icon among the files Hugo serves as they are (``static/``)."""
    return next((name for name in _ICONS if is_file(root / "static" / name)), None)


def _language(code: str, settings: Mapping[str, Any]) -> Language:
    own = settings.get("languages")
    table = own.get(code) if isinstance(own, Mapping) else None
    own_base = _url_text(table.get("baseurl")) if isinstance(table, Mapping) else None
    return Language(
        code=code,
        content_dir=_text(settings.get("contentdir")) or "content",
        base_url=own_base,
        title=_site_name(settings),
        language_code=_text(settings.get("languagecode")),
        time_zone=_text(settings.get("timezone")),
        permalinks=rules_from_config(settings.get("permalinks")),
    )


def _site_name(settings: Mapping[str, Any]) -> str | None:
    """The site's name as its theme shows it: Hugo Blox 2025+ takes ``params.hugoblox.identity.name``
    before the ``title`` (which its templates leave empty), older themes the ``title``."""
    hugoblox = _mapping(_mapping(settings.get("params")).get("hugoblox"))
    return _text(_mapping(hugoblox.get("identity")).get("name")) or _text(settings.get("title"))


def _author(value: object) -> str | None:
    if isinstance(value, Mapping):
        return _text(value.get("name"))
    return _text(value)


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _url_text(value: object) -> str | None:
    """A URL setting as written (less outer spaces): it is checked, not cleaned, when used."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _text(value: object) -> str | None:
    """A config text, cleaned where it enters: control characters and line breaks go."""
    if isinstance(value, str) and clean_line(value):
        return clean_line(value)
    return None


def author_folders(root: Path | None, content_roots: tuple[ContentRoot, ...] = ()) -> list[Path]:
    """The folders whose listings decide which author profiles ``read_author_names`` reads."""
    if root is None:
        return []
    folders = [root / "data" / "authors"]
    for content in content_roots:
        authors = content.path / "authors"
        folders.append(authors)
        # Every author's folder, with a profile or not yet: adding one there adds a name.
        with contextlib.suppress(OSError):
            folders += sorted(Path(entry.path) for entry in os.scandir(authors) if entry.is_dir())
    return folders


def read_author_names(
    root: Path | None, content_roots: tuple[ContentRoot, ...] = ()
) -> tuple[dict[tuple[str, str], str], str | None, list[Finding]]:
    """Map (language, author slug) to the name the theme shows; language "" means any. Also give
    the owner's slug: the first profile (by file name) that says ``is_owner`` (Hugo Blox 2025+)
    or ``superuser`` (Academic, Wowchemy), if any.

    Hugo Blox 2025+ keeps authors in ``data/authors/<slug>.yaml`` (``name.display``, else
    ``name.given`` and ``name.family``, else ``title``); older themes in
    ``content/[<lang>/]authors/<slug>/_index[.<lang>].md`` (``name``, else ``title``).
    """
    names: dict[tuple[str, str], str] = {}
    owners: list[str] = []
    findings: list[Finding] = []
    if root is None:
        return names, None, findings
    for path in _entries(root / "data" / "authors", root, findings):
        if path.suffix in CONFIG_SUFFIXES and regular_inside(path, root):
            data = _profile_data(path, findings, root)
            name = _profile_name(data, lambda data: data.get("name"))
            if name:
                names[("", path.stem)] = name
            if _owns(data):
                owners.append(path.stem)
    for content in content_roots:
        for folder in _entries(content.path / "authors", root, findings):
            if not os.path.isdir(folder):
                continue
            for path in _entries(folder, root, findings):
                if fnmatch.fnmatchcase(path.name, "_index*.md") and regular_inside(path, root):
                    _read_profile(path, content, len(content_roots) > 1, names, owners, findings, root)
    return names, next(iter(owners), None), findings


def _entries(folder: Path, root: Path, findings: list[Finding]) -> list[Path]:
    """A folder's entries in name order; none when it is not there. A folder that is there but
    cannot be listed is an error: the names its profiles give would be missing in silence."""
    try:
        with os.scandir(folder) as listing:
            return sorted(Path(entry.path) for entry in listing)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        name = folder.relative_to(root).as_posix() + "/"
        findings.append(Finding(name, None, Severity.ERROR, cannot_list(error)))
        return []


def _read_profile(
    path: Path,
    content: ContentRoot,
    per_language: bool,
    names: dict[tuple[str, str], str],
    owners: list[str],
    findings: list[Finding],
    root: Path,
) -> None:
    pieces = path.name.split(".")
    lang = pieces[1] if len(pieces) == 3 else (content.default if per_language else "")
    data = _profile_data(path, findings, root)
    name = _profile_name(data, lambda data: data.get("name") or data.get("title"))
    if name:
        names.setdefault((lang, path.parent.name), name)
    if _owns(data):
        owners.append(path.parent.name)


def _owns(data: Mapping[str, Any]) -> bool:
    return any(data.get(key) is True for key in ("is_owner", "superuser"))


def _profile_data(path: Path, findings: list[Finding], root: Path) -> Mapping[str, Any]:
    """A profile's values, or none (with a warning) when it cannot be read."""
    try:
        data = read_page_text(path).matter.values if path.suffix == ".md" else load_data_file(path)
    except PageError as error:
        # A profile that cannot be parsed is left out; one out of reach must not pass unnoticed.
        severity = Severity.ERROR if isinstance(error, UnreadableFileError) else Severity.WARNING
        findings.append(
            Finding(
                path.relative_to(root).as_posix(),
                error.line,
                severity,
                f"author profile not read: {error.message}",
            )
        )
        return {}
    repeated = repeated_yaml_key(path)
    if repeated is not None:
        findings.append(
            Finding(
                path.relative_to(root).as_posix(),
                repeated[1],
                Severity.WARNING,
                f"{repeated[0]} is set twice; current Hugo refuses to build a site with such a file, "
                "so permalinks follow the older Hugo that built it (remove one)",
            )
        )
    return data


def _profile_name(data: Mapping[str, Any], pick: Callable[[Mapping[str, Any]], object]) -> str | None:
    value = pick(data)
    if isinstance(value, Mapping):
        display = _text(value.get("display"))
        given, family = _text(value.get("given")), _text(value.get("family"))
        return display or " ".join(part for part in (given, family) if part) or _text(data.get("title"))
    return _text(value) or _text(data.get("title"))


RUN_CONFIG_NAME = "talkfeed.toml"
_SOURCE_KEYS = {
    "path": "path",
    "base-url": "base_url",
    "base_url": "base_url",
    "lang": "lang",
    "label": "label",
}


@dataclass(frozen=True)
class RunConfig:
    """What ``talkfeed.toml`` says: the options it sets, and the sites it aggregates."""

    path: Path | None
    """The file; ``None`` when there is none."""
    settings: Mapping[str, Any]
    """Option values by long name (``base-url``), as written."""
    sources: tuple[SourceOption, ...] = ()
    """Its ``sources`` list, each path relative to the file's folder."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """The line each setting is written on, for messages about it."""
    confined_to: Path | None = None
    """For a file found in a site: the folder every path it names must stay inside (links
    resolved); ``None`` for a file the user named (``--config``), which may name any path."""

    def path_of(self, key: str, value: Path) -> Path:
        """A path the file names, relative to its folder; raises ``ConfigError`` when a site's
        own file names a path outside the site."""
        assert self.path is not None
        path = Path(os.path.normpath(self.path.parent / value))
        if self.confined_to is not None:
            inside = Path(os.path.realpath(self.confined_to))
            real = Path(os.path.realpath(path))
            if real != inside and inside not in real.parents:
                raise ConfigError(
                    f"{key} {str(value)!r} is outside the site; a site's own talkfeed.toml names only "
                    "paths inside it (give the path on the command line, or use --config FILE)",
                    str(self.path),
                    self.lines.get(key) or self.lines.get(key.replace("-", "_")),
                )
        return path


def find_run_config(source: Path) -> RunConfig:
    """Find ``talkfeed.toml`` at the site root around SOURCE (or in SOURCE) and read it.

    Every path it names must stay inside the folder it was found in. Raises ``ConfigError``
    naming the file (and line) when it cannot be read, when its ``sources`` list is not tables
    with a ``path`` and known keys, or when a source lies outside that folder.
    """
    start = source.absolute()
    with _unreadable_as_config_error():
        folder = start if is_folder(start) else start.parent
        root = _find_site_root(folder) or folder
        path = root / RUN_CONFIG_NAME
        if not is_file(path):
            return RunConfig(None, {})
    return read_run_config(path, confined_to=root)


def read_run_config(path: Path, confined_to: Path | None = None) -> RunConfig:
    """Read a run config file (``--config FILE``, or one found by ``find_run_config``)."""
    path = Path(os.path.normpath(path.absolute()))
    with _unreadable_as_config_error():
        if not is_file(path):
            raise ConfigError("no such file: give a talkfeed.toml to read", str(path))
    try:
        settings = load_data_file(path)
    except PageError as error:
        raise ConfigError(f"cannot read: {error.message}", str(path), error.line) from None
    listed = settings.pop("sources", None)
    config = RunConfig(path, settings, confined_to=confined_to, lines=_setting_lines(path))
    if listed is None:
        return config
    return replace(config, sources=_source_options(listed, config))


_SETTING = re.compile(r"""[ \t]*["']?([A-Za-z0-9_-]+)["']?[ \t]*=""")


def _setting_lines(path: Path) -> dict[str, int]:
    """The line of each top-level setting of a TOML file (those before its first table)."""
    try:
        text = read_regular(path, MAX_DATA_FILE_BYTES).decode("utf-8-sig", errors="replace")
    except OSError:
        return {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            break
        if (setting := _SETTING.match(line)) is not None:
            lines.setdefault(setting[1], number)
    return lines


def _source_options(entries: object, run_config: RunConfig) -> tuple[SourceOption, ...]:
    """Read a ``sources`` list: tables with ``path`` and optional ``base-url``, ``lang``, ``label``."""
    assert run_config.path is not None
    config = run_config.path
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            "sources must be a list of tables, each with a path ([[sources]] path = ...)", str(config)
        )
    found = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"sources entry {number} is not a table with a path", str(config))
        values: dict[str, str] = {}
        for key, value in entry.items():
            name = _SOURCE_KEYS.get(str(key))
            if name is None:
                unknown = (
                    f"sources entry {number}: unknown key {key!r} (keys are path, base-url, lang, label)"
                )
                raise ConfigError(unknown, str(config))
            if not isinstance(value, str) or not value.strip() or has_control(value):
                raise ConfigError(f"sources entry {number}: {key} must be one line of text", str(config))
            values[name] = value.strip()
        if "path" not in values:
            raise ConfigError(f"sources entry {number} has no path", str(config))
        path = run_config.path_of(f"sources entry {number}: path", Path(values.pop("path")))
        found.append(SourceOption(path, **values))
    return tuple(found)
