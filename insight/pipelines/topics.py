"""Fit topics on stored mentions, save the model safely, and tag mentions with a saved model."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from insight.config import Config
from insight.errors import NotFittedError
from insight.models.embedder import MiniLMEmbedder
from insight.models.segment_markers import find_markers, marker_pattern
from insight.models.sentiment import SentimentModel
from insight.models.topic_model import TopicModel
from insight.models.topic_tree import subtopic_model_id
from insight.pipelines.components import build_sentiment, build_topic_model
from insight.pipelines.enrich import embed_texts
from insight.pipelines.sentiment import score_mentions
from insight.progress import stage_bar
from insight.store import Store

ACTIVE_MODEL_KEY = "active_topic_model"


@dataclass(frozen=True)
class FitResult:
    model_id: str
    mentions: int
    topics: int
    outlier_share: float
    tag_agreement: float
    seconds: float
    subtopics: int = 0
    subtopic_agreement: float = 1.0
    #: the smallest fine cluster, chosen from the data unless set (``models/granularity.py``)
    cluster_size: int = 0


def legacy_model_dir(config: Config, model_id: str) -> Path:
    """Where releases before schema version 2 saved a fitted model (beside the database)."""
    return config.artifacts_dir / "topic_models" / model_id


def load_model(config: Config, store: Store, model_id: str) -> TopicModel:
    """A fitted model from the database; one saved by an older release in ``artifacts_dir`` is
    read from there and copied into the database (when it is open for writing)."""
    files = store.model_files(model_id)
    if not files:
        legacy = legacy_model_dir(config, model_id)
        if (legacy / "model.json").exists():
            model = TopicModel.load(legacy)
            store.try_save_model_files(model_id, model.to_files())
            return model
    return TopicModel.from_files(files, f"database {store.path.name} (model {model_id})")


def _model_id(model: TopicModel, mention_ids: list[str]) -> str:
    digest = hashlib.sha256(json.dumps(model.params(), sort_keys=True).encode())
    digest.update("\n".join(mention_ids).encode())
    return f"tm-{time.strftime('%Y%m%d-%H%M%S')}-{digest.hexdigest()[:8]}"


def fit_topics(
    config: Config, store: Store, embedder: MiniLMEmbedder, progress: bool = False
) -> FitResult:
    """Fit on (a seeded sample of) the stored mentions, persist, assign the rest, score sentiment.

    Up to ``topics.fit_sample`` mentions are clustered; any others are assigned by the saved
    model's tagger chunk by chunk (``assign_chunk``), so memory is bounded by the sample and one
    chunk, not by the corpus. The reloaded model must reproduce the fit on the sample.
    """
    started = time.perf_counter()
    mentions = store.mentions()
    if mentions.empty:
        raise NotFittedError("no mentions stored yet; run `insight ingest <file>` first")
    cache = store if config.embed.cache else None
    sample = _fit_sample(len(mentions), config.topics.fit_sample, config.seed)
    fitted = mentions.iloc[sample].reset_index(drop=True)
    texts = fitted["text"].tolist()
    comments = store.comments(sorted(set(fitted["comment_id"]))).set_index("id")
    markers = find_markers(comments["text"].tolist(), comments["segment"].tolist())
    embeddings = embed_texts(texts, embedder, cache, progress, marker_pattern(markers))
    sentiment = build_sentiment(config)
    scored = score_mentions(sentiment, texts, embeddings)
    model = build_topic_model(config)
    model.fit(
        texts,
        embeddings,
        quotes_from=comments.loc[fitted["comment_id"], "text"].tolist(),
        embed=embedder.encode,
        p_positive=scored["p_positive"].to_numpy(),
        markers=markers,
    )
    model.meta_["embedder"] = embedder.model_id
    model.meta_["fit_sample"] = len(fitted)
    model_id = _model_id(model, mentions["id"].tolist())
    files = model.to_files()
    store.save_model_files(model_id, files)

    assert model.labels_ is not None and model.subtopic_labels_ is not None
    store.save_topics(model_id, model.topics_)
    store.save_topics(subtopic_model_id(model_id), model.subtopics_)
    _save_levels(store, model_id, fitted["id"], model.labels_, 1.0, model.subtopic_labels_, "fit")
    _save_scores(store, config, fitted["id"], scored)

    # The saved model, reloaded from its files, must agree with the fit's own assignments.
    reloaded = TopicModel.from_files(files)
    tagged, _, tagged_subtopics = reloaded.tag(embeddings)
    agreement = float(np.mean(tagged == model.labels_))
    sub_agreement = float(np.mean(tagged_subtopics == model.subtopic_labels_))
    rest = np.setdiff1d(np.arange(len(mentions)), sample)
    step = config.topics.assign_chunk
    bar = stage_bar("assign the rest", progress and len(rest) > 0, len(rest), "mentions")
    for start in range(0, len(rest), step):
        chunk = mentions.iloc[rest[start : start + step]]
        chunk_texts = chunk["text"].tolist()
        vectors = embed_texts(chunk_texts, embedder, cache, markers=reloaded.markers)
        bar.update(len(chunk))
        labels, confidence, subtopics = reloaded.tag(vectors)
        _save_levels(store, model_id, chunk["id"], labels, confidence, subtopics, "assign")
        scores = score_mentions(sentiment, chunk_texts, vectors)
        _save_scores(store, config, chunk["id"], scores)
    bar.close()
    store.set_setting(ACTIVE_MODEL_KEY, model_id)
    return FitResult(
        model_id,
        len(mentions),
        len(model.topics_),
        float(model.meta_["outlier_share"]),
        agreement,
        time.perf_counter() - started,
        len(model.subtopics_),
        sub_agreement,
        int(model.meta_.get("min_topic_size", 0)),
    )


def _save_levels(
    store: Store,
    model_id: str,
    mention_ids: pd.Series,
    themes: np.ndarray,
    confidence: np.ndarray | float,
    subtopics: np.ndarray,
    origin: str,
) -> None:
    """Mention assignments at both levels: themes under the model id, subtopics under its
    subtopic level's id (``topic_tree.subtopic_model_id``)."""
    for level, labels in ((model_id, themes), (subtopic_model_id(model_id), subtopics)):
        frame = {"mention_id": mention_ids.to_numpy(), "topic_id": labels, "confidence": confidence}
        store.save_assignments(level, pd.DataFrame(frame), origin)


