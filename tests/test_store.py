from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insight.errors import StoreError
from insight.schemas import Comment, Mention, Reject, Topic
from insight.store import Store


def test_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with Store(db) as store:
        run = store.start_run("ingest", {"a": 1})
        store.add_comments(
            [
                Comment("c1", "hi there", "s", score=9, created_at=datetime(2026, 9, 1, 12)),
                Comment("c2", "slow refund", "s"),
            ],
            run,
        )
        store.add_rejects([Reject("s", 3, "empty text", "{}")], run)
        store.add_mentions([Mention("c1#0", "c1", 0, "hi there", 0, 8)])
        store.finish_run(run, {"kept": 2})
        assert store.existing_comment_ids(["c1", "zz"]) == {"c1"}
        store.save_topics("m1", [Topic(0, "Refunds", ["refund"], 3, ["slow refund"])])
        store.save_assignments(
            "m1",
            pd.DataFrame({"mention_id": ["c1#0"], "topic_id": [0], "confidence": [0.9]}),
            "fit",
        )
        store.set_setting("k", "v")
    with Store(db, read_only=True) as store:
        comments = store.comments()
        assert comments["score"].tolist()[0] == 9 and pd.isna(comments["score"].tolist()[1])
        assert store.rejects()["reason"].tolist() == ["empty text"]
        assert store.topics("m1")[0].quotes == ["slow refund"]
        assert store.assignments("m1")["comment_id"].tolist() == ["c1"]
        assert store.setting("k") == "v" and store.setting("nope") is None
        assert store.runs()["kind"].tolist() == ["ingest"]


def test_embedding_cache(tmp_path: Path) -> None:
    with Store(tmp_path / "e.duckdb") as store:
        vector = np.arange(384, dtype=np.float32)
        store.cache_embeddings("m", {"h1": vector})
        store.cache_embeddings("m", {"h1": vector})  # idempotent
        got = store.cached_embeddings("m", ["h1", "h2"])
        assert list(got) == ["h1"] and np.array_equal(got["h1"], vector)
        assert store.cached_embeddings("other", ["h1"]) == {}
        assert store.count("embedding_cache") == 1


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist yet"):
        Store(tmp_path / "none.duckdb", read_only=True)
