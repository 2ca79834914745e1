"""Find person names: the spaCy model, names known from the data, and name contexts.

Three sources of evidence, each measured by ``bench/pii.py``:
- the bundled spaCy model's PERSON entities;
- names the data itself gives (agent, staff, respondent-name columns): matched anywhere, any case;
- name contexts ("spoke to …", "ask for …", "… at reception", a sentence that opens with a word
  followed by "was"/"is"): the word after is a name when it is not a common English word (the
  embedding model's word list) or when the model calls it a PERSON once capitalised, so lower-case
  names ("ask for priya") are caught and "ask for help" is not.
A word the corpus itself uses in lower case in many comments ("wifi", "great", "cabin") is a domain
word and is never a name, whatever the model says; known names override that.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS
from tqdm.auto import tqdm

from insight.privacy.patterns import Span

WORD = re.compile(r"[^\W\d_][\w'’-]*")
LOWER_WORD = re.compile(r"(?<![\w@#])[a-z][a-z'’-]+\b")
TRIGGER = re.compile(
    r"(?:\bmy name is|\bname's|\bspoke (?:to|with)|\bspeaking (?:to|with)|\btalked (?:to|with)"
    r"|\bchatted (?:to|with)|\bask(?:ed)? for|\bthanks? (?:to|you)|\bshout ?out to|\bkudos to"
    r"|\bcredit to|\bsigned|\bregards|\bcheers|\bagent|\badvis[oe]r|\brep|\brepresentative"
    r"|\boperator|\bmanager|\bsupervisor|\bdriver|\bengineer|\btechnician|\bcolleague"
    r"|\bconsultant|\bmr\.?|\bmrs\.?|\bms\.?|\bmiss|\bdr\.?)[\s,:]+"
    r"(?P<name>[^\W\d_][\w'’-]*(?-i:\s+[A-Z][\w'’-]*)?)",
    re.IGNORECASE,
)
ROLE_AFTER = re.compile(
    r"(?P<name>\b[^\W\d_][\w'’-]*(?-i:\s+[A-Z][\w'’-]*)?)\s+(?:at|from|in|on)\s+(?:the\s+)?"
    r"(?:reception|front desk|desk|counter|till|checkout|returns|customer service|support"
    r"|call cent(?:re|er)|help ?desk|concierge|branch|store|shop|phone|chat|team|bar|restaurant)\b",
    re.IGNORECASE,
)
OPENS_WITH = re.compile(
    r"(?:^|[.!?]\s+)(?P<name>[A-Za-z][a-z'’-]+(?:\s+[A-Z][\w'’-]*)?)\s+(?:was|is|has been)\b"
)
PROBES = ("I met {} yesterday.", "{} said hello to me.", "Thanks, {}!")
#: spaCy's English stop words plus verbs that follow a role word ("the agent said")
STOP = frozenset(STOP_WORDS) | {
    *("thanks", "thank", "please", "said", "says", "told", "tells", "asked", "gave", "kept"),
    *("took", "refused", "promised", "yes"),
}


@cache
def common_words() -> frozenset[str]:
    """Whole words of the bundled embedding model's vocabulary: common English, not names only."""
    from insight.models.bundled import minilm_dir

    words = (minilm_dir() / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and len(w) > 1)


def domain_words(texts: Sequence[str], min_lower: int, min_share: float, min_any: int) -> set[str]:
    """The corpus's own vocabulary: words written in lower case in at least ``min_lower`` texts,
    or in any case in at least ``min_share`` of the texts (and ``min_any`` of them): names are
    capitalised and each is used by few respondents; "wifi", "great", brand names are not."""
    lower: Counter[str] = Counter()
    anycase: Counter[str] = Counter()
    for text in texts:
        lower.update(set(LOWER_WORD.findall(text)))
        anycase.update({w.casefold() for w in WORD.findall(text)})
    floor = max(min_any, min_share * len(texts))
    return {w for w, n in lower.items() if n >= min_lower} | {
        w for w, n in anycase.items() if n >= floor
    }


