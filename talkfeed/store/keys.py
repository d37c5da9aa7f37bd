"""Keys of what a run keeps: named fields summed up, with everything outside the site that shapes output.

What a build keeps (a page's record and parts, the record of a build) is used again only by a
run whose key is the same. A key sums up named fields given by the caller (never a ``repr``),
and always talkfeed's own version and code, the version of every library that shapes output,
and the rules of the time zones in use: a new tzdata moves talks to other offsets, a new
icalendar or cmark writes other bytes, and either must make a run render again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import sys
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any

from talkfeed.version import __version__

SHAPING_LIBRARIES = (
    "click",
    "cmarkgfm",
    "feedgen",
    "icalendar",
    "jinja2",
    "lxml",
    "markupsafe",
    "nh3",
    "python-frontmatter",
    "pyyaml",
    "tzdata",
)
"""The distributions whose version can change what talkfeed reads or writes."""
_DIST_INFO = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+?)-(?P<version>[^-]+?)\.(?:dist|egg)-info$")


def key_of(fields: Mapping[str, Any], zones: Iterable[str] = ()) -> str:
    """Sum up ``fields`` (values by name, made plain by ``plain``) with talkfeed's code, the
    shaping libraries' versions and the rules of the named ``zones``."""
    record = {
        "fields": plain(fields),
        "talkfeed": [__version__, code_stamp()],
        "libraries": library_versions(),
        "zones": {zone: zone_rules(zone) for zone in sorted(set(zones))},
    }
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def plain(value: Any) -> Any:
    """A value as JSON keeps it, by the names of its fields: a dataclass as its fields, a mapping
    as a dict, a set sorted, a time zone by its name, a date by its ISO form."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: plain(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(plain(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, tzinfo):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


@functools.cache
def code_stamp() -> str:
    """Sum up talkfeed's own files, so an edited checkout never reuses what an older one made."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".j2", ".css", ".yaml"):
            status = path.stat()
            digest.update(f"{path.relative_to(package)}:{status.st_size}:{status.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


@functools.cache
def library_versions() -> dict[str, str]:
    """The installed version of each shaping library, from the names of their metadata folders
    (one listing of each folder on ``sys.path``: far cheaper than importing them or
    ``importlib.metadata``)."""
    wanted = {_normal(name) for name in SHAPING_LIBRARIES}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            match = _DIST_INFO.match(name)
            if match is not None:
                normal = _normal(match["name"])
                if normal in wanted and normal not in found:
                    found[normal] = match["version"]
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def zone_rules(name: str) -> str:
    """A hash of the rules ``ZoneInfo(name)`` reads (its TZif file, from the system's zone files
    or the tzdata package, as zoneinfo looks them up); "" for a zone without a file (UTC)."""
    if not name or ".." in name.split("/") or name.startswith("/"):
        return ""
    for folder in zoneinfo.TZPATH:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return hashlib.sha256(handle.read()).hexdigest()[:16]
    try:
        data = resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()
    except (ModuleNotFoundError, OSError, ValueError):
        return ""
    return hashlib.sha256(data).hexdigest()[:16]
