"""Tag in-memory comments with the active topic model: load once, never refit.

Used through ``insight.engine`` by the CLI, the tagging API and Ray workers. Models (encoder,
segmenter, redactor, sentiment) load once per ``Tagger``; the engine hands it the topic model
and the analysts' taxonomy (``use``) whenever a refit or an edit changed them. ``tag`` is pure
computation; ``persist`` writes a tagged batch like an ingest.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from insight.config import Config, SourceConfig
from insight.models.embedder import MiniLMEmbedder, text_hash
from insight.models.topic_model import OUTLIER, TopicModel
from insight.models.topic_tree import subtopic_model_id
from insight.pipelines.clean import duplicate_reject
from insight.pipelines.components import (
    build_embedder,
    build_redactor,
    build_segmenter,
    build_sentiment,
)
from insight.pipelines.enrich import embed_texts
from insight.pipelines.ingest import read_records
from insight.pipelines.prepare import prepare_chunk, stored_rejects
from insight.pipelines.sentiment import score_mentions
from insight.schemas import UNASSIGNED_LABEL, Comment, Mention, Reject
from insight.store import Store
from insight.store.facts import facts_key
from insight.taxonomy.edits import TopicMap

API_SOURCE = "api"


@dataclass
class TagOutcome:
    """Everything one request produced; ``received == len(comments) + len(rejects)``."""

    model_id: str
    received: int
    comments: list[Comment]
    rejects: list[Reject]  # row_number = index of the record in the request
    mentions: pd.DataFrame  # one row per mention, in comment order
    model_topic_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: np.ndarray | None = None  # one per mention (cached when stored)
    stored: bool = False

    def drop(self, comment_ids: set[str]) -> None:
        """Remove these comments with their mentions, topic ids and vectors (rejects stay)."""
        self.comments = [c for c in self.comments if c.id not in comment_ids]
        keep = ~self.mentions["comment_id"].isin(comment_ids).to_numpy()
        self.mentions = self.mentions[keep].reset_index(drop=True)
        self.model_topic_ids = self.model_topic_ids[keep]
        if self.vectors is not None:
            self.vectors = self.vectors[keep]


def fair_slices(
    validated: Sequence[Comment | Reject], max_chars: int = 4000, max_comments: int = 32
) -> list[list[Comment | Reject]]:
    """Cut a request into slices of bounded work, so a service can let other requests run
    between them (one 4,000-character comment, or up to 32 short ones, per slice)."""
    slices: list[list[Comment | Reject]] = []
    current: list[Comment | Reject] = []
    chars = 0
    for record in validated:
        size = len(record.text) if isinstance(record, Comment) else 0
        if current and (chars + size > max_chars or len(current) >= max_comments):
            slices.append(current)
            current, chars = [], 0
        current.append(record)
        chars += size
    if current or not slices:
        slices.append(current)
    return slices


def merge_outcomes(outcomes: Sequence[TagOutcome], dedupe: bool) -> TagOutcome:
    """One outcome from the slices of a request, in request order; a repeated (respondent,
    text) pair across slices is rejected as it would have been within one slice."""
    comments = [c for o in outcomes for c in o.comments]
    rejects = [r for o in outcomes for r in o.rejects]
    mentions = pd.concat([o.mentions for o in outcomes], ignore_index=True)
    model_ids = np.concatenate([o.model_topic_ids for o in outcomes])
    vectors = [o.vectors for o in outcomes if o.vectors is not None]
    merged = TagOutcome(
        outcomes[0].model_id,
        sum(o.received for o in outcomes),
        comments,
        rejects,
        mentions,
        model_ids,
        np.vstack(vectors) if vectors and len(vectors) == len(outcomes) else None,
    )
    if dedupe:
        _reject_repeats(merged)
    return merged


def _reject_repeats(outcome: TagOutcome) -> None:
    first: dict[tuple[str, str], str] = {}
    repeated: set[str] = set()
    for c in outcome.comments:
        if c.respondent_id:
            key = (c.respondent_id, c.text.casefold())
            if key in first:
                repeated.add(c.id)
                outcome.rejects.append(duplicate_reject(c, first[key]))
            else:
                first[key] = c.id
    if repeated:
        outcome.drop(repeated)


def serve_small_batches() -> None:
    """Give numpy's BLAS one thread for this process (call once in a serving process).

    Torch's OpenMP threads and OpenBLAS's threads spin against each other on a small machine:
    measured on 2 cores, one-comment tagging p50/p99 was 36/146 ms with both pools at 2 threads
    and 20/26 ms with BLAS at 1 (``bench/api.py``). Serving does small matrix products only.
    """
    threadpool_limits(limits=1, user_api="blas")


class Tagger:
    """Loaded models plus the topic model and taxonomy it was handed (``use``)."""

    def __init__(self, config: Config, embedder: MiniLMEmbedder | None = None) -> None:
        self.config = config
        self.embedder = embedder or build_embedder(config)
        self.redactor = build_redactor(config)
        self.segmenter = build_segmenter(config)
        self.sentiment = build_sentiment(config)
        self.source = SourceConfig(path=Path(API_SOURCE), name=API_SOURCE)
        self._key: tuple[str, tuple[int, int]] | None = None
        self.model_id = ""
        self.model: TopicModel | None = None
        self.topic_map: TopicMap | None = None

    def warm_up(self) -> None:
        """Pay first-call costs (spaCy and torch initialisation) before the first request."""
        texts = ["The staff were lovely but the wait was awful."]
        self.redactor.redact(texts)
        self.segmenter.split(texts[0])
        self.sentiment.predict(self.embedder.encode(texts), texts)

    def use(
        self,
        model_id: str,
        model: TopicModel,
        topic_map: TopicMap,
        taxonomy_version: tuple[int, int] | None = None,
    ) -> None:
        """Serve a given model and taxonomy. With the edits' version, a stored batch also
        extends the read facts of that taxonomy (a Ray worker passes none: it stores nothing)."""
        self.model_id, self.model, self.topic_map = model_id, model, topic_map
        self._key = None if taxonomy_version is None else (model_id, taxonomy_version)

    def tag(
        self, records: Sequence[dict[str, Any]], stored_ids: set[str] | frozenset[str] = frozenset()
    ) -> TagOutcome:
        """Validate, redact, segment, embed, assign topics and sentiment. Never refits.

        Rejects carry the index of their record in ``records``.
        """
        return self.tag_validated(self.validate(records), stored_ids)

    def validate(self, records: Sequence[dict[str, Any]]) -> list[Comment | Reject]:
        """Read request records as rows (ids made up where missing); no model runs."""
        with_ids = [r if r.get("id") else {**r, "id": f"api-{uuid.uuid4().hex}"} for r in records]
        return list(read_records(with_ids, self.source, self.config.ingest))

    def tag_validated(
        self,
        validated: Sequence[Comment | Reject],
        stored_ids: set[str] | frozenset[str] = frozenset(),
    ) -> TagOutcome:
        """Tag rows already read and validated (a file chunk, a request): the one tagging path
        behind ``insight tag``, ``POST /v1/tag`` and ``insight tag-distributed``."""
        model, tmap = self.model, self.topic_map
        if model is None or tmap is None:
            raise RuntimeError("hand the tagger a model with use() before tag()")
        kept, rejects, mentions = prepare_chunk(
            list(validated), self.redactor, self.segmenter, self.config.clean.dedupe, stored_ids
        )
        frame, model_ids, vectors = self._score(model, tmap, mentions)
        return TagOutcome(self.model_id, len(validated), kept, rejects, frame, model_ids, vectors)

    def _score(
        self, model: TopicModel, tmap: TopicMap, mentions: list[Mention]
    ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
        frame = pd.DataFrame(
            {
                "mention_id": [m.id for m in mentions],
                "comment_id": [m.comment_id for m in mentions],
                "position": [m.position for m in mentions],
                "text": [m.text for m in mentions],
                "start": [m.start for m in mentions],
                "end": [m.end for m in mentions],
            }
        )
        if not mentions:
            for column in (
                "topic_id",
                "confidence",
                "label",
                "subtopic_id",
                "subtopic_label",
                "sentiment",
                "p_positive",
                "emotion",
            ):
                frame[column] = []
            return frame, np.zeros(0, dtype=np.int64), None
        texts = frame["text"].tolist()
        embeddings = embed_texts(texts, self.embedder, None, markers=model.markers)
        model_ids, confidence, subtopic_ids = model.tag(embeddings)
        scored = score_mentions(self.sentiment, texts, embeddings)
        topic_ids = tmap.assign(model_ids, embeddings)
        names = {t: e.topic.label for t, e in tmap.topics.items()} | {OUTLIER: UNASSIGNED_LABEL}
        frame["topic_id"] = topic_ids
        frame["confidence"] = confidence
        frame["label"] = [names.get(int(t), f"Topic {t}") for t in topic_ids]
        subtopics = {t.topic_id: t.label for t in model.subtopics_}
        frame["subtopic_id"] = subtopic_ids
        frame["subtopic_label"] = [subtopics.get(int(t)) for t in subtopic_ids]
        frame["sentiment"] = scored["label"].to_numpy()
        frame["p_positive"] = scored["p_positive"].to_numpy(dtype=float)
        frame["emotion"] = scored["emotion"].to_numpy()
        return frame, model_ids, embeddings

    def persist(self, outcome: TagOutcome, store: Store) -> TagOutcome:
        """Store comments, mentions, model-level assignments and sentiment, like an ingest.

        Ids stored meanwhile (by a concurrent request) become rejects here: nothing counts twice.
        """
        already = store.existing_comment_ids([c.id for c in outcome.comments])
        if already:
            outcome.rejects.extend(stored_rejects(outcome.comments, already))
            outcome.drop(already)
        if self.config.embed.cache and outcome.vectors is not None and len(outcome.vectors):
            # splits and drill-downs then read these vectors instead of loading the encoder
            texts = outcome.mentions["text"].tolist()
            store.cache_embeddings(
                self.embedder.model_id,
                {text_hash(t): v for t, v in zip(texts, outcome.vectors, strict=True)},
            )
        with store.transaction():  # all of a batch is stored, or none of it
            before = store.latest_comment_seq()
            key = facts_key(*self._key) if self._key and self._key[0] == outcome.model_id else ""
            current = bool(key) and store.fact_watermark(key) == before
            run_id = store.start_run("api-tag", {"model_id": outcome.model_id})
            store.add_comments(outcome.comments, run_id)
            store.add_rejects(outcome.rejects, run_id)
            frame = outcome.mentions
            store.add_mentions(
                [
                    Mention(
                        r.mention_id,
                        r.comment_id,
                        int(r.position),
                        r.text,
                        int(r.start),
                        int(r.end),
                    )
                    for r in frame.itertuples()
                ]
            )
            store.save_assignments(
                outcome.model_id,
                pd.DataFrame(
                    {
                        "mention_id": frame["mention_id"],
                        "topic_id": outcome.model_topic_ids,
                        "confidence": frame["confidence"],
                    }
                ),
                "tag",
            )
            store.save_assignments(
                subtopic_model_id(outcome.model_id),
                frame[["mention_id", "subtopic_id", "confidence"]].rename(
                    columns={"subtopic_id": "topic_id"}
                ),
                "tag",
            )
            store.save_sentiment(
                frame[["mention_id", "sentiment", "p_positive", "emotion"]].rename(
                    columns={"sentiment": "label"}
                ),
                self.config.sentiment.component,
            )
            if current and outcome.comments:
                # the read facts were up to date: extend them here, so reads need not
                facts = frame[["mention_id", "comment_id", "topic_id", "sentiment"]]
                store.add_facts(key, facts, before, store.latest_comment_seq())
            store.finish_run(
                run_id,
                {
                    "received": outcome.received,
                    "kept": len(outcome.comments),
                    "rejected": len(outcome.rejects),
                    "mentions": len(frame),
                },
            )
        outcome.stored = True
        return outcome
