"""Service phrases whose polarity a review-trained scorer reads backwards.

The sentiment head learns from product reviews, where "problem", "issue" and "fault" mean a
complaint, so customer-service praise scores as one: "they sorted out my problem without any
fuss" got P(positive) 0.007, "can't fault the cleaners" 0.04, "nothing wrong with the food" 0.16.
Two narrow cue families mark such a clause positive:

- a negated negative: "can't fault", "nothing wrong", "no problems / issues / complaints",
  "never had an issue", "without any fuss / hassle";
- a problem reported as fixed: "fixed", "resolved", "sorted (out)", "solved", "dealt with" — unless
  the same clause negates, requests, defers or questions it ("not fixed", "still not sorted", "want
  it resolved", "finally fixed after three weeks", "was it fixed?"), where the scorer decides.

A cue only lifts P(positive) to at least ``CUE_FLOOR``; it never lowers a score. Measured in
``bench/sentiment.py`` (UCI leave-one-source-out): the cues fire on a handful of sentences, all
labelled positive there, so accuracy cannot fall on that data; the phrases they exist for are
pinned by tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

CUE_FLOOR = 0.75  # above the default neutral band (0.35–0.65): a clear positive

_NEGATED_NEGATIVE = re.compile(
    r"\b(?:can\s*not|can'?t|could\s*not|couldn'?t)\s+(?:\w+\s+)?fault\b"
    r"|\bnothing\s+(?:\w+\s+)?wrong\b"
    r"|\bno\s+(?:\w+\s+)?(?:problems?|issues?|complaints?|hassle|fuss|quibbles?)\b"
    r"|\bnever\s+had\s+(?:a|an|any)\s+(?:single\s+)?(?:problem|issue|complaint)s?\b"
    r"|\bwithout\s+(?:any\s+|a\s+)?(?:fuss|hassle|problems?|issues?|quibbles?)\b",
    re.IGNORECASE,
)
_RESOLVED = re.compile(r"\b(?:fixed|resolved|sorted|solved|dealt\s+with)\b", re.IGNORECASE)
_RESOLUTION_BLOCKED = re.compile(
    r"\b(?:not|never|nobody|no\s+one|still|yet|unable|fail(?:s|ed)?|want(?:s|ed)?|need(?:s|ed)?"
    r"|please|should|would|could|might|hope|hoping|if|until|unless|supposed|meant|try(?:ing)?"
    r"|tried|again|eventually|finally|after|before|weeks?|months?|chase[ds]?|chasing)\b"
    r"|n'?t\b|\?",
    re.IGNORECASE,
)


def positive_cue(text: str) -> bool:
    """Whether the clause praises by negating a negative or by reporting a fix."""
    if _NEGATED_NEGATIVE.search(text):
        return True
    return bool(_RESOLVED.search(text)) and not _RESOLUTION_BLOCKED.search(text)


def apply_cues(texts: Sequence[str], p_positive: np.ndarray) -> np.ndarray:
    """P(positive) raised to ``CUE_FLOOR`` where a positive cue fires; unchanged elsewhere."""
    cued = np.fromiter((positive_cue(t) for t in texts), dtype=bool, count=len(texts))
    return np.where(cued, np.maximum(p_positive, CUE_FLOOR), p_positive)
