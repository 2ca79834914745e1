"""The application layer: the one path every front end (CLI, API, scheduler, Ray) goes through.

An ``Engine`` wraps one open ``Store`` and the config. It ingests, fits, tags, builds read views,
writes reports and drives notifications, with the analysts' taxonomy applied in one place
(``taxonomy``), so ``insight tag``, ``POST /v1/tag`` and ``insight tag-distributed`` give the
same topics and labels for the same text. Models load lazily: reads never load the encoder
unless a split needs embeddings that the cache does not hold.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from insight.config import Config, SourceConfig
from insight.errors import NotFittedError
from insight.models.embedder import MiniLMEmbedder
from insight.models.topic_model import TopicModel
from insight.models.topic_tree import Level
from insight.notifications.notify import Notifier
from insight.pipelines.components import build_embedder, build_redactor
from insight.pipelines.distributed import ModelSpec
from insight.pipelines.enrich import embed_texts
from insight.pipelines.ingest import read_source
from insight.pipelines.ingestion import IngestSummary, ingest
from insight.pipelines.tagging import Tagger, TagOutcome
from insight.pipelines.topics import FitResult, active_model_id, fit_topics, load_model
from insight.privacy.redactor import Redactor
from insight.progress import stage_bar
from insight.reads.facts import ReadModel, Snapshot
from insight.reads.views import Embed, View, ViewCache, load_view
from insight.reports.report import build_report, write_report
from insight.schemas import Comment
from insight.store import Store
from insight.taxonomy.curation import load_topic_map, subtopic_map
from insight.taxonomy.edits import TopicMap

TAGGED_COLUMNS = [
    "mention_id",
    "comment_id",
    "position",
    "text",
    "start",
    "end",
    "topic_id",
    "confidence",
    "label",
    "sentiment",
    "p_positive",
    "emotion",
]


@dataclass(frozen=True)
class RunSummary:
    ingest: IngestSummary
    fit: FitResult
    report: dict[str, Path]


class ReadCache:
    """The applied taxonomy and the loaded view, per data version; shared by the engines of one
    process (a service gives each reading thread its own engine over its own cursor)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._model: tuple[str, TopicModel] | None = None
        self._map: tuple[tuple[str, tuple[int, int]], TopicMap] | None = None
        self.views = ViewCache()
        self.reads = ReadModel()

    def model(self, config: Config, store: Store, model_id: str) -> TopicModel:
        with self._lock:
            if self._model is None or self._model[0] != model_id:
                self._model = (model_id, load_model(config, store, model_id))
            return self._model[1]

    def taxonomy_at(self, config: Config, store: Store) -> tuple[TopicMap, tuple[int, int]]:
        """The active model's topics with every edit applied, and the edits' version (loaded
        once per refit or edit, for reads and the tagger alike)."""
        model_id = active_model_id(store)
        key = (model_id, store.taxonomy_version())
        with self._lock:
            if self._map is None or self._map[0] != key:
                model = self.model(config, store, model_id)
                self._map = (key, load_topic_map(store, model_id, model))
            return self._map[1], key[1]


