"""Name the media type of a file from its name, the same on every machine.

``mimetypes`` reads the system's own tables, which differ between machines; feeds must not.
"""

from __future__ import annotations

from pathlib import PurePosixPath

_TYPES = {
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".key": "application/vnd.apple.keynote",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".ipynb": "application/x-ipynb+json",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
}


def media_type(name: str) -> str:
    """Give the media type for a file name, ``application/octet-stream`` when unknown."""
    return _TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")
