"""Names that mark who a comment comes from or is addressed to, found from the data.

A comment's segment (the airline a tweet is addressed to, the store, the brand: the ``segment``
column) says *who*, not *what*. Left in the text, the names that mark it pulled clusters towards
the addressee: bitext's requests, each addressed to one of six airlines ("Hey United, ..."), lost
0.13 intent NMI and their topics followed the airline (bench/README, "What, not who"). At fit,
a word is a *marker* when it is written as a name (capitalised in most of its occurrences inside
a sentence) and nearly all comments that contain it come from one segment value, far more than
that value's share. Markers are removed, like @handles, from what is embedded and labelled; the
model stores them so that tagging removes the same words. Without a segment column nothing is
removed: a name alone may well be the subject ("Canary Wharf", "the O2").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from insight.models.subject import HANDLE

#: A marker occurs in at least this many comments...
MIN_COMMENTS = 5
#: ...at least this share of them from one segment value...
PURITY = 0.9
#: ...which is at least this many times that value's share of all comments.
MIN_LIFT = 2.0
#: Share of a word's occurrences inside a sentence that are capitalised, for it to be a name.
NAME_CASE = 0.8
WORD = re.compile(r"[^\W\d_][\w'’-]*")
SENTENCE_END = re.compile(r"[.!?:;\n]")


def _words(text: str) -> list[tuple[str, bool]]:
    """Each word of ``text`` with whether it stands inside a sentence (a word before it and no
    sentence end between them)."""
    out = []
    previous_end = -1
    for match in WORD.finditer(text):
        gap = text[previous_end : match.start()] if previous_end >= 0 else ""
        out.append((match.group(), previous_end >= 0 and not SENTENCE_END.search(gap)))
        previous_end = match.end()
    return out


def find_markers(texts: Sequence[str], segments: Sequence[str | None]) -> list[str]:
    """Lower-case marker words of ``texts`` (comments) given each one's segment (None: unknown).
    Fewer than two known segment values: none."""
    known = [(t, s) for t, s in zip(texts, segments, strict=True) if isinstance(s, str) and s]
    values = Counter(s for _, s in known)
    if len(values) < 2:
        return []
    in_comments: dict[str, Counter[str]] = {}
    capitalised: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for raw, segment in known:
        words = _words(HANDLE.sub(" ", raw))  # handles go before markers are looked for
        for word in {w.lower() for w, _ in words}:
            in_comments.setdefault(word, Counter())[segment] += 1
        for word, within in words:
            if within:
                lower = word.lower()
                inside[lower] += 1
                capitalised[lower] += word[0].isupper()
    markers = []
    for word, by_segment in in_comments.items():
        total = sum(by_segment.values())
        value, count = by_segment.most_common(1)[0]
        if (
            total >= MIN_COMMENTS
            and count >= PURITY * total
            and count / total >= MIN_LIFT * values[value] / len(known)
            and inside[word] > 0
            and capitalised[word] >= NAME_CASE * inside[word]
        ):
            markers.append(word)
    return sorted(markers)


def marker_pattern(markers: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern of whole marker words (None when there are none)."""
    if not markers:
        return None
    words = "|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{words})(?![\w'’-])", re.IGNORECASE)
