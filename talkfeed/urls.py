"""Repair links as people write them in front matter and Markdown."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_HOST = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}")
_FILE_EXTENSIONS = frozenset(
    {
        "pdf",
        "html",
        "htm",
        "pptx",
        "ppt",
        "key",
        "odp",
        "zip",
        "gz",
        "tar",
        "mp4",
        "mov",
        "webm",
        "mp3",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "md",
        "txt",
        "csv",
        "ipynb",
        "r",
        "rmd",
        "py",
        "json",
        "xml",
        "bib",
        "tex",
    }
)


def with_scheme(url: str) -> str:
    """Add https:// to a link written as a bare host name (``example.org/slides``).

    A first path segment that looks like a host name and does not end in a file extension
    is taken as a host: ``slides.pdf`` stays relative, ``talks.example.org/x`` does not.
    """
    if _SCHEME.match(url) or url.startswith(("/", "#", ".", "?")):
        return url
    host = url.split("/", 1)[0]
    if _HOST.fullmatch(host) and host.rsplit(".", 1)[-1].lower() not in _FILE_EXTENSIONS:
        return f"https://{url}"
    return url


def permalink(base_url: str, url_path: str) -> str:
    """Join the base URL and a talk's path, percent-encoding what a URL cannot hold raw."""
    return base_url + quote(url_path, safe="/-._~!$&'()*+,;=:@%")


def talk_urls(
    url_path: str, listed_at: str | None, outside_url: str | None, base_url: str
) -> tuple[str, str]:
    """Where a talk links and its lasting id, below ``base_url``: its permalink twice, or for a
    talk without a page (``listed_at``, its list page), its event or the list page, and the list
    page's URL with the talk's path as fragment, which never changes and never 404s."""
    url = permalink(base_url, url_path)
    if listed_at is None:
        return url, canonical_id(url)
    list_url = permalink(base_url, listed_at)
    return outside_url or list_url, f"{canonical_id(list_url)}#{quote(url_path.strip('/'), safe='/')}"


_DEFAULT_PORTS = {"http": "80", "https": "443"}


def canonical_id(url: str) -> str:
    """An address as an id is kept: its scheme and host in lower case and no default port, as
    RFC 3986 (6.2.2) normalizes them, so a base URL written ``https://Lab.example/`` gives the
    same ids as ``https://lab.example/`` (the W3C validator asks Atom ids to be so)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    scheme = parts.scheme.lower()
    user, at, host = parts.netloc.rpartition("@")
    host = host.lower()
    port = _DEFAULT_PORTS.get(scheme)
    if port is not None and host.endswith(f":{port}"):
        host = host.removesuffix(f":{port}")
    head = f"{parts.scheme}://{parts.netloc}"
    if url[: len(head)].lower() != head.lower():
        return url
    return f"{scheme}://{user}{at}{host}{url[len(head) :]}"
