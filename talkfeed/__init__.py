"""talkfeed: publish a Hugo Academic / Wowchemy / Hugo Blox site's talks as feeds."""

# The one place the version is written (pyproject.toml reads it from here): asking the
# installed metadata for it costs every run 30 ms of imports.
__version__ = "0.1.0"
