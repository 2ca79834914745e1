"""The ingest pipeline: read → validate → redact → segment → store; in = kept + rejected."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from insight.analytics.scales import likely_scale
from insight.config import Config, SourceConfig
from insight.errors import IngestError
from insight.pipelines.components import build_redactor, build_segmenter
from insight.pipelines.ingest import read_source
from insight.pipelines.prepare import prepare_chunk
from insight.privacy.redactor import Redactor
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


#: Texts read to learn the corpus's vocabulary before redaction (enough to tell words from names).
VOCABULARY_SAMPLE = 200_000


def _survey(
    config: Config,
    sources: Sequence[SourceConfig],
    redactor: Redactor,
    store: Store | None,
    progress: bool,
) -> None:
    """Read every source once before anything is redacted or stored.

    - The scores must fit ``[scale]``: a 0–10 scale whose scores all lie within 1–5 stops here,
      naming the likely scale, unless ``scale.confirmed``.
    - Agent names are names wherever a customer writes them (even in a survey without the agent
      column), and words the corpus uses in many comments are never names (the stored corpus
      counts too); the answer does not depend on how the input is cut into chunks.
    """
    names: set[str] = set()
    texts: list[str] = []
    scores: Counter[int] = Counter()
    learn = "name" in config.clean.redact
    if store is not None and learn:
        names_stored, texts = store.privacy_hints()
        names.update(names_stored)
    for source in sources:
        bar = stage_bar(f"survey {source.path.name}", progress)
        for record in read_source(source, config.ingest):
            bar.update()
            if isinstance(record, Comment):
                if record.score is not None:
                    scores[record.score] += 1
                if record.agent:
                    names.add(record.agent)
                if learn and len(texts) < VOCABULARY_SAMPLE:
                    texts.append(record.text)
        bar.close()
    check_scale(config, scores)
    if learn:
        redactor.learn_from(texts, names)


def check_scale(config: Config, scores: Counter[int]) -> None:
    """Stop when the scores clearly belong to another scale than the configured one."""
    scale = config.scale.scale()
    likely = likely_scale(dict(scores))
    if config.scale.confirmed or likely is None or scale.maximum <= likely.maximum:
        return
    raise IngestError(
        f"every one of the {sum(scores.values())} scores lies within {likely.minimum}–"
        f"{likely.maximum}, but the scale is {scale.name} ({scale.minimum}–{scale.maximum}): "
        f"read as {scale.name}, almost every comment would be a detractor. If this is a "
        f'{likely.minimum}–{likely.maximum} rating, set [scale] kind = "{likely.name}" (or '
        f"--set scale.kind={likely.name}); if the scores really are {scale.name}, confirm "
        "with --set scale.confirmed=true"
    )


def _prepared_chunks(
    config: Config, sources: Sequence[SourceConfig], store: Store | None, progress: bool
) -> Iterator[tuple[int, list[Comment], list[Reject], list[Mention]]]:
    """(rows read, kept comments, rejects, mentions) per chunk: validated, cleaned, segmented.

    With a store, ids it already holds are rejected (re-ingesting a file never double counts).
    """
    redactor, segmenter = build_redactor(config), build_segmenter(config)
    _survey(config, sources, redactor, store, progress)
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
