"""Read a Hugo site as Hugo does: its config, its talk pages, each page into a ``Talk``."""
