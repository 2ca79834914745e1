"""Clause sentiment: a logistic head over frozen MiniLM embeddings (+ the VADER compound score).

The head is trained by ``insight train-sentiment`` on the UCI "Sentiment Labelled Sentences"
(CC BY 4.0, read from ../shared/data) and stored as plain arrays + JSON (no pickle) with the
hashes of the encoder and the training data. Measured, leave-one-source-out (train on two of
Amazon/IMDb/Yelp, test on the third): head 0.872 mean accuracy, head with VADER's compound as an
extra feature 0.879, VADER alone 0.820; a rule that let VADER overrule the head on negated
phrases ("can't fault", "nothing wrong") lowered accuracy to 0.867, so it is not used; narrow
service-language cues (``polarity_cues``: negated negatives, problems reported fixed) lift such
clauses instead, measured not to lower accuracy there.

Labels: positive / negative by P(positive); inside ``neutral_band`` the clause is neutral. UCI
has no neutral class, so the band is a stated choice, not a fitted one.
VADER alone (``insight.vader.v1``) is the no-torch fallback.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from insight.errors import ModelPackageError
from insight.models.polarity_cues import apply_cues
from insight.registry import register

LABELS = ("negative", "neutral", "positive")
FORMAT_VERSION = 1


def bundled_head_path() -> Path:
    return Path(str(resources.files("insight.models") / "data" / "sentiment_head.json"))


@dataclass
class VaderScorer:
    """VADER compound score (lexicon + rules: negation, intensifiers, emoji)."""

    _analyzer: Any = field(default=None, init=False, repr=False)

    def compound(self, texts: Sequence[str]) -> np.ndarray:
        if self._analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        return np.array(
            [self._analyzer.polarity_scores(t)["compound"] for t in texts], dtype=np.float64
        )


def to_labels(p_positive: np.ndarray, band: tuple[float, float]) -> list[str]:
    low, high = band
    return ["positive" if p > high else "negative" if p < low else "neutral" for p in p_positive]


@dataclass
class SentimentHead:
    """Logistic regression on [embedding, VADER compound]; fitted state ends in ``_``."""

    c: float = 1.0
    use_lexicon: bool = True
    neutral_band: tuple[float, float] = (0.35, 0.65)
    use_cues: bool = True
    coef_: np.ndarray | None = field(default=None, init=False, repr=False)
    intercept_: float = field(default=0.0, init=False, repr=False)
    meta_: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _vader: VaderScorer = field(default_factory=VaderScorer, init=False, repr=False)

    def _features(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        x = np.asarray(embeddings, dtype=np.float64)
        if self.use_lexicon:
            x = np.hstack([x, self._vader.compound(texts)[:, None]])
        return x

    def fit(
        self, embeddings: np.ndarray, texts: Sequence[str], labels: Sequence[int] | np.ndarray
    ) -> SentimentHead:
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels)
        if set(np.unique(y).tolist()) != {0, 1}:
            raise ValueError("sentiment labels must contain both 0 (negative) and 1 (positive)")
        model = LogisticRegression(C=self.c, max_iter=5000).fit(
            self._features(embeddings, texts), y
        )
        self.coef_ = model.coef_[0].astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        return self

    def predict_proba(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """P(positive) per text."""
        if self.coef_ is None:
            raise ModelPackageError(
                "the sentiment head is not trained; run `insight train-sentiment`"
            )
        if len(texts) == 0:
            return np.zeros(0)
        z = self._features(embeddings, texts) @ self.coef_ + self.intercept_
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
        return apply_cues(texts, p) if self.use_cues else p

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        p = self.predict_proba(embeddings, texts)
        return to_labels(p, self.neutral_band), p

    def save(self, path: str | Path) -> Path:
        if self.coef_ is None:
            raise ModelPackageError("nothing to save: the sentiment head is not trained")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path.with_suffix(".npz"), coef=self.coef_, intercept=np.array([self.intercept_]))
        document = {
            "format_version": FORMAT_VERSION,
            "c": self.c,
            "use_lexicon": self.use_lexicon,
            "neutral_band": list(self.neutral_band),
            "use_cues": self.use_cues,
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
                f"{spec}: unsupported format; retrain with `insight train-sentiment`"
            )
        head = cls(
            c=document["c"],
            use_lexicon=document["use_lexicon"],
            neutral_band=tuple(document["neutral_band"]),
            use_cues=document.get("use_cues", True),  # heads saved before the cues existed
        )
        with np.load(arrays, allow_pickle=False) as data:
            head.coef_ = data["coef"].astype(np.float64)
            head.intercept_ = float(data["intercept"][0])
        head.meta_ = document.get("meta", {})
        return head


@dataclass
class VaderOnly:
    """Fallback without torch: VADER compound mapped to a probability."""

    neutral_band: tuple[float, float] = (0.475, 0.525)  # VADER's own ±0.05 compound threshold
    _vader: VaderScorer = field(default_factory=VaderScorer, init=False, repr=False)

    def predict(
        self, embeddings: np.ndarray | None, texts: Sequence[str]
    ) -> tuple[list[str], np.ndarray]:
        p = apply_cues(texts, (self._vader.compound(texts) + 1.0) / 2.0)
        return to_labels(p, self.neutral_band), p


def rollup(mention_labels: Sequence[str], mention_p: Sequence[float]) -> tuple[str, float, bool]:
    """Comment sentiment from its clauses: mean P(positive), and ``mixed`` when clauses disagree.

    A comment with both a positive and a negative clause is ``mixed`` (its label is then the
    side of the mean probability, so "lovely staff but awful wait" stays visible as both).
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
