"""Topic labels an analyst reads: a noun phrase that occurs in the topic's clauses, and the
clusters that have none (filler: "Sort it out", "Keep it up", "Nothing") recognised from the data.

Candidates are runs of nouns in spaCy-tagged clauses ("shower", "shower facilities", "car park"),
counted in a seeded sample of each cluster's clauses. A candidate is *eligible* for a cluster when
it occurs in at least ``MIN_SHARE`` of them (so the label is a phrase of its clauses) and more
often than across all clusters. Eligible candidates are ranked KeyBERT-style: share ×
log(1 + lift) × cosine of the phrase's embedding to the cluster's centroid; labels are unique
across topics (greedy by score). A cluster two thirds of whose clauses contain no noun ("Sort it
out", "Keep it up", "Not happy", "Won't be ordering again"), or without an eligible phrase, is
filler (``is_filler``). Keyword labels from c-TF-IDF stay as secondary detail (``make_label``),
and the fallback when no phrase qualifies.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_SHARE = 0.05
MIN_SUBJECT_SHARE = 0.34
MAX_PHRASE_WORDS = 3
SAMPLE_PER_TOPIC = 300
NOUNS = frozenset({"NOUN", "PROPN"})
UNLABELLED = "Unlabelled"
#: Conversational filler common in customer comments; it carries no topic, so keep it out of labels.
CX_STOP_WORDS = (
    "hi",
    "hello",
    "hey",
    "honestly",
    "overall",
    "thanks",
    "thank",
    "cheers",
    "really",
    "just",
    "fair",
    "ok",
    "okay",
    "yes",
    "lol",
    "pls",
    "please",
    "dont",
    "didnt",
    "im",
    "ive",
    "wont",
    "cant",
    "got",
    "getting",
    "did",
    "does",
    "went",
    "said",
    # what is left of "didn't" and the like in exports that dropped apostrophes ("didn t")
    "didn",
    "doesn",
    "don",
    "wasn",
    "weren",
    "isn",
    "aren",
    "couldn",
    "wouldn",
    "shouldn",
    "hasn",
    "haven",
    "won",  # "won't": the keyword pattern keeps "won", drops the "t" ("Ordering won" on the demo)
)
ALPHA = re.compile(r"^[^\W\d_][\w'-]*$")


@dataclass(frozen=True)
class Candidate:
    """A noun phrase of one cluster: the share of its clauses that contain it, and its lift
    (that share over the share of all clustered clauses that do)."""

    phrase: str
    share: float
    lift: float


@dataclass(frozen=True)
class ClusterPhrases:
    """Eligible label phrases of a cluster, best share first, and the share of its clauses
    that name any subject (contain a noun phrase)."""

    phrases: list[Candidate]
    subject_share: float


def noun_runs(doc: Any, stop_words: frozenset[str]) -> set[str]:
    """Lower-case noun phrases of a tagged clause: every run of up to three adjacent nouns."""
    found: set[str] = set()
    run: list[str] = []
    for token in [*doc, None]:
        word = token.lower_ if token is not None else ""
        if (
            token is not None
            and token.pos_ in NOUNS
            and ALPHA.match(word)
            and len(word) > 1
            and word not in stop_words
        ):
            run.append(word)
            continue
        for start in range(len(run)):
            for end in range(start + 1, min(len(run), start + MAX_PHRASE_WORDS) + 1):
                found.add(" ".join(run[start:end]))
        run = []
    return found


def candidates(
    members: dict[int, np.ndarray],
    texts: Sequence[str],
    nlp: Any,
    stop_words: frozenset[str],
    seed: int,
) -> dict[int, ClusterPhrases]:
    """Label phrases and subject share of each cluster (``members``: cluster id → row indexes).
    Up to ``SAMPLE_PER_TOPIC`` clauses of each cluster are tagged (seeded)."""
    rng = np.random.default_rng(seed)
    sampled = {
        t: (rows if len(rows) <= SAMPLE_PER_TOPIC else rng.choice(rows, SAMPLE_PER_TOPIC, False))
        for t, rows in members.items()
    }
    order = [(t, int(i)) for t, rows in sampled.items() for i in rows]
    docs = nlp.pipe([texts[i] for _, i in order], batch_size=256)
    found: dict[int, list[set[str]]] = {t: [] for t in members}
    for (t, _), doc in zip(order, docs, strict=True):
        found[t].append(noun_runs(doc, stop_words))
    share = {t: _shares(found[t]) for t in members}
    total = sum(len(rows) for rows in members.values())
    occurrences: dict[str, float] = {}
    for t, rows in members.items():
        for phrase, s in share[t].items():
            occurrences[phrase] = occurrences.get(phrase, 0.0) + s * len(rows)
    out = {}
    for t in members:
        eligible = [
            Candidate(p, s, s * total / occurrences[p])
            for p, s in share[t].items()
            if s >= MIN_SHARE and s * total > occurrences[p]
        ]
        named = np.mean([bool(runs) for runs in found[t]]) if found[t] else 0.0
        out[t] = ClusterPhrases(sorted(eligible, key=lambda c: -c.share), float(named))
    return out


def _shares(runs: list[set[str]]) -> dict[str, float]:
    counts = Counter(p for phrases in runs for p in phrases)
    return {p: c / len(runs) for p, c in counts.items()}


def subjects(cluster: ClusterPhrases, top: int = 3, min_share: float = 0.2) -> set[str]:
    """What a cluster is about: its leading noun phrases (in ≥ ``min_share`` of its clauses),
    plural-insensitive. "Staff were lovely" and "staff rude" clusters share "staff"."""
    return {singular(c.phrase) for c in cluster.phrases[:top] if c.share >= min_share}


def is_filler(cluster: ClusterPhrases) -> bool:
    """Two thirds of the cluster's clauses name no subject, or no phrase of its own qualifies."""
    return cluster.subject_share < MIN_SUBJECT_SHARE or not cluster.phrases


