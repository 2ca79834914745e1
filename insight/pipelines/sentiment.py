"""Train the 3-class sentiment head (public mix, optionally a user's labels) and score mentions."""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from insight.errors import IngestError
from insight.models.bundled import MINILM_SHA256
from insight.models.sentiment import SentimentHead, SentimentModel, rollup
from insight.pipelines import sentiment_corpora as corpora
from insight.pipelines.sentiment_corpora import LabelledSet
from insight.pipelines.sentiment_corpora import sample as sample  # the CLI's fine-tuning rows

WORDS = {
    "negative": corpora.NEGATIVE,
    "neg": corpora.NEGATIVE,
    "0": corpora.NEGATIVE,
    "neutral": corpora.NEUTRAL,
    "neu": corpora.NEUTRAL,
    "positive": corpora.POSITIVE,
    "pos": corpora.POSITIVE,
    "1": corpora.POSITIVE,
}
#: Share of the rows held out of the fit to calibrate the temperature.
CALIBRATION_SHARE = 0.1
Encode = Callable[[Sequence[str]], np.ndarray]


def load_public_mix(root: Path, split: Callable[[Sequence[str]], list]) -> LabelledSet:
    """Every public source the shipped head learns from (``split``: the engine's segmenter)."""
    return LabelledSet.concat(
        [
            corpora.load_goemotions(root),
            corpora.load_xed(root),
            corpora.load_hotel(root, split),
            corpora.load_uci(root),
            corpora.load_clinc(root),
        ]
    )


def training_data(
    root: Path, split: Callable[[Sequence[str]], list], user_csv: Path | None = None
) -> LabelledSet:
    """The public mix, plus a user's labelled CSV when given."""
    mix = load_public_mix(root, split)
    return mix if user_csv is None else LabelledSet.concat([mix, load_labelled_csv(user_csv)])


def train_shipped_recipe(data: LabelledSet, root: Path, c: float = 1.0) -> SentimentHead:
    """What ``insight train-sentiment`` runs: the bundled encoder (with a progress bar), the
    3-class head on ``data`` and the emotion head on GoEmotions."""
    from insight.models.embedder import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    train, dev = (corpora.load_goemotion_targets(root, s) for s in ("train", "dev"))
    return train_head(
        data,
        lambda texts: embedder.encode(texts, progress=True),
        embedder.model_id,
        emotions=(train[0], train[1], dev[0], dev[1]),
        c=c,
    )


