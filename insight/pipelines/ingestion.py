"""The ingest pipeline: read → validate → redact → segment → store; in = kept + rejected."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from insight.config import Config, SourceConfig
from insight.errors import IngestError
from insight.pipelines.components import build_redactor, build_segmenter
from insight.pipelines.ingest import read_source
from insight.pipelines.prepare import prepare_chunk
from insight.progress import stage_bar
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

    def add(self, rows: int, kept: list[Comment], rejects: list[Reject], mentions: int) -> None:
        """Count a chunk: rows read, comments kept, rows rejected, mentions made."""
        self.rows_in += rows
        self.kept += len(kept)
        self.rejected += len(rejects)
        self.mentions += mentions
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


def _agent_names(config: Config, sources: Sequence[SourceConfig], progress: bool) -> set[str]:
    """Agent names of every source, read before any text is redacted: a survey that names an
    agent is redacted even when only a later chat export has the agent column."""
    names: set[str] = set()
    for source in sources:
        if source.columns.agent:
            bar = stage_bar(f"agent names in {source.path.name}", progress)
            for record in read_source(source, config.ingest):
                bar.update()
                if isinstance(record, Comment) and record.agent:
                    names.add(record.agent)
            bar.close()
    return names


def _prepared_chunks(
    config: Config, sources: Sequence[SourceConfig], store: Store | None, progress: bool
) -> Iterator[tuple[int, list[Comment], list[Reject], list[Mention]]]:
    """(rows read, kept comments, rejects, mentions) per chunk: validated, cleaned, segmented.

    With a store, ids it already holds are rejected (re-ingesting a file never double counts).
    """
    redactor, segmenter = build_redactor(config), build_segmenter(config)
    if store is not None and "name" in config.clean.redact:
        agents, texts = store.privacy_hints()  # the corpus's own words are never names
        redactor.learn_from(texts, agents)
    if "name" in config.clean.redact:
        redactor.learn(known_names=_agent_names(config, sources, progress))
    for source in sources:
        bar = stage_bar(f"ingest {source.path.name}", progress)
        for chunk in _chunks(read_source(source, config.ingest), config.ingest.chunk_rows):
            bar.update(len(chunk))
            ids = [c.id for c in chunk if isinstance(c, Comment)]
            stored = store.existing_comment_ids(ids) if store else set()
            kept, rejects, mentions = prepare_chunk(
                chunk, redactor, segmenter, config.clean.dedupe, stored
            )
            yield len(chunk), kept, rejects, mentions
        bar.close()


def ingest(
    config: Config,
    store: Store,
    sources: Sequence[SourceConfig] | None = None,
    progress: bool = True,
) -> IngestSummary:
    """Read, validate, clean, segment and store every source; rejects go to the rejects table."""
    sources = list(sources if sources is not None else config.sources)
    if not sources:
        raise IngestError("nothing to ingest: give a file or list [[sources]] in the config")
    summary = IngestSummary(
        run_id=store.start_run("ingest", {"sources": [str(s.path) for s in sources]})
    )
    for rows, kept, rejects, mentions in _prepared_chunks(config, sources, store, progress):
        with store.transaction():  # a chunk's comments, mentions and rejects land together
            store.add_comments(kept, summary.run_id)
            store.add_mentions(mentions)
            store.add_rejects(rejects, summary.run_id)
        summary.add(rows, kept, rejects, len(mentions))
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
    return summary
