"""Turn validated records into stored-ready comments and mentions: clean, redact, segment.

Shared by file ingest, store-less tagging and the tagging API, so every entry point applies the
same rules and the same accounting (every record ends as a kept comment or a reject).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from insight.pipelines.clean import clean_comments
from insight.pipelines.segment import Segmenter
from insight.privacy.redactor import Redactor
from insight.schemas import Comment, Mention, Reject


def stored_rejects(comments: Sequence[Comment], stored_ids: Collection[str]) -> list[Reject]:
    """One reject per comment whose id the store already holds (re-sending never counts twice)."""
    return [
        Reject(c.source, -1, f"id {c.id!r} is already stored", json.dumps({"id": c.id}))
        for c in comments
        if c.id in stored_ids
    ]


def prepare_chunk(
    records: Sequence[Comment | Reject],
    redactor: Redactor,
    segmenter: Segmenter,
    dedupe: bool,
    stored_ids: set[str] | frozenset[str] = frozenset(),
    progress: bool = False,
) -> tuple[list[Comment], list[Reject], list[Mention]]:
    """(kept, rejects, mentions); ids in ``stored_ids`` are rejected so nothing counts twice."""
    comments = [r for r in records if isinstance(r, Comment)]
    rejects = [r for r in records if isinstance(r, Reject)]
    rejects.extend(stored_rejects(comments, stored_ids))
    kept, dropped = clean_comments(
        [c for c in comments if c.id not in stored_ids], redactor, dedupe, progress=progress
    )
    rejects.extend(dropped)
    return kept, rejects, segmenter.mentions(kept)
