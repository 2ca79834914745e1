"""Clause sentiment: a 3-class head (negative / neutral / positive) over frozen MiniLM embeddings.

The head is a multinomial logistic regression with a **learned neutral class**, trained by
``insight train-sentiment`` on a mix of public sets (GoEmotions, XED, hotel review clauses, UCI
sentences; see :mod:`insight.pipelines.sentiment_corpora`), then calibrated by one temperature
fitted on a held-out slice of that mix. An optional second head gives each clause one CX emotion
(anger, annoyance, disappointment, confusion, worry, gratitude, joy or none), trained on
GoEmotions. Both are stored as plain arrays + JSON (no pickle) with the hashes of the encoder and
the training data. No lexicon feature: a brand ("@united") or a person's name carries no score.
Measured leave-one-dataset-out in ``bench/sentiment.py``.

``p_positive`` is the expected polarity on 0..1, P(positive) + ½·P(neutral): 0.5 is neutral.
VADER alone (``insight.vader.v1``) is the no-torch fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from insight.errors import ModelPackageError
from insight.registry import register

LABELS = ("negative", "neutral", "positive")
NO_EMOTION = "none"
FORMAT_VERSION = 2


def bundled_head_path() -> Path:
    return Path(str(resources.files("insight.models") / "data" / "sentiment_head.json"))


def expected_polarity(proba: np.ndarray) -> np.ndarray:
    """P(positive) + ½·P(neutral): a 0..1 polarity whose midpoint is neutral."""
    return np.asarray(proba[:, 2] + 0.5 * proba[:, 1], dtype=np.float64)


@dataclass
class VaderScorer:
    """VADER compound score (lexicon + rules: negation, intensifiers, emoji)."""

    _analyzer: Any = field(default=None, init=False, repr=False)

    def _polarity_scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if self._analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        return [self._analyzer.polarity_scores(t) for t in texts]

    def compound(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([r["compound"] for r in self._polarity_scores(texts)], dtype=np.float64)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """(compound, pos, neg, neu) per text."""
        keys = ("compound", "pos", "neg", "neu")
        rows = self._polarity_scores(texts)
        return np.array([[r[k] for k in keys] for r in rows], dtype=np.float64).reshape(-1, 4)


HANDLE = re.compile(r"[@#]\w+")
#: A capitalised word inside a sentence (after a lower-case word or a comma): a name, not a word.
INNER_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b")


def mask_names(text: str) -> str:
    """The clause without @handles, #tags and capitalised words inside a sentence."""
    return INNER_NAME.sub("", HANDLE.sub("", text))


def lexicon_features(texts: Sequence[str], vader: VaderScorer) -> np.ndarray:
    """VADER (compound, pos, neg, neu) of each clause with names masked."""
    return vader.scores([mask_names(t) for t in texts])


def to_labels(p_positive: np.ndarray, band: tuple[float, float]) -> list[str]:
    low, high = band
    return ["positive" if p > high else "negative" if p < low else "neutral" for p in p_positive]


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises held-out log loss (one parameter: ranks never change)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import softmax

    rows = np.arange(len(labels))

    def loss(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t), axis=1)
        return float(-np.mean(np.log(p[rows, labels] + 1e-12)))

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x))


