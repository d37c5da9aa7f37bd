"""talkfeed: publish a Hugo Academic / Wowchemy / Hugo Blox site's talks as feeds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("talkfeed")
except PackageNotFoundError:
    __version__ = "0.0.0"
