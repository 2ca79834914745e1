"""The analysts' taxonomy: edits over any fitted model (``edits``), their storage (``curation``)."""
