"""Normalise text, redact PII and drop repeated comments, before anything is embedded or stored.

Redaction replaces each finding with a typed placeholder (``[EMAIL]``, ``[PHONE]``, ``[CARD]``,
``[URL]``, ``[NAME]``). Patterns catch the structured kinds; person names come from the bundled
spaCy pipeline's NER (only ``tok2vec`` + ``ner`` run, to stay fast).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from insight.schemas import Comment, Reject

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
PHONE = re.compile(r"(?<![\w#])\+?\(?\d[\d ().-]{7,}\d(?!\d)")
# control characters, zero-width and direction marks, bidi embeddings/overrides/isolates
CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u2028\u2029"
    r"\u202a-\u202e\u2066-\u2069]"
)
SPACES = re.compile(r"\s+")
PLACEHOLDER = re.compile(r"\[(?:EMAIL|PHONE|CARD|URL|NAME)\]")


def normalise(text: str) -> str:
    """NFC, no control characters, single spaces, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = CONTROL.sub(" ", text)
    return SPACES.sub(" ", text).strip()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _redact_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[CARD]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group()


def _redact_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[PHONE]" if 9 <= len(digits) <= 15 else match.group()


def redact_patterns(text: str, kinds: Iterable[str]) -> str:
    """Redact the pattern-based PII kinds (order matters: cards before phones)."""
    kinds = set(kinds)
    if "email" in kinds:
        text = EMAIL.sub("[EMAIL]", text)
    if "url" in kinds:
        text = URL.sub("[URL]", text)
    if "card" in kinds:
        text = CARD.sub(_redact_card, text)
    if "phone" in kinds:
        text = PHONE.sub(_redact_phone, text)
    return text


@dataclass
class Redactor:
    """Redacts PII from many texts; spaCy is loaded on first use and only if names are wanted."""

    kinds: tuple[str, ...]
    batch_size: int = 256
    _nlp: Any = field(default=None, init=False, repr=False)

    def _ner(self) -> Any:
        if self._nlp is None:
            import spacy

            from insight.models.bundled import spacy_dir

            self._nlp = spacy.load(
                spacy_dir(), exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
            )
        return self._nlp

    def redact(self, texts: Sequence[str], progress: bool = False) -> list[str]:
        out = [redact_patterns(t, self.kinds) for t in texts]
        if "name" not in self.kinds or not out:
            return out
        docs = self._ner().pipe(out, batch_size=self.batch_size)
        names: list[str] = []
        for doc in tqdm(
            docs, total=len(out), desc="redact names", disable=None if progress else True
        ):
            text = doc.text
            for ent in reversed(doc.ents):
                if ent.label_ == "PERSON" and not PLACEHOLDER.search(ent.text):
                    text = text[: ent.start_char] + "[NAME]" + text[ent.end_char :]
            names.append(text)
        return names


def clean_comments(
    comments: Sequence[Comment], redactor: Redactor, dedupe: bool, progress: bool = False
) -> tuple[list[Comment], list[Reject]]:
    """Normalise and redact in place; repeated (respondent, text) pairs become rejects."""
    texts = redactor.redact([normalise(c.text) for c in comments], progress=progress)
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
                rejects.append(
                    Reject(
                        comment.source,
                        -1,
                        "duplicate text from the same respondent "
                        f"(first kept as id {first_seen[key]!r})",
                        json.dumps({"id": comment.id}),
                    )
                )
                continue
            first_seen[key] = comment.id
        kept.append(comment)
    return kept, rejects