def _fit_sample(n: int, limit: int, seed: int) -> np.ndarray:
    """Sorted row indexes to fit on: all of them, or a seeded random ``limit`` of them."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def _save_scores(
    store: Store, config: Config, mention_ids: pd.Series, scored: pd.DataFrame
) -> None:
    store.save_sentiment(
        scored.assign(mention_id=mention_ids.to_numpy())[["mention_id", *scored.columns]],
        config.sentiment.component,
    )


def active_model_id(store: Store) -> str:
    model_id = store.setting(ACTIVE_MODEL_KEY)
    if model_id is None:
        raise NotFittedError("no topic model fitted yet; run `insight fit` first")
    return model_id


def load_active_model(config: Config, store: Store) -> tuple[str, TopicModel]:
    model_id = active_model_id(store)
    return model_id, load_model(config, store, model_id)


def tag_mentions(
    model: TopicModel,
    mentions: pd.DataFrame,
    embedder: MiniLMEmbedder,
    store: Store | None,
    progress: bool = False,
    sentiment: SentimentModel | None = None,
) -> pd.DataFrame:
    """mention_id, comment_id, text, topic_id, confidence (+ sentiment, p_positive, emotion).

    One embedding pass serves both the topic vote and the sentiment head; nothing is refitted.
    """
    texts = mentions["text"].tolist()
    embeddings = embed_texts(texts, embedder, store, progress, model.markers)
    labels, confidence = model.transform(embeddings)
    out = mentions[["id", "comment_id", "text"]].rename(columns={"id": "mention_id"}).copy()
    out["topic_id"] = labels
    out["confidence"] = confidence
    if sentiment is not None:
        scored = score_mentions(sentiment, texts, embeddings)
        out["sentiment"] = scored["label"].to_numpy()
        out["p_positive"] = scored["p_positive"].to_numpy()
        out["emotion"] = scored["emotion"].to_numpy()
    return out