def load_labelled_csv(path: Path) -> LabelledSet:
    """A user's CSV with ``text`` and ``label`` (negative/neutral/positive, or 0/1 for
    negative/positive); bad rows are refused with their line numbers."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"text", "label"} - set(frame.columns)
    if missing:
        raise IngestError(f"{path}: needs columns text,label; missing {sorted(missing)}")
    labels = frame["label"].str.strip().str.lower()
    bad = ~labels.isin(WORDS) | (frame["text"].str.strip() == "")
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:5])
        raise IngestError(
            f"{path}: {int(bad.sum())} row(s) with empty text or a label that is not "
            f"negative/neutral/positive (or 0/1) (lines {rows}); fix or remove them"
        )
    texts = frame["text"].tolist()
    return LabelledSet(texts, labels.map(WORDS).to_numpy(np.int64), ["user"] * len(texts))


def source_weights(data: LabelledSet, favour: str = "user") -> np.ndarray:
    """Each source weighs the same in total, and within a source each class it has the same:
    no corpus (or its label balance) dominates because it is large. The ``favour`` source (a
    user's own labels) weighs as much as all the others together. Mean weight 1."""
    groups = np.asarray(data.groups)
    weights = np.ones(len(groups))
    for name in np.unique(groups):
        in_source = groups == name
        classes = np.unique(data.labels[in_source])
        for label in classes:
            cell = in_source & (data.labels == label)
            weights[cell] = 1.0 / (cell.sum() * len(classes))
    favoured = groups == favour
    if favoured.any() and not favoured.all():
        weights[favoured] *= weights[~favoured].sum() / weights[favoured].sum()
    return weights * len(weights) / weights.sum()


def fit_head(
    data: LabelledSet,
    embeddings: np.ndarray,
    c: float = 1.0,
    use_lexicon: bool = True,
    seed: int = 0,
) -> SentimentHead:
    """The shipped recipe: source-balanced weights, a seeded 10% slice kept for the temperature."""
    head = SentimentHead(c=c, use_lexicon=use_lexicon)
    x = head.features(embeddings, data.texts)
    weights = source_weights(data)
    held = np.random.default_rng(seed).random(len(data.texts)) < CALIBRATION_SHARE
    if len(np.unique(data.labels[held])) < 3:  # too few rows to calibrate: keep T = 1
        held[:] = False
    head.fit(x[~held], data.labels[~held], weights[~held])
    if held.any():
        head.calibrate(x[held], data.labels[held])
    return head


def train_head(
    data: LabelledSet,
    encode: Encode,
    encoder_id: str,
    emotions: tuple[list[str], np.ndarray, list[str], np.ndarray] | None = None,
    c: float = 1.0,
) -> SentimentHead:
    """Fit the head (and, given GoEmotions train/dev targets, the emotion head) and record
    where it came from: encoder and data hashes, library versions, class counts."""
    embeddings = encode(data.texts)
    head = fit_head(data, embeddings, c=c)
    if emotions is not None:
        known = dict(zip(data.texts, embeddings, strict=True))

        def reuse(texts: list[str]) -> np.ndarray:  # most GoEmotions texts are embedded already
            missing = list(dict.fromkeys(t for t in texts if t not in known))
            known.update(zip(missing, encode(missing) if missing else [], strict=True))
            return np.stack([known[t] for t in texts])

        train_texts, train_targets, dev_texts, dev_targets = emotions
        head.fit_emotions(
            reuse(train_texts),
            train_targets,
            list(corpora.EMOTIONS),
            (reuse(dev_texts), dev_targets),
        )
    predicted = head.proba(embeddings, data.texts).argmax(axis=1)
    head.meta_ = {
        "encoder": encoder_id,
        "encoder_sha256": MINILM_SHA256,
        "data_sha256": data.digest,
        "n": len(data.texts),
        "classes": {name: int((data.labels == i).sum()) for i, name in enumerate(corpora.CLASSES)},
        "sources": {g: data.groups.count(g) for g in sorted(set(data.groups))},
        "emotions_from": "goemotions train (thresholds on dev)" if emotions else None,
        "versions": {
            p: version(p)
            for p in ("scikit-learn", "numpy", "torch", "vaderSentiment", "sentence-transformers")
        },
        "python": platform.python_version(),
        "training_accuracy": float(np.mean(predicted == data.labels)),
    }
    return head


def score_mentions(
    model: SentimentModel, texts: list[str], embeddings: np.ndarray | None
) -> pd.DataFrame:
    """label, p_positive (expected polarity 0..1) and emotion per mention text."""
    vectors = embeddings if embeddings is not None else np.zeros((0, 0))
    labels, p = model.predict(vectors, texts)
    emotions = getattr(model, "emotions", None)
    emotion = emotions(vectors) if emotions is not None and len(vectors) else [None] * len(texts)
    return pd.DataFrame({"label": labels, "p_positive": p, "emotion": emotion})


def comment_sentiment(mentions: pd.DataFrame) -> pd.DataFrame:
    """Roll mention sentiment (comment_id, label, p_positive) up to comments with a mixed flag."""
    rows = []
    for comment_id, group in mentions.groupby("comment_id", sort=True):
        label, p, mixed = rollup(group["label"].tolist(), group["p_positive"].tolist())
        rows.append((comment_id, label, p, mixed))
    return pd.DataFrame(rows, columns=["comment_id", "sentiment", "p_positive", "mixed"])
