"""Public labelled sets read as 3-class sentiment (and GoEmotions as CX emotions).

Every set maps to negative / neutral / positive (0 / 1 / 2); rows whose labels disagree with each
other (a positive and a negative emotion on one line) or carry no polarity (only "surprise") are
left out, never guessed. Sources (read from ``../shared/data``, never copied; see NOTICE):

- ``goemotions``: Reddit comments, 27 emotions + neutral (Apache-2.0). Polarity by the dataset's
  own ``sentiment_dict.json``; "ambiguous" emotions alone are left out.
- ``xed``: English movie-subtitle lines, Plutchik-8 (CC BY 4.0). joy, trust → positive; anger,
  disgust, fear, sadness → negative; anticipation and surprise alone are left out; the
  annotated neutral lines (``neu_en.tsv``) are neutral.
- ``hotel``: Booking.com reviews of one hotel (CC0), split into clauses with the engine's segmenter:
  a clause of ``Negative_Review`` is negative, of ``Positive_Review`` positive. **Neutral set**
  (our definition): a field whose whole answer has no content ("Nothing", "None", "N A", "Not
  really"): out of its form's context it states nothing either way.
- ``uci``: Amazon / IMDb / Yelp sentences, positive or negative only (CC BY 4.0).
- ``clinc150``: requests and questions to a virtual assistant (CC BY 3.0), read as **neutral**
  (our definition): a request states no opinion even when it quotes one ("how do I say I love you
  in Italian"). A seeded sample of the training split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from insight.errors import IngestError

NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
CLASSES = ("negative", "neutral", "positive")

#: A form answer with no content: neither praise nor complaint when read on its own.
NO_CONTENT = re.compile(
    r"^(?:nothing|none|n ?a|no|nil|not really|nothing at all|nothing really|nothing much"
    r"|nothing to (?:report|say))$"
)
#: A negative-field answer that says there is no complaint (the field is empty in substance).
NO_COMPLAINT = re.compile(
    NO_CONTENT.pattern[:-2]
    + r"|no complaints?|nothing to complain about|can ?t think of anything|no negatives?)$"
)

#: The CX emotions a mention can carry, each from GoEmotions labels; anything else is "none".
EMOTIONS: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "disgust"),
    "annoyance": ("annoyance", "disapproval"),
    "disappointment": ("disappointment", "sadness"),
    "confusion": ("confusion",),
    "worry": ("fear", "nervousness"),
    "gratitude": ("gratitude",),
    "joy": ("joy", "excitement", "amusement", "love", "admiration"),
}
XED_POSITIVE, XED_NEGATIVE = {5, 8}, {1, 3, 4, 6}
UCI_FILES = ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt")
NOT_REQUESTS = {"thank_you"}
CLINC_FILE = "clinc150/data_full.json"
HOTEL_FILE = "hotel_reviews/Hotel_Reviews_Britannia_Canary_Wharf.csv"


@dataclass(frozen=True)
class LabelledSet:
    """Texts with 3-class labels; ``groups`` names each row's source."""

    texts: list[str]
    labels: np.ndarray
    groups: list[str]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for t, y in zip(self.texts, self.labels.tolist(), strict=True):
            h.update(f"{y}\t{t}\n".encode())
        return h.hexdigest()

    def take(self, mask: np.ndarray) -> LabelledSet:
        rows = np.flatnonzero(mask)
        return LabelledSet(
            [self.texts[i] for i in rows], self.labels[rows], [self.groups[i] for i in rows]
        )

    @staticmethod
    def concat(parts: Sequence[LabelledSet]) -> LabelledSet:
        return LabelledSet(
            [t for p in parts for t in p.texts],
            np.concatenate([p.labels for p in parts]).astype(np.int64),
            [g for p in parts for g in p.groups],
        )