def known_name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive whole-word pattern for every word of the given names."""
    words = {w for name in names for w in WORD.findall(name) if len(w) > 1}
    words -= STOP
    if not words:
        return None
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![\w@#])(?:{alternatives})(?!\w)", re.IGNORECASE)


@dataclass
class NameFinder:
    """Finds name spans in many texts at once (the spaCy model loads on first use)."""

    batch_size: int = 256
    min_lower: int = 5
    min_share: float = 0.01
    min_any: int = 20
    _nlp: Any = field(default=None, init=False, repr=False)

    def _model(self) -> Any:
        if self._nlp is None:
            from insight.models.bundled import load_spacy

            self._nlp = load_spacy(("tagger", "parser", "attribute_ruler", "lemmatizer", "senter"))
        return self._nlp

    def find(
        self,
        texts: Sequence[str],
        known_names: Iterable[str] = (),
        vocabulary: Iterable[str] = (),
        progress: bool = False,
    ) -> list[list[Span]]:
        """Name spans per text. ``vocabulary``: the corpus's own words (``domain_words`` over the
        whole input and the store), so a text is redacted the same in any batch."""
        domain = set(vocabulary)  # learned from the whole input and the store, never per batch
        known = known_name_pattern(known_names)
        known_words = {w.casefold() for n in known_names for w in WORD.findall(n)}
        common = common_words()
        found: list[list[Span]] = [[] for _ in texts]
        docs = tqdm(
            self._model().pipe(texts, batch_size=self.batch_size),
            total=len(texts),
            desc="redact names",
            disable=None if progress else True,
        )
        recheck: list[tuple[int, Span, str]] = []
        for i, doc in enumerate(docs):
            text = texts[i]
            for ent in doc.ents:
                if ent.label_ == "PERSON":
                    span = _strip_handles(text, ent.start_char, ent.end_char)
                    span = span and _trim_domain(text, span, domain - known_words)
                    if span:
                        found[i].append(span)
            if known is not None:
                found[i].extend(m.span() for m in known.finditer(text))
            for start, end in _context_candidates(text):
                words = WORD.findall(text[start:end])
                if not words or words[0].casefold() in STOP or _all_domain(words[0], domain):
                    continue
                if words[0].casefold() not in common:
                    found[i].append((start, end))
                else:
                    recheck.append((i, (start, end), text))
        self._confirm_by_model(recheck, found)
        return found

    def _confirm_by_model(
        self, candidates: list[tuple[int, Span, str]], found: list[list[Span]]
    ) -> None:
        """A common word in a name context is a name when the model, shown it capitalised in
        place, calls it a PERSON, or does so in two of three neutral sentences about a person."""
        if not candidates:
            return
        variants: list[str] = []
        for _, (start, end), text in candidates:
            word = text[start:end].title()
            variants.append(text[:start] + word + text[end:])
            variants.extend(probe.format(word) for probe in PROBES)
        docs = list(self._model().pipe(variants, batch_size=self.batch_size))
        step = 1 + len(PROBES)
        for k, (i, (start, end), text) in enumerate(candidates):
            word = text[start:end].title()
            in_place, *probes = docs[k * step : (k + 1) * step]
            here = any(
                e.label_ == "PERSON" and e.start_char <= start < e.end_char for e in in_place.ents
            )
            votes = sum(
                any(e.label_ == "PERSON" and word in e.text for e in d.ents) for d in probes
            )
            if here or votes >= 2:
                found[i].append((start, end))


def _context_candidates(text: str) -> list[Span]:
    spans = [m.span("name") for m in TRIGGER.finditer(text)]
    spans += [m.span("name") for m in ROLE_AFTER.finditer(text)]
    spans += [m.span("name") for m in OPENS_WITH.finditer(text)]
    return spans


def _strip_handles(text: str, start: int, end: int) -> Span | None:
    """Drop @handles and #hashtags from an entity (they are not what the model should redact)."""
    words = [m for m in re.finditer(r"\S+", text[start:end])]
    kept = [m for m in words if not m.group().startswith(("@", "#"))]
    if not kept:
        return None
    return start + kept[0].start(), start + kept[-1].end()


def _trim_domain(text: str, span: Span, domain: set[str]) -> Span | None:
    """The entity without the corpus words at its edges ("Jugs Wifi" -> "Jugs"); None if only
    corpus words remain."""
    words = [m for m in WORD.finditer(text, span[0], span[1]) if m.group().casefold() not in domain]
    if not words:
        return None
    return words[0].start(), words[-1].end()


def _all_domain(span_text: str, domain: set[str]) -> bool:
    words = [w.casefold() for w in WORD.findall(span_text)]
    return bool(words) and all(w in domain for w in words)
