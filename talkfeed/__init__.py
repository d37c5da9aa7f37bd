"""talkfeed: publish a Hugo Academic / Wowchemy / Hugo Blox site's talks as feeds.

The library entry is here: ``from talkfeed import build, check, Options`` (see ``jobs``).
"""

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
from talkfeed.version import __version__

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
