"""Normalise text, redact PII and drop repeated comments, before anything is embedded or stored.

Redaction (``insight.privacy``) replaces each finding with a typed placeholder; agent names in a
batch are handed to it as names known from the data.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence

from insight.privacy.redactor import Redactor
from insight.schemas import Comment, Reject

# control characters, direction marks, bidi embeddings/overrides/isolates become a space;
# zero-width characters and soft hyphens vanish (a zero-width space must not split an email)
CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200e\u200f\u2028\u2029"
    r"\u202a-\u202e\u2066-\u2069]"
)
INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC (full-width and compatibility forms fold to plain ones), no control or invisible
    characters, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", INVISIBLE.sub("", text))
    text = CONTROL.sub(" ", text)
    return SPACES.sub(" ", text).strip()


def duplicate_reject(comment: Comment, first_id: str) -> Reject:
    """The reject for a repeat of a (respondent, text) pair kept earlier as ``first_id``."""
    return Reject(
        comment.source,
        -1,
        f"duplicate text from the same respondent (first kept as id {first_id!r})",
        json.dumps({"id": comment.id}),
    )


def clean_comments(
    comments: Sequence[Comment], redactor: Redactor, dedupe: bool, progress: bool = False
) -> tuple[list[Comment], list[Reject]]:
    """Normalise and redact in place; repeated (respondent, text) pairs become rejects."""
    names = {c.agent for c in comments if c.agent}
    texts = redactor.redact(
        [normalise(c.text) for c in comments], progress=progress, known_names=names
    )
    kept: list[Comment] = []
    rejects: list[Reject] = []
    first_seen: dict[tuple[str, str], str] = {}
    for comment, text in zip(comments, texts, strict=True):
        comment.text = text
        if not text:
            rejects.append(
                Reject(
                    comment.source,
                    -1,
                    "empty text after normalising",
                    json.dumps({"id": comment.id}),
                )
            )
            continue
        if dedupe and comment.respondent_id:
            key = (comment.respondent_id, text.casefold())
            if key in first_seen:
                rejects.append(duplicate_reject(comment, first_seen[key]))
                continue
            first_seen[key] = comment.id
        kept.append(comment)
    return kept, rejects
