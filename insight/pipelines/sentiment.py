"""Train the sentiment head (UCI sentences or a user's labelled CSV) and score mentions."""

from __future__ import annotations

import csv
import hashlib
import platform
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from insight.errors import IngestError
from insight.models.bundled import MINILM_SHA256
from insight.models.embedder import MiniLMEmbedder
from insight.models.sentiment import SentimentHead, SentimentModel, rollup

UCI_FILES = ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt")
POSITIVE = {"1", "positive", "pos", "+1"}
NEGATIVE = {"0", "negative", "neg", "-1"}


@dataclass(frozen=True)
class LabelledSet:
    texts: list[str]
    labels: np.ndarray
    groups: list[str]
    digest: str


def _digest(texts: list[str], labels: np.ndarray) -> str:
    h = hashlib.sha256()
    for t, y in zip(texts, labels.tolist(), strict=True):
        h.update(f"{y}\t{t}\n".encode())
    return h.hexdigest()


def load_uci(folder: Path) -> LabelledSet:
    """The UCI Sentiment Labelled Sentences (tab-separated, header line, labels 0/1)."""
    texts: list[str] = []
    labels: list[int] = []
    groups: list[str] = []
    for name in UCI_FILES:
        path = folder / name
        if not path.exists():
            raise IngestError(f"{path} not found; the UCI sentences live in ../shared/data")
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
        for row in rows:
            texts.append(row[0])
            labels.append(int(row[1]))
            groups.append(name.split("_")[0])
    y = np.asarray(labels)
    return LabelledSet(texts, y, groups, _digest(texts, y))


def load_labelled_csv(path: Path) -> LabelledSet:
    """A user's CSV with ``text`` and ``label`` (0/1 or negative/positive); bad rows are refused."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"text", "label"} - set(frame.columns)
    if missing:
        raise IngestError(f"{path}: needs columns text,label; missing {sorted(missing)}")
    labels = frame["label"].str.strip().str.lower()
    bad = ~labels.isin(POSITIVE | NEGATIVE) | (frame["text"].str.strip() == "")
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:5])
        raise IngestError(
            f"{path}: {int(bad.sum())} row(s) with empty text or a label that is "
            f"not 0/1/negative/positive (lines {rows}); fix or remove them"
        )
    y = labels.isin(POSITIVE).astype(int).to_numpy()
    texts = frame["text"].tolist()
    return LabelledSet(texts, y, ["user"] * len(texts), _digest(texts, y))


def train_head(
    data: LabelledSet, embedder: MiniLMEmbedder, c: float = 1.0, use_lexicon: bool = True
) -> SentimentHead:
    """Fit the head and record where it came from (encoder hash, data hash, versions)."""
    embeddings = embedder.encode(data.texts)
    head = SentimentHead(c=c, use_lexicon=use_lexicon).fit(embeddings, data.texts, data.labels)
    head.meta_ = {
        "encoder": embedder.model_id,
        "encoder_sha256": MINILM_SHA256,
        "data_sha256": data.digest,
        "n": len(data.texts),
        "positives": int(data.labels.sum()),
        "groups": sorted(set(data.groups)),
        "versions": {
            p: version(p)
            for p in ("scikit-learn", "numpy", "torch", "vaderSentiment", "sentence-transformers")
        },
        "python": platform.python_version(),
        "training_accuracy": float(
            np.mean((head.predict_proba(embeddings, data.texts) >= 0.5) == data.labels)
        ),
    }
    return head


def score_mentions(
    model: SentimentModel, texts: list[str], embeddings: np.ndarray | None
) -> pd.DataFrame:
    """label and p_positive per mention text."""
    labels, p = model.predict(embeddings if embeddings is not None else np.zeros((0, 0)), texts)
    return pd.DataFrame({"label": labels, "p_positive": p})


def comment_sentiment(mentions: pd.DataFrame) -> pd.DataFrame:
    """Roll mention sentiment (comment_id, label, p_positive) up to comments with a mixed flag."""
    rows = []
    for comment_id, group in mentions.groupby("comment_id", sort=True):
        label, p, mixed = rollup(group["label"].tolist(), group["p_positive"].tolist())
        rows.append((comment_id, label, p, mixed))
    return pd.DataFrame(rows, columns=["comment_id", "sentiment", "p_positive", "mixed"])
