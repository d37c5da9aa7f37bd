"""Read a Hugo site as Hugo does: its config, its talk pages, each page into a ``Talk``.

``reading`` is the stage's entry: ``survey`` finds the pages and what reading them needs,
``read_pages`` reads them. The other modules each do one part of it.
"""