class Engine:
    """Config + one open store; front ends call this and nothing below it."""

    def __init__(
        self,
        config: Config,
        store: Store,
        embedder: MiniLMEmbedder | None = None,
        cache: ReadCache | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self._embedder = embedder
        self._tagger: Tagger | None = None
        self.cache = cache or ReadCache()

    @classmethod
    @contextmanager
    def open(
        cls, config: Config, read_only: bool = False, embedder: MiniLMEmbedder | None = None
    ) -> Iterator[Engine]:
        """Open the configured database (migrated to this release's schema unless read-only)."""
        with Store(config.db_path, read_only=read_only) as store:
            yield cls(config, store, embedder)

    # models (lazy) -----------------------------------------------------------------------------
    @property
    def embedder(self) -> MiniLMEmbedder:
        """The encoder (its weights load on first encode, not here)."""
        if self._embedder is None:
            self._embedder = self._tagger.embedder if self._tagger else build_embedder(self.config)
        return self._embedder

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts``, from the cache where stored (the encoder loads for misses)."""
        markers = self.cache.model(self.config, self.store, active_model_id(self.store)).markers
        store = self.store if self.config.embed.cache else None
        return embed_texts(texts, self.embedder, store, markers=markers)

    def tagger(self, store: Store | None = None) -> Tagger:
        """The loaded tagger, serving the active model and taxonomy (checked through ``store``,
        e.g. a reader cursor, when given); it shares the model the reads loaded."""
        store = store or self.store
        if self._tagger is None:
            self._tagger = Tagger(self.config, self._embedder)
            self._embedder = self._tagger.embedder
            self._learn_privacy(self._tagger.redactor, store)
        topic_map, version = self.cache.taxonomy_at(self.config, store)
        if self._tagger.topic_map is not topic_map:
            model = self.cache.model(self.config, store, topic_map.model_id)
            self._tagger.use(topic_map.model_id, model, topic_map, version)
        return self._tagger

    # write side --------------------------------------------------------------------------------
    def ingest(
        self,
        sources: Sequence[SourceConfig] | None = None,
        progress: bool = True,
        alerts: bool = True,
    ) -> IngestSummary:
        summary = ingest(self.config, self.store, sources, progress=progress)
        if alerts:
            self.alert(summary.comment_ids)
        return summary

    def fit(self, progress: bool = True) -> FitResult:
        run_id = self.store.start_run("fit", self.config.topics.model_dump())
        result = fit_topics(self.config, self.store, self.embedder, progress=progress)
        self.store.finish_run(
            run_id,
            {
                "model_id": result.model_id,
                "mentions": result.mentions,
                "topics": result.topics,
                "outlier_share": result.outlier_share,
                "tag_agreement": result.tag_agreement,
                "seconds": result.seconds,
            },
        )
        return result

    def tag_records(self, records: Sequence[dict[str, Any]], persist: bool) -> TagOutcome:
        """Tag request records; with ``persist`` they are stored like an ingest."""
        tagger = self.tagger()
        stored: set[str] = set()
        if persist:
            stored = self.store.existing_comment_ids([r["id"] for r in records if r.get("id")])
        outcome = tagger.tag(records, stored)
        return tagger.persist(outcome, self.store) if persist else outcome

    def tag_file(
        self, source: SourceConfig, persist: bool, progress: bool = True, alerts: bool = True
    ) -> tuple[IngestSummary, pd.DataFrame]:
        """Tag every row of a file in chunks (CLI); never refits. Rows keep their file numbers."""
        tagger = self.tagger()
        summary = IngestSummary()
        frames = []
        bar = stage_bar(f"tag {source.path.name}", progress)
        rows = iter(read_source(source, self.config.ingest))
        while chunk := list(itertools.islice(rows, self.config.ingest.chunk_rows)):
            stored: set[str] = set()
            if persist:
                ids = [c.id for c in chunk if isinstance(c, Comment)]
                stored = self.store.existing_comment_ids(ids)
            outcome = tagger.tag_validated(chunk, stored)
            if persist:
                outcome = tagger.persist(outcome, self.store)
            summary.add(len(chunk), outcome.comments, outcome.rejects, len(outcome.mentions))
            frames.append(outcome.mentions)
            bar.update(len(chunk))
        bar.close()
        summary.check()
        if persist and alerts:
            self.alert(summary.comment_ids)
        tagged = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return summary, tagged.reindex(columns=TAGGED_COLUMNS)

    def model_spec(self) -> ModelSpec:
        """What a Ray worker needs to tag exactly like this engine (no database, no shared path)."""
        model_id = active_model_id(self.store)
        files = (
            self.store.model_files(model_id)
            or load_model(self.config, self.store, model_id).to_files()
        )
        edits = [(e[0], e[1], e[2]) for e in self.store.taxonomy_edits()]
        redactor = build_redactor(self.config)
        self._learn_privacy(redactor, self.store)
        return ModelSpec(
            self.config.model_dump(mode="json"),
            model_id,
            edits,
            files,
            sorted(redactor.known_names),
            sorted(redactor.vocabulary),
        )

    def _learn_privacy(self, redactor: Redactor, store: Store) -> None:
        """The stored corpus's own words are never names; its agent names always are."""
        if "name" in self.config.clean.redact:
            agents, texts = store.privacy_hints()
            redactor.learn_from(texts, agents)

    # read side ---------------------------------------------------------------------------------
    def active_model_id(self) -> str | None:
        """The fitted model reads and tagging use, or None before the first fit."""
        try:
            return active_model_id(self.store)
        except NotFittedError:
            return None

    def taxonomy(self) -> TopicMap:
        """The active model's topics with every edit applied (loads no encoder)."""
        return self.cache.taxonomy_at(self.config, self.store)[0]

    def view(self, level: Level = "theme") -> View:
        """Comments and effective assignments under the current taxonomy (cached per version),
        or under the fitted subtopics."""
        topic_map, _, embed = self._topics_at(level)
        return self.cache.views.get(self.store, topic_map, embed, self.config.scale.scale())

    def snapshot(self, level: Level = "theme") -> Snapshot:
        """The read facts brought up to date with the store (the version reads answer at), for
        the themes (taxonomy edits applied) or the fitted subtopics under them."""
        topic_map, version, embed = self._topics_at(level)
        snap = self.cache.reads.sync(self.store, topic_map, version, embed)
        return replace(snap, scale=self.config.scale.scale())

    def fresh_view(self, level: Level = "theme") -> View:
        topic_map, _, embed = self._topics_at(level)
        return load_view(self.store, topic_map, embed, self.config.scale.scale())

    def _topics_at(self, level: Level) -> tuple[TopicMap, tuple[int, int], Embed | None]:
        """A level's topic map, the version of the edits it carries (none for subtopics) and the
        encoder its assignment needs (split topics only)."""
        if level == "subtopic":
            return subtopic_map(self.store, active_model_id(self.store)), (0, 0), None
        topic_map, version = self.cache.taxonomy_at(self.config, self.store)
        return topic_map, version, self.embed if topic_map.needs_embeddings else None

    def report(self, out_dir: Path | None = None) -> dict[str, Path]:
        """The topic report (Markdown + HTML), with analysts' taxonomy edits applied."""
        config = self.config
        data = build_report(
            self.cache.reads,
            self.store,
            self.snapshot(),
            config.report.min_topic_volume_for_nps,
            config.report.period_boundary,
            config.value.economics(),
            config.value.currency,
            self._subtopic_snapshot(),
        )
        return write_report(data, out_dir or config.report.out_dir)

    def _subtopic_snapshot(self) -> Snapshot | None:
        """The subtopic level, or None for a model fitted before subtopics were stored."""
        try:
            return self.snapshot("subtopic")
        except NotFittedError:
            return None

    # notifications -----------------------------------------------------------------------------
    def notifier(self) -> Notifier:

        return Notifier(
            self.config, lambda: nullcontext(self.store), lambda _, level: self.fresh_view(level)
        )

    def alert(self, comment_ids: Sequence[str]) -> None:
        """Check the alert rules on newly stored comments and deliver at once."""
        if self.config.alerts and comment_ids:
            self.notifier().after_ingest(comment_ids)


def run_all(
    config: Config,
    sources: Sequence[SourceConfig] | None = None,
    progress: bool = True,
    embedder: MiniLMEmbedder | None = None,
) -> RunSummary:
    """The main job: ingest → fit → report, on one database."""
    with Engine.open(config, embedder=embedder) as engine:
        summary = engine.ingest(sources, progress=progress)
        fitted = engine.fit(progress=progress)
        paths = engine.report()
    return RunSummary(summary, fitted, paths)
