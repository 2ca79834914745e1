"""Quotes for a topic: the mention in a little of its comment, short, typical and not repeated.

A whole review can run to thousands of characters; a quote is the mention's clause with the
context around it, cut at word boundaries to about ``MAX_CHARS``. Candidates come most typical
first (closest to the topic's centre); one that says nearly the same as a quote already taken
(same words, or an embedding cosine ≥ ``SAME``) is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

MAX_CHARS = 300
SAME = 0.95
_WORDS = re.compile(r"\w+")


def in_context(mention: str, comment: str, max_chars: int = MAX_CHARS) -> str:
    """The mention with as much of its comment around it as fits in ``max_chars``."""
    if len(comment) <= max_chars:
        return comment
    start = comment.find(mention)
    if start < 0 or len(mention) >= max_chars:
        return _cut(mention if start < 0 else comment[start:], max_chars)
    spare = (max_chars - len(mention)) // 2
    left = max(0, start - spare)
    right = min(len(comment), start + len(mention) + spare + max(0, spare - start))
    if left > 0:  # shrink to whole words: never longer than max_chars plus the marks
        left = min(start, comment.find(" ", left) + 1 or left)
    if right < len(comment):
        right = max(start + len(mention), comment.rfind(" ", 0, right))
    text = comment[left:right].strip()
    return ("…" if left > 0 else "") + text + ("…" if right < len(comment) else "")


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > 0 else max_chars].rstrip() + "…"


def pick_quotes(
    order: Iterable[int],
    mentions: Sequence[str],
    comments: Sequence[str],
    embeddings: np.ndarray,
    n: int,
) -> list[str]:
    """Up to ``n`` quotes from members in ``order`` (most typical first), no near-duplicates."""
    quotes: list[str] = []
    seen_words: set[tuple[str, ...]] = set()
    taken: list[np.ndarray] = []
    for i in order:
        words = tuple(_WORDS.findall(mentions[i].casefold()))
        vector = embeddings[i] / (np.linalg.norm(embeddings[i]) or 1.0)
        if words in seen_words or any(float(vector @ t) >= SAME for t in taken):
            continue
        quote = in_context(mentions[i], comments[i])
        if quote in quotes:
            continue
        quotes.append(quote)
        seen_words.add(words)
        taken.append(vector)
        if len(quotes) == n:
            break
    return quotes