def choose_labels(
    found: dict[int, ClusterPhrases],
    centroids: dict[int, np.ndarray],
    embed: Callable[[list[str]], np.ndarray] | None,
    keywords: dict[int, list[str]] | None = None,
    top: int = 12,
) -> dict[int, str]:
    """One phrase per cluster that has any, unique across clusters, best-scoring first. A
    phrase that is also one of the cluster's c-TF-IDF keywords (or part of one) counts double:
    "site" in "navigate site" beats "pleasure" in "a pleasure to use"."""
    scored: list[tuple[float, int, str]] = []
    for t, cluster in found.items():
        items = cluster.phrases[:top]
        if not items:
            continue
        if embed is not None:
            vectors = embed([c.phrase for c in items])
            sims = np.clip(vectors @ centroids[t], 0.0, None)
        else:
            sims = np.ones(len(items))
        words = " | ".join((keywords or {}).get(t, []))
        for c, sim in zip(items, sims, strict=True):
            bonus = 2.0 if re.search(rf"\b{re.escape(c.phrase)}\b", words) else 1.0
            scored.append((c.share * math.log1p(c.lift) * float(sim) * bonus, t, c.phrase))
    labels: dict[int, str] = {}
    used: set[str] = set()
    for _, t, phrase in sorted(scored, key=lambda x: (-x[0], x[1], x[2])):
        if t in labels or singular(phrase) in used:
            continue
        labels[t] = phrase[:1].upper() + phrase[1:]
        used.add(singular(phrase))
    return labels


def singular(phrase: str) -> str:
    """ "Cards" and "card" name one subject: labels must differ by more than a plural s."""
    return " ".join(singular_word(w) for w in phrase.split())


def singular_word(word: str) -> str:
    """The word without a plural s ("rates" → "rate"; "bus" and "gas" stay)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def label_or_example(keywords: Sequence[str], example: str) -> str:
    """Keywords read best; a group of stop words and placeholders ("keep it up", "call me on
    [PHONE]") shows its most typical text instead of "Unlabelled"."""
    label = make_label(keywords)
    example = " ".join(example.split())
    if label != UNLABELLED or not example:
        return label
    return example if len(example) <= 40 else example[:39] + "…"


def make_label(keywords: Sequence[str], max_terms: int = 3) -> str:
    """Readable label from ranked keywords, skipping terms already covered by a chosen phrase."""
    chosen: list[str] = []
    covered: set[str] = set()
    for word in keywords:
        parts = word.split()
        tokens = {singular_word(p) for p in parts}
        if tokens <= covered or len(tokens) < len(parts):  # "sort sort" reads as noise
            continue
        chosen.append(word)
        covered |= tokens
        if len(chosen) == max_terms:
            break
    if not chosen:
        return UNLABELLED
    return (
        chosen[0][:1].upper()
        + chosen[0][1:]
        + (" · " if len(chosen) > 1 else "")
        + " · ".join(chosen[1:])
    )
