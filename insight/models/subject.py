"""What a mention is about, as the topic model sees it: the text without @handles and #tags.

A handle or tag names *who* a comment is addressed to or *where* it was posted (an airline, a
store, a channel), not *what* it is about; left in, topics followed the addressee ("Usairways
great · good usairways" on a complaint cluster). Stripped before embedding and before labelling;
the stored and displayed text keeps them. Names that mark a comment's segment ("Hey United, ...")
go the same way once the fit has found them (``segment_markers``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: An @handle or #tag at a word start ("@united", "#customerservice"); not "#1" or an e-mail.
HANDLE = re.compile(r"(?<![\w.])[@#][A-Za-z_]\w*")
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*\]")  # redaction placeholders carry no topic words


def subject_text(text: str, markers: re.Pattern[str] | None = None) -> str:
    """The text without handles and tags (and ``markers``' words), whitespace closed up; the
    text itself if nothing else is left (a comment that is only a handle)."""
    stripped = HANDLE.sub(" ", text)
    if markers is not None:
        stripped = markers.sub(" ", stripped)
    return " ".join(stripped.split()) or text


def subject_docs(texts: Sequence[str], markers: re.Pattern[str] | None = None) -> list[str]:
    """What keywords and labels are drawn from: no handles, tags, segment markers or redaction
    placeholders."""
    return [PLACEHOLDER.sub(" ", subject_text(t, markers)) for t in texts]
