"""Orchestration only: wire the stages together, record runs, report counts. No business logic."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from insight.config import Config, SourceConfig
from insight.errors import IngestError
from insight.models.embedder import MiniLMEmbedder
from insight.pipelines.components import (
    build_embedder,
    build_redactor,
    build_segmenter,
    build_sentiment,
)
from insight.pipelines.ingest import read_source
from insight.pipelines.notify import Notifier
from insight.pipelines.prepare import prepare_chunk
from insight.pipelines.report import build_report, write_report
from insight.pipelines.topics import FitResult, fit_topics, load_active_model, tag_mentions
from insight.pipelines.views import current_view
from insight.schemas import Comment, Mention, Reject
from insight.store import Store


@dataclass
class IngestSummary:
    """Counts of one ingest; ``rows_in == kept + rejected`` is checked before returning."""

    run_id: str = ""
    rows_in: int = 0
    kept: int = 0
    rejected: int = 0
    mentions: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    comment_ids: list[str] = field(default_factory=list)

    def add(
        self, rows: int, kept: list[Comment], rejects: list[Reject], mentions: list[Mention]
    ) -> None:
        self.rows_in += rows
        self.kept += len(kept)
        self.rejected += len(rejects)
        self.mentions += len(mentions)
        self.reasons.update(r.reason for r in rejects)
        self.comment_ids.extend(c.id for c in kept)

    def check(self) -> None:
        """Rows in = kept + rejected: the one invariant we never bend."""
        if self.rows_in != self.kept + self.rejected:
            raise AssertionError(
                f"row accounting broken: {self.rows_in} in, "
                f"{self.kept} kept, {self.rejected} rejected"
            )


def _chunks(items: Iterable[Comment | Reject], size: int) -> Iterator[list[Comment | Reject]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _prepared_chunks(
    config: Config, sources: Sequence[SourceConfig], store: Store | None, progress: bool
) -> Iterator[tuple[int, list[Comment], list[Reject], list[Mention]]]:
    """(rows read, kept comments, rejects, mentions) per chunk: validated, cleaned, segmented.

    With a store, ids it already holds are rejected (re-ingesting a file never double counts).
    """
    redactor, segmenter = build_redactor(config), build_segmenter(config)
    for source in sources:
        bar = tqdm(desc=f"ingest {source.path.name}", unit="rows", disable=not progress)
        for chunk in _chunks(read_source(source, config.ingest), config.ingest.chunk_rows):
            bar.update(len(chunk))
            ids = [c.id for c in chunk if isinstance(c, Comment)]
            stored = store.existing_comment_ids(ids) if store else set()
            kept, rejects, mentions = prepare_chunk(
                chunk, redactor, segmenter, config.clean.dedupe, stored, progress=progress
            )
            yield len(chunk), kept, rejects, mentions
        bar.close()


def ingest(
    config: Config,
    store: Store,
    sources: Sequence[SourceConfig] | None = None,
    progress: bool = True,
    alerts: bool = True,
) -> IngestSummary:
    """Read, validate, clean, segment and store every source; rejects go to the rejects table.

    With ``alerts`` the configured alert rules are checked on the new comments and delivered.
    """
    sources = list(sources if sources is not None else config.sources)
    if not sources:
        raise IngestError("nothing to ingest: give a file or list [[sources]] in the config")
    summary = IngestSummary(
        run_id=store.start_run("ingest", {"sources": [str(s.path) for s in sources]})
    )
    for rows, kept, rejects, mentions in _prepared_chunks(config, sources, store, progress):
        store.add_comments(kept, summary.run_id)
        store.add_mentions(mentions)
        store.add_rejects(rejects, summary.run_id)
        summary.add(rows, kept, rejects, mentions)
    summary.check()
    store.finish_run(
        summary.run_id,
        {
            "rows_in": summary.rows_in,
            "kept": summary.kept,
            "rejected": summary.rejected,
            "mentions": summary.mentions,
        },
    )
    if alerts:
        notify_after_ingest(config, store, summary.comment_ids)
    return summary


def notify_after_ingest(config: Config, store: Store, comment_ids: Sequence[str]) -> None:
    if config.alerts and comment_ids:
        Notifier(config, lambda: nullcontext(store)).after_ingest(comment_ids)


def fit(
    config: Config, store: Store, embedder: MiniLMEmbedder | None = None, progress: bool = True
) -> FitResult:
    run_id = store.start_run("fit", config.topics.model_dump())
    result = fit_topics(config, store, embedder or build_embedder(config), progress=progress)
    store.finish_run(
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


def tag(
    config: Config,
    store: Store,
    source: SourceConfig,
    persist: bool,
    embedder: MiniLMEmbedder | None = None,
    progress: bool = True,
) -> tuple[IngestSummary, pd.DataFrame]:
    """Assign the comments of ``source`` to the active model's topics (never refits).

    With ``persist`` the comments are stored like an ingest; otherwise nothing is written except
    the embedding cache.
    """
    model_id, model = load_active_model(config, store)
    embedder = embedder or build_embedder(config)
    if persist:
        summary = ingest(config, store, [source], progress=progress, alerts=False)
        mentions = store.mentions(summary.comment_ids)
    else:
        summary = IngestSummary()
        found: list[Mention] = []
        for rows, kept, rejects, chunk_mentions in _prepared_chunks(
            config, [source], None, progress
        ):
            summary.add(rows, kept, rejects, chunk_mentions)
            found.extend(chunk_mentions)
        summary.check()
        mentions = pd.DataFrame(
            {
                "id": [m.id for m in found],
                "comment_id": [m.comment_id for m in found],
                "text": [m.text for m in found],
            }
        )
    if mentions.empty:
        return summary, pd.DataFrame(
            columns=["mention_id", "comment_id", "text", "topic_id", "confidence", "label"]
        )
    tagged = tag_mentions(
        model,
        mentions,
        embedder,
        store if config.embed.cache else None,
        progress=progress,
        sentiment=build_sentiment(config),
    )
    labels = {t.topic_id: t.label for t in model.topics_}
    tagged["label"] = tagged["topic_id"].map(labels).fillna("Unassigned (outliers)")
    if persist:
        store.save_assignments(model_id, tagged, "tag")
        sentiment = pd.DataFrame(
            {
                "mention_id": tagged["mention_id"],
                "label": tagged["sentiment"],
                "p_positive": tagged["p_positive"],
            }
        )
        store.save_sentiment(sentiment, config.sentiment.component)
        notify_after_ingest(config, store, summary.comment_ids)
    return summary, tagged


def report(config: Config, store: Store, out_dir: Path | None = None) -> dict[str, Path]:
    """The topic report, with analysts' taxonomy edits applied."""
    view = current_view(config, store)
    data = build_report(
        view.model_id,
        view.comments,
        view.assignments,
        view.topics,
        store.rejects(),
        config.report.min_topic_volume_for_nps,
        config.report.period_boundary,
        config.value.economics(),
        config.value.currency,
    )
    return write_report(data, out_dir or config.report.out_dir)


@dataclass(frozen=True)
class RunSummary:
    ingest: IngestSummary
    fit: FitResult
    report: dict[str, Path]


def run_all(
    config: Config, sources: Sequence[SourceConfig] | None = None, progress: bool = True
) -> RunSummary:
    """The main job: ingest → fit → report, on one database."""
    with Store(config.db_path) as store:
        summary = ingest(config, store, sources, progress=progress)
        fitted = fit(config, store, progress=progress)
        paths = report(config, store)
    return RunSummary(summary, fitted, paths)
