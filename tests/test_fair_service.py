"""Fair service: per-key rate limits, a bounded queue, and large batches tagged in slices that
give the same answer as one pass (so a small request never waits for a whole batch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEV_ADMIN_KEY, Settings
from insight.config import Config
from insight.engine import Engine
from insight.models.embedder import MiniLMEmbedder
from insight.pipelines.tagging import fair_slices, merge_outcomes

from .conftest import writable_copy

ADMIN = {"X-API-Key": DEV_ADMIN_KEY}


def test_sliced_tagging_equals_one_pass(fitted_demo: Config, embedder: MiniLMEmbedder) -> None:
    records = [
        {"id": f"c{i}", "text": f"The refund took {i} weeks. Staff were lovely though."}
        for i in range(39)  # with 8 a slice, r1 ends one slice and r2 opens the next
    ]
    records += [
        {"id": "r1", "text": "Same words twice", "respondent_id": "p"},
        {"id": "r2", "text": "same words twice", "respondent_id": "p"},  # a repeat, next slice
        {"id": "long", "text": "The app keeps crashing at checkout. " * 100},
    ]
    with Engine.open(fitted_demo, embedder=embedder, read_only=True) as engine:
        tagger = engine.tagger()
        whole = tagger.tag_validated(tagger.validate(records))
        validated = tagger.validate(records)
        slices = fair_slices(validated, max_chars=2000, max_comments=8)
        assert len(slices) > 5 and [r for s in slices for r in s] == validated
        assert any("r1" in {c.id for c in s} for s in slices)
        assert not any({"r1", "r2"} <= {c.id for c in s} for s in slices)
        merged = merge_outcomes([tagger.tag_validated(s) for s in slices], dedupe=True)
    assert [c.id for c in merged.comments] == [c.id for c in whole.comments]
    assert [r.reason for r in merged.rejects] == [r.reason for r in whole.rejects]
    assert "duplicate text" in merged.rejects[0].reason
    assert merged.received == whole.received == len(records)
    assert merged.mentions["mention_id"].tolist() == whole.mentions["mention_id"].tolist()
    assert merged.mentions["topic_id"].tolist() == whole.mentions["topic_id"].tolist()
    assert np.array_equal(merged.model_topic_ids, whole.model_topic_ids)


def test_a_key_over_its_rate_gets_429_and_others_go_on(fitted_demo: Config, tmp_path: Path) -> None:
    settings = Settings(
        config=writable_copy(fitted_demo, tmp_path),
        preload_models=False,
        requests_per_minute=5,
        comments_per_minute=3,
    )
    with TestClient(create_app(settings)) as client:
        created = client.post("/v1/keys", json={"name": "tool", "role": "tool"}, headers=ADMIN)
        tool = {"X-API-Key": created.json()["key"]}
        too_many = [{"text": f"comment {i}"} for i in range(4)]
        answer = client.post("/v1/tag", json={"comments": too_many}, headers=tool)
        assert answer.status_code == 429 and "split the request" in answer.text
        codes = []
        for _ in range(4):
            answer = client.post("/v1/tag", json={"comments": [{"text": "hi"}]}, headers=tool)
            codes.append(answer.status_code)
        assert codes == [200, 200, 200, 429]  # 3 comments a minute
        assert answer.json()["error"]["code"] == "rate_limited"
        assert int(answer.headers["Retry-After"]) >= 1
        answer = client.get("/v1/topics", headers=tool)
        assert answer.status_code == 429  # the sixth request in a minute, whatever the route
        assert client.get("/v1/keys", headers=ADMIN).status_code == 200  # another key: fine
