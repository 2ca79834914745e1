"""Distributed batch tagging on Ray (local mode): the same results as the single-machine path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from insight.config import Config
from insight.engine import Engine
from insight.pipelines.distributed import build_tagger, tag_frame, tag_parquet


def test_ray_tagging_matches_one_machine(fitted_demo: Config, tmp_path: Path) -> None:
    survey = pd.read_csv(
        next(s.path for s in fitted_demo.sources if s.path.suffix == ".csv"), encoding="latin-1"
    )
    rows = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(150)],
            "text": survey["comment"].astype(str).head(150).tolist(),
            "score": pd.array([i % 11 for i in range(150)], dtype="Int64"),
        }
    )
    rows.loc[3, "text"] = ""  # a reject
    rows.loc[7, "score"] = 11  # another
    source = tmp_path / "in.parquet"
    rows.to_parquet(source)
    with Engine.open(fitted_demo, read_only=True) as engine:
        spec = engine.model_spec()

    written = tag_parquet(spec, source, tmp_path / "out", workers=2, batch_size=40)
    distributed = pd.read_parquet(tmp_path / "out")
    single = tag_frame(build_tagger(spec), rows)

    assert written == len(distributed) == len(single)
    rejected = distributed[distributed["reject_reason"].notna()]
    assert set(rejected["comment_id"]) == {"r3", "r7"}
    kept = set(distributed.loc[distributed["reject_reason"].isna(), "comment_id"])
    assert len(kept) + len(rejected) == len(rows)  # rows in = kept + rejected
    key = ["comment_id", "position"]
    columns = ["text", "topic_id", "label", "sentiment"]
    left = distributed.dropna(subset=["position"]).sort_values(key).reset_index(drop=True)
    right = single.dropna(subset=["position"]).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left[key + columns], right[key + columns])
    assert (left["p_positive"] - right["p_positive"]).abs().max() < 1e-5