def sample(data: LabelledSet, limit: int, favour: str = "user", seed: int = 0) -> LabelledSet:
    """At most ``limit`` rows: the ``favour`` source's first (up to half), the rest shared
    equally by the other sources (a seeded sample of each)."""
    if len(data.texts) <= limit:
        return data
    groups = np.asarray(data.groups)
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(groups), dtype=bool)
    favoured = np.flatnonzero(groups == favour)
    keep[rng.permutation(favoured)[: limit // 2]] = True
    others = [g for g in dict.fromkeys(data.groups) if g != favour]
    budget = limit - int(keep.sum())
    for i, name in enumerate(others):
        share = budget // (len(others) - i)
        rows = rng.permutation(np.flatnonzero(groups == name))[:share]
        keep[rows] = True
        budget -= len(rows)
    return data.take(keep)


def _need(path: Path) -> Path:
    if not path.exists():
        raise IngestError(f"{path} not found; the public labelled sets live in ../shared/data")
    return path


def _tsv(path: Path) -> list[list[str]]:
    with _need(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _goemotion_rows(root: Path, split: str) -> list[tuple[str, list[str]]]:
    names = _need(root / "goemotions/emotions.txt").read_text(encoding="utf-8").split()
    return [
        (row[0], [names[int(i)] for i in row[1].split(",")])
        for row in _tsv(root / f"goemotions/{split}.tsv")
    ]


def load_goemotions(root: Path, splits: Sequence[str] = ("train", "dev")) -> LabelledSet:
    polarity = json.loads(_need(root / "goemotions/sentiment_dict.json").read_text("utf-8"))
    positive, negative = set(polarity["positive"]), set(polarity["negative"])
    texts, labels = [], []
    for split in splits:
        for text, emotions in _goemotion_rows(root, split):
            pos, neg = positive.intersection(emotions), negative.intersection(emotions)
            if emotions == ["neutral"]:
                label = NEUTRAL
            elif pos and not neg:
                label = POSITIVE
            elif neg and not pos:
                label = NEGATIVE
            else:
                continue
            texts.append(text)
            labels.append(label)
    return LabelledSet(texts, np.asarray(labels), ["goemotions"] * len(texts))


def load_goemotion_targets(root: Path, split: str) -> tuple[list[str], np.ndarray]:
    """(texts, multi-hot targets over ``EMOTIONS``) for one GoEmotions split."""
    texts, rows = [], []
    for text, emotions in _goemotion_rows(root, split):
        texts.append(text)
        rows.append([any(e in emotions for e in members) for members in EMOTIONS.values()])
    return texts, np.asarray(rows, dtype=bool)


def load_xed(root: Path) -> LabelledSet:
    texts, labels = [], []
    for row in _tsv(root / "xed/clean/en-annotated.tsv"):
        ids = {int(i) for i in row[1].split(",")}
        pos, neg = ids & XED_POSITIVE, ids & XED_NEGATIVE
        if pos and not neg:
            texts.append(row[0])
            labels.append(POSITIVE)
        elif neg and not pos:
            texts.append(row[0])
            labels.append(NEGATIVE)
    seen = set(texts)
    for row in _tsv(root / "xed/clean/neu_en.tsv"):
        if row[0] not in seen:
            seen.add(row[0])
            texts.append(row[0])
            labels.append(NEUTRAL)
    return LabelledSet(texts, np.asarray(labels), ["xed"] * len(texts))


def load_hotel(
    root: Path, split: Callable[[Sequence[str]], list[list[tuple[int, int]]]]
) -> LabelledSet:
    """Hotel review clauses labelled by their field; ``split`` is the engine's segmenter."""
    polar: list[tuple[str, int]] = []
    texts, labels = [], []
    with _need(root / HOTEL_FILE).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column, empty, label in (
                ("Negative_Review", "No Negative", NEGATIVE),
                ("Positive_Review", "No Positive", POSITIVE),
            ):
                text = " ".join(row[column].split())
                if not text or text == empty:
                    continue
                if NO_CONTENT.match(text.lower()):
                    texts.append(text)
                    labels.append(NEUTRAL)
                else:
                    polar.append((text, label))
    for (text, label), spans in zip(polar, split([t for t, _ in polar]), strict=True):
        for start, end in spans:
            texts.append(text[start:end])
            labels.append(label)
    return LabelledSet(texts, np.asarray(labels), ["hotel"] * len(texts))


def load_uci(root: Path) -> LabelledSet:
    texts, labels, groups = [], [], []
    for name in UCI_FILES:
        for row in _tsv(root / "uci_sentiment" / name)[1:]:
            texts.append(row[0])
            labels.append(POSITIVE if row[1].strip() == "1" else NEGATIVE)
            groups.append("uci")
    return LabelledSet(texts, np.asarray(labels), groups)


def load_clinc(root: Path, n: int = 6000, seed: int = 0) -> LabelledSet:
    """A seeded sample of CLINC150's training requests (in and out of scope), all neutral."""
    pool = load_clinc_split(root, "train")
    rows = np.random.default_rng(seed).permutation(len(pool))[:n]
    texts = [pool[i] for i in sorted(rows.tolist())]
    return LabelledSet(texts, np.full(len(texts), NEUTRAL), ["clinc150"] * len(texts))


def load_clinc_split(root: Path, split: str) -> list[str]:
    """CLINC150 requests of one split (``train``, ``val``, ``test``), in and out of scope;
    thanks ("thank_you" intent) are not requests and are left out."""
    data = json.loads(_need(root / CLINC_FILE).read_text(encoding="utf-8"))
    return [row[0] for row in data[split] + data[f"oos_{split}"] if row[1] not in NOT_REQUESTS]