@dataclass
class SentimentHead:
    """3-class logistic head (+ optional emotion head); fitted state ends in ``_``."""

    c: float = 1.0
    use_lexicon: bool = True
    coef_: np.ndarray | None = field(default=None, init=False, repr=False)
    intercept_: np.ndarray | None = field(default=None, init=False, repr=False)
    temperature_: float = field(default=1.0, init=False, repr=False)
    emotions_: tuple[str, ...] = field(default=(), init=False, repr=False)
    emotion_coef_: np.ndarray | None = field(default=None, init=False, repr=False)
    emotion_intercept_: np.ndarray | None = field(default=None, init=False, repr=False)
    emotion_threshold_: np.ndarray | None = field(default=None, init=False, repr=False)
    meta_: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _vader: VaderScorer = field(default_factory=VaderScorer, init=False, repr=False)

    def features(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        x = np.asarray(embeddings, dtype=np.float64)
        if self.use_lexicon:
            x = np.hstack([x, lexicon_features(texts, self._vader)])
        return x

    def fit(
        self,
        features: np.ndarray,
        labels: Sequence[int] | np.ndarray,
        weights: np.ndarray | None = None,
    ) -> SentimentHead:
        """Fit on :meth:`features` rows; labels 0 / 1 / 2 = negative / neutral / positive."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels)
        if set(np.unique(y).tolist()) != {0, 1, 2}:
            raise ValueError("sentiment labels must hold negative, neutral and positive rows")
        model = LogisticRegression(C=self.c, max_iter=5000).fit(features, y, sample_weight=weights)
        self.coef_ = model.coef_.astype(np.float64)
        self.intercept_ = model.intercept_.astype(np.float64)
        self.temperature_ = 1.0
        return self

    def calibrate(self, features: np.ndarray, labels: np.ndarray) -> SentimentHead:
        """Fit the temperature on :meth:`features` rows the head was not trained on."""
        self.temperature_ = fit_temperature(self._logits(features), np.asarray(labels))
        return self

    def fit_emotions(
        self,
        embeddings: np.ndarray,
        targets: np.ndarray,
        names: Sequence[str],
        dev: tuple[np.ndarray, np.ndarray],
    ) -> SentimentHead:
        """One logistic model per emotion; each threshold maximises F1 on ``dev``. Rows are
        embeddings (or any feature matrix, sparse included)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import precision_recall_curve

        coefs, intercepts, thresholds = [], [], []
        for k in range(len(names)):
            model = LogisticRegression(C=self.c, max_iter=5000).fit(embeddings, targets[:, k])
            coefs.append(model.coef_[0])
            intercepts.append(model.intercept_[0])
            p = model.predict_proba(dev[0])[:, 1]
            precision, recall, cut = precision_recall_curve(dev[1][:, k], p)
            f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
            thresholds.append(float(cut[int(np.argmax(f1[:-1]))]))
        self.emotions_ = tuple(names)
        self.emotion_coef_ = np.asarray(coefs)
        self.emotion_intercept_ = np.asarray(intercepts)
        self.emotion_threshold_ = np.asarray(thresholds)
        return self

    def _logits(self, features: np.ndarray) -> np.ndarray:
        if self.coef_ is None or self.intercept_ is None:
            raise ModelPackageError(
                "the sentiment head is not trained; run `insight train-sentiment`"
            )
        return np.asarray(features @ self.coef_.T + self.intercept_)

    def proba(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Calibrated (negative, neutral, positive) probabilities per clause."""
        if len(texts) == 0:
            return np.zeros((0, 3))
        from scipy.special import softmax

        logits = self._logits(self.features(embeddings, texts))
        return np.asarray(softmax(logits / self.temperature_, axis=1))

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """(label per clause, expected polarity 0..1)."""
        p = self.proba(embeddings, texts)
        return [LABELS[i] for i in p.argmax(axis=1)], expected_polarity(p)

    def emotion_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """P(emotion) per row and emotion (independent; rows need not sum to one)."""
        if self.emotion_coef_ is None or self.emotion_intercept_ is None:
            raise ModelPackageError("this sentiment head has no emotion head")
        from scipy.special import expit

        z = np.asarray(embeddings @ self.emotion_coef_.T)  # a sparse matrix works too
        return np.asarray(expit(z + self.emotion_intercept_))

    def emotions(self, embeddings: np.ndarray) -> list[str]:
        """One emotion per row: the one furthest over its threshold, else ``none``."""
        if self.emotion_coef_ is None or len(embeddings) == 0:
            return [NO_EMOTION] * len(embeddings)
        assert self.emotion_threshold_ is not None
        ratio = self.emotion_scores(embeddings) / self.emotion_threshold_
        best = ratio.argmax(axis=1)
        return [self.emotions_[k] if ratio[i, k] >= 1.0 else NO_EMOTION for i, k in enumerate(best)]

    def save(self, path: str | Path) -> Path:
        if self.coef_ is None or self.intercept_ is None:
            raise ModelPackageError("nothing to save: the sentiment head is not trained")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"coef": self.coef_, "intercept": self.intercept_}
        if self.emotion_coef_ is not None:
            assert self.emotion_intercept_ is not None and self.emotion_threshold_ is not None
            arrays |= {
                "emotion_coef": self.emotion_coef_,
                "emotion_intercept": self.emotion_intercept_,
                "emotion_threshold": self.emotion_threshold_,
            }
        np.savez(path.with_suffix(".npz"), **arrays)  # type: ignore[arg-type]
        document = {
            "format_version": FORMAT_VERSION,
            "labels": list(LABELS),
            "c": self.c,
            "use_lexicon": self.use_lexicon,
            "temperature": self.temperature_,
            "emotions": list(self.emotions_),
            "meta": self.meta_,
        }
        path.with_suffix(".json").write_text(
            json.dumps(document, indent=2) + "\n", encoding="utf-8"
        )
        return path.with_suffix(".json")

    @classmethod
    def load(cls, path: str | Path | None = None) -> SentimentHead:
        path = Path(path) if path is not None else bundled_head_path()
        spec, arrays = path.with_suffix(".json"), path.with_suffix(".npz")
        if not spec.exists() or not arrays.exists():
            raise ModelPackageError(f"no sentiment head at {spec}; run `insight train-sentiment`")
        document = json.loads(spec.read_text(encoding="utf-8"))
        if document.get("format_version") != FORMAT_VERSION:
            raise ModelPackageError(
                f"{spec}: a head of an older format (2-class); "
                "retrain it with `insight train-sentiment`"
            )
        head = cls(c=document["c"], use_lexicon=document["use_lexicon"])
        head.temperature_ = float(document["temperature"])
        with np.load(arrays, allow_pickle=False) as data:
            head.coef_ = data["coef"].astype(np.float64)
            head.intercept_ = data["intercept"].astype(np.float64)
            if document.get("emotions"):
                head.emotions_ = tuple(document["emotions"])
                head.emotion_coef_ = data["emotion_coef"].astype(np.float64)
                head.emotion_intercept_ = data["emotion_intercept"].astype(np.float64)
                head.emotion_threshold_ = data["emotion_threshold"].astype(np.float64)
        head.meta_ = document.get("meta", {})
        return head


@dataclass
class VaderOnly:
    """Fallback without torch: VADER compound of the clause with names masked, as 0..1."""

    neutral_band: tuple[float, float] = (0.475, 0.525)  # VADER's own ±0.05 compound threshold
    _vader: VaderScorer = field(default_factory=VaderScorer, init=False, repr=False)

    def predict(
        self, embeddings: np.ndarray | None, texts: Sequence[str]
    ) -> tuple[list[str], np.ndarray]:
        p = (self._vader.compound([mask_names(t) for t in texts]) + 1.0) / 2.0
        return to_labels(p, self.neutral_band), p


def rollup(mention_labels: Sequence[str], mention_p: Sequence[float]) -> tuple[str, float, bool]:
    """Comment sentiment from its clauses: mean polarity, and ``mixed`` when clauses disagree.

    A comment with both a positive and a negative clause is ``mixed`` (its label is then the
    side of the mean polarity of its polar clauses, so "lovely staff but awful wait" stays
    visible as both).
    """
    if not mention_labels:
        return "neutral", 0.5, False
    p = float(np.mean(mention_p))
    mixed = "positive" in mention_labels and "negative" in mention_labels
    if all(label == "neutral" for label in mention_labels):
        return "neutral", p, False
    polar = [q for q, label in zip(mention_p, mention_labels, strict=True) if label != "neutral"]
    label = "positive" if np.mean(polar) >= 0.5 else "negative"
    return label, p, mixed


class SentimentModel(Protocol):
    """What the pipeline needs from any sentiment model."""

    def predict(
        self, embeddings: np.ndarray, texts: Sequence[str]
    ) -> tuple[list[str], np.ndarray]: ...


@register("sentiment", "insight.sentiment_head.v1")
def sentiment_head(head_path: str | None = None) -> SentimentHead:
    return SentimentHead.load(head_path)


@register("sentiment", "insight.vader.v1")
def vader_only(head_path: str | None = None) -> VaderOnly:
    return VaderOnly()
