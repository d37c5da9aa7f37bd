"""talkfeed's version: the one place it is written (pyproject.toml reads it from here).

Asking the installed metadata for it would cost every run 30 ms of imports.
"""

__version__ = "0.1.0"
