"""Replace personal data with typed placeholders: patterns first, then names, one pass per batch.

Overlapping findings resolve to the longest span (an IBAN is not also a phone number); text that
is already a placeholder is never redacted again. Custom patterns (``[clean] patterns``) add
site-specific identifiers such as membership numbers, each with its own placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from insight.privacy.names import NameFinder, domain_words
from insight.privacy.patterns import FINDERS, Span

RedactKind = Literal[
    "email", "url", "iban", "card", "cvv", "national_id", "dob", "bank", "reference", "address",
    "postcode", "phone", "name",
]  # fmt: skip
#: Every redaction kind, in the order ``[clean] redact`` lists them by default.
REDACT_KINDS: tuple[RedactKind, ...] = get_args(RedactKind)
PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "url": "[URL]",
    "iban": "[IBAN]",
    "card": "[CARD]",
    "cvv": "[CVV]",
    "national_id": "[ID]",
    "dob": "[DOB]",
    "bank": "[BANK]",
    "reference": "[REF]",
    "address": "[ADDRESS]",
    "postcode": "[POSTCODE]",
    "phone": "[PHONE]",
    "name": "[NAME]",
}
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*\]")


def _resolve(spans: Iterable[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping findings, longest first among overlaps, never inside a placeholder."""
    protected = [m.span() for m in PLACEHOLDER.finditer(text)]
    chosen: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if end <= start or any(start < e and s < end for s, e in protected):
            continue
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, label))
    return sorted(chosen)


def apply(text: str, findings: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each resolved finding replaced by its placeholder."""
    out, last = [], 0
    for start, end, label in _resolve(findings, text):
        out.append(text[last:start])
        out.append(label)
        last = end
    out.append(text[last:])
    return "".join(out)


@dataclass
class Redactor:
    """Redacts the configured kinds from many texts; the name model loads only if names are wanted.

    ``known_names`` (agent names from the data) and ``vocabulary`` (the corpus's own words, never
    names) can be handed over once the store knows them (``Redactor.learn``).
    """

    kinds: tuple[str, ...]
    batch_size: int = 256
    patterns: Mapping[str, str] = field(default_factory=dict)
    known_names: frozenset[str] = frozenset()
    vocabulary: frozenset[str] = frozenset()
    _names: NameFinder | None = field(default=None, init=False, repr=False)
    _custom: list[tuple[re.Pattern[str], str]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(PLACEHOLDERS)
        if unknown:
            raise ValueError(f"unknown redaction kinds {sorted(unknown)}; known: {REDACT_KINDS}")
        self._custom = [
            (re.compile(regex), f"[{label.upper()}]") for label, regex in self.patterns.items()
        ]

    def learn(self, known_names: Iterable[str] = (), vocabulary: Iterable[str] = ()) -> None:
        """Add names the data gives and words the corpus uses (both persist for later batches)."""
        self.known_names = self.known_names | {n for n in known_names if n}
        self.vocabulary = self.vocabulary | set(vocabulary)

    def learn_from(self, texts: Sequence[str], known_names: Iterable[str] = ()) -> None:
        """Learn the vocabulary of a stored corpus (already redacted text) and its known names."""
        finder = self._name_finder()
        self.learn(
            known_names, domain_words(texts, finder.min_lower, finder.min_share, finder.min_any)
        )

    def _name_finder(self) -> NameFinder:
        if self._names is None:
            self._names = NameFinder(batch_size=self.batch_size)
        return self._names

    def redact_patterns(self, text: str) -> str:
        findings = [
            (start, end, PLACEHOLDERS[kind])
            for kind in self.kinds
            if kind in FINDERS
            for start, end in FINDERS[kind](text)
        ]
        findings += [
            (*m.span(), label) for regex, label in self._custom for m in regex.finditer(text)
        ]
        return apply(text, findings)

    def redact(
        self, texts: Sequence[str], progress: bool = False, known_names: Iterable[str] = ()
    ) -> list[str]:
        """Redacted copies of ``texts``; ``known_names`` add to the names learned so far."""
        out = [self.redact_patterns(t) for t in texts]
        if "name" not in self.kinds or not out:
            return out
        names = self.known_names | {n for n in known_names if n}
        spans: list[list[Span]] = self._name_finder().find(out, names, self.vocabulary, progress)
        return [
            apply(text, [(s, e, PLACEHOLDERS["name"]) for s, e in found])
            for text, found in zip(out, spans, strict=True)
        ]
