"""Batch tagging on a Ray cluster (Ray Data): Parquet in, Parquet out, same results as one machine.

The driver takes a ``ModelSpec`` from the engine (active model id, its files, the taxonomy edits);
each Ray actor rebuilds the model from those files (JSON + npz, no pickle), loads the encoder
and runs the same ``Tagger`` as the API, on batches of rows. No worker touches the database.
Output: one row per mention
(``comment_id``, ``position``, ``text``, ``topic_id``, ``label``, ``confidence``, ``sentiment``,
``p_positive``) plus one row per rejected input row (``reject_reason`` set, mention fields
empty), so rows in = comments kept + rows rejected can be checked from the output alone.

Local (tests, a laptop): ``ray.init()`` starts a local cluster. A real cluster: ``ray start
--head`` on one node, ``ray start --address=<head>:6379`` on the others, then
``insight tag-distributed in.parquet out/ --address auto`` from a node of the cluster (every node
needs this project installed; the model travels in the spec, so no shared folder is needed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from insight.config import Config
from insight.errors import IngestError
from insight.extras import require_extra
from insight.models.topic_model import TopicModel
from insight.pipelines.tagging import Tagger, serve_small_batches
from insight.taxonomy.edits import build_topic_map

OUTPUT_COLUMNS = {
    "comment_id": "string",
    "position": "Int64",
    "text": "string",
    "start": "Int64",
    "end": "Int64",
    "topic_id": "Int64",
    "label": "string",
    "confidence": "float64",
    "sentiment": "string",
    "p_positive": "float64",
    "reject_index": "Int64",
    "reject_reason": "string",
}


@dataclass(frozen=True)
class ModelSpec:
    """What a worker needs to tag exactly like the service: config, model, taxonomy edits."""

    config: dict[str, Any]
    model_id: str
    edits: list[tuple[int, str, dict[str, Any]]]
    files: dict[str, bytes]
    known_names: list[str] = field(default_factory=list)  # what the redactor learned
    vocabulary: list[str] = field(default_factory=list)


def build_tagger(spec: ModelSpec) -> Tagger:
    config = Config.model_validate(spec.config)
    model = TopicModel.from_files(spec.files, f"model {spec.model_id}")
    centroids = model.centroids_ if model.centroids_ is not None else None
    assert centroids is not None
    tagger = Tagger(config)
    tagger.redactor.learn(spec.known_names, spec.vocabulary)
    tagger.use(
        spec.model_id, model, build_topic_map(spec.model_id, model.topics_, centroids, spec.edits)
    )
    return tagger


def tag_frame(tagger: Tagger, batch: pd.DataFrame) -> pd.DataFrame:
    """Tag one batch of input rows; mentions and rejects in the output schema."""
    records = [
        {k: (None if _missing(v) else v) for k, v in row.items()}
        for row in batch.to_dict("records")
    ]
    outcome = tagger.tag(records)
    mentions = outcome.mentions.drop(columns=["mention_id"]).assign(
        reject_index=pd.NA, reject_reason=pd.NA
    )
    ids = [str(r.get("id")) for r in records]
    rejects = pd.DataFrame(
        {
            "comment_id": [
                ids[r.row_number] if r.row_number >= 0 else None for r in outcome.rejects
            ],
            "reject_index": [r.row_number for r in outcome.rejects],
            "reject_reason": [r.reason for r in outcome.rejects],
        }
    )
    out = pd.concat([mentions, rejects], ignore_index=True)
    return out.reindex(columns=list(OUTPUT_COLUMNS)).astype(OUTPUT_COLUMNS)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class _TagActor:
    """A Ray actor: loads the models once, then tags batch after batch."""

    def __init__(self, spec: ModelSpec) -> None:
        serve_small_batches()
        self.tagger = build_tagger(spec)

    def __call__(self, batch: pd.DataFrame) -> Any:
        import pyarrow as pa

        # an explicit schema: a batch with no rejects must not write its reject columns as "null"
        kinds = {"string": pa.string(), "Int64": pa.int64(), "float64": pa.float64()}
        schema = pa.schema([(name, kinds[kind]) for name, kind in OUTPUT_COLUMNS.items()])
        return pa.Table.from_pandas(
            tag_frame(self.tagger, batch), schema=schema, preserve_index=False
        )


def tag_parquet(
    spec: ModelSpec,
    source: Path,
    out_dir: Path,
    workers: int = 2,
    batch_size: int = 512,
    address: str | None = None,
) -> int:
    """Tag every row of ``source`` (a Parquet file or folder) into Parquet files under ``out_dir``.

    Returns the number of output rows. Input needs an ``id`` and a ``text`` column (ids make the
    output joinable and the result independent of how rows are split across workers).
    """
    import pyarrow.parquet as pq

    ray = require_extra("ray", "ray", "distributed tagging")

    if not source.exists():
        raise IngestError(f"input not found: {source}")
    columns = pq.read_schema(next(source.glob("*.parquet")) if source.is_dir() else source).names
    missing = {"id", "text"} - set(columns)
    if missing:
        raise IngestError(
            f"{source}: distributed tagging needs columns id and text; missing {sorted(missing)}"
        )
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=address,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    try:
        # at least two blocks per worker, so every actor gets work even from one small file
        dataset = ray.data.read_parquet(str(source)).repartition(2 * workers)
        tagged = dataset.map_batches(
            _TagActor,
            fn_constructor_args=(spec,),
            batch_size=batch_size,
            batch_format="pandas",
            concurrency=workers,
            # Half a CPU each, so reading and writing tasks can still be scheduled on a
            # small node (whole-CPU actors on a 2-core machine leave none and the job stalls).
            num_cpus=0.5,
        )
        tagged.write_parquet(str(out_dir))
    finally:
        if started_here:
            ray.shutdown()
    return sum(pq.ParquetFile(p).metadata.num_rows for p in out_dir.glob("*.parquet"))
