"""talkfeed: publish a Hugo Academic / Wowchemy / Hugo Blox site's talks as feeds.

The library entry is here: ``from talkfeed import build, check, Options`` (see ``jobs``).
"""

# The one place the version is written (pyproject.toml reads it from here): asking the
# installed metadata for it costs every run 30 ms of imports.
__version__ = "0.1.0"

from talkfeed.jobs import (
    BuildReport,
    Check,
    Options,
    SourceOption,
    build,
    check,
    list_talks,
    read_talks,
    snippets,
)

__all__ = [
    "BuildReport",
    "Check",
    "Options",
    "SourceOption",
    "__version__",
    "build",
    "check",
    "list_talks",
    "read_talks",
    "snippets",
]
