"""Taxonomy edits: rename, merge, split, pin — applied over a model and carried across refits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEV_ADMIN_KEY, Settings
from insight.config import Config, load_config
from insight.engine import Engine
from insight.models.embedder import MiniLMEmbedder
from insight.schemas import Topic
from insight.taxonomy.edits import (
    SYNTHETIC_BASE,
    TaxonomyError,
    TopicMap,
    build_topic_map,
    merge_edit,
    pin_edit,
    rename_edit,
    split_edit,
)

from .conftest import writable_copy

ADMIN = {"X-API-Key": DEV_ADMIN_KEY}


def _model(seed: int = 0, noise: float = 0.0) -> tuple[list[Topic], np.ndarray]:
    """Four topics on the axes of R^6 (a refit = same directions plus noise)."""
    rng = np.random.default_rng(seed)
    centroids = np.eye(6, dtype=np.float32)[:4] + noise * rng.normal(size=(4, 6))
    topics = [Topic(i, f"topic {i}", [f"word{i}"], 10 * (i + 1), [f"quote {i}"]) for i in range(4)]
    return topics, centroids.astype(np.float32)


def _apply(
    edits: Sequence[tuple[str, dict[str, Any]]], model_id: str = "m1", noise: float = 0.0
) -> TopicMap:
    topics, centroids = _model(noise=noise)
    numbered = [(i + 1, kind, payload) for i, (kind, payload) in enumerate(edits)]
    return build_topic_map(model_id, topics, centroids, numbered)


def test_rename_pin_merge_and_their_ids() -> None:
    base = _apply([])
    edits = [rename_edit(base, 0, "Delivery"), pin_edit(base, 0, True)]
    tmap = _apply(edits)
    assert tmap.topics[0].topic.label == "Delivery" and tmap.pinned() == {0}
    edits.append(merge_edit(tmap, [1, 2], "Money"))
    tmap = _apply(edits)
    merged = SYNTHETIC_BASE + 100 * 3
    assert tmap.topics[merged].topic.label == "Money"
    assert tmap.topics[merged].topic.size == 20 + 30
    assert 1 not in tmap.topics and 2 not in tmap.topics
    assert tmap.assign(np.array([0, 1, 2, 3, -1])).tolist() == [0, merged, merged, 3, -1]
    with pytest.raises(TaxonomyError, match="pinned"):
        merge_edit(tmap, [0, 3], None)
    with pytest.raises(TaxonomyError, match="at least two"):
        merge_edit(tmap, [3, 3], None)
    with pytest.raises(TaxonomyError, match="does not exist"):
        rename_edit(tmap, 77, "x")


def test_split_assigns_by_nearest_part() -> None:
    base = _apply([])
    rng = np.random.default_rng(1)
    a, b = np.eye(6)[3] + 0.3 * np.eye(6)[4], np.eye(6)[3] + 0.3 * np.eye(6)[5]
    embeddings = np.vstack(
        [a + 0.01 * rng.normal(size=(10, 6)), b + 0.01 * rng.normal(size=(10, 6))]
    )
    texts = ["late parcel"] * 10 + ["rude driver"] * 10
    edit = split_edit(base, 3, texts, embeddings, 2, ["Parcels", "Drivers"])
    tmap = _apply([edit])
    children = sorted(t for t in tmap.topics if t >= SYNTHETIC_BASE)
    assert len(children) == 2 and 3 not in tmap.topics
    got = tmap.assign(np.full(20, 3), embeddings.astype(np.float32))
    assert len(set(got[:10])) == 1 and len(set(got[10:])) == 1 and got[0] != got[10]
    first = tmap.topics[int(got[0])].topic
    assert first.label == edit[1]["children"][0]["label"] or first.label in {"Parcels", "Drivers"}
    with pytest.raises(TaxonomyError, match="embeddings"):
        tmap.assign(np.array([3]))
    with pytest.raises(TaxonomyError, match="cannot be merged"):
        merge_edit(tmap, children, None)
    with pytest.raises(TaxonomyError, match="2 to 8"):
        split_edit(base, 2, texts, embeddings, 9)


def test_edits_follow_topics_into_a_refit_and_report_what_no_longer_matches() -> None:
    base = _apply([])
    edits = [rename_edit(base, 1, "Billing"), merge_edit(base, [2, 3], "Other")]
    refit = _apply(edits, model_id="m2", noise=0.05)  # new model: matched by centroid
    assert refit.topics[1].topic.label == "Billing"
    assert refit.topics[SYNTHETIC_BASE + 200].topic.label == "Other"
    assert not refit.problems
    topics, centroids = _model()
    gone = build_topic_map("m3", topics[:1], centroids[:1], [(1, *edits[0])])
    assert gone.problems and "no topic in the current model matches" in gone.problems[0]["problem"]


def test_api_edits_persist_across_restart_and_refit(
    fitted_demo: Config, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    config_file = writable_copy(fitted_demo, tmp_path)
    settings = Settings(config=config_file)
    with TestClient(create_app(settings)) as client:
        topics = client.get("/v1/topics", headers=ADMIN).json()["topics"]
        ids = [t["topic_id"] for t in topics if t["topic_id"] >= 0][:5]
        assert (
            client.post(
                f"/v1/topics/{ids[0]}/rename", json={"label": "Renamed"}, headers=ADMIN
            ).status_code
            == 200
        )
        assert (
            client.post(
                f"/v1/topics/{ids[1]}/pin", json={"pinned": True}, headers=ADMIN
            ).status_code
            == 200
        )
        merged = client.post(
            "/v1/topics/merge", json={"topic_ids": ids[2:4], "label": "Together"}, headers=ADMIN
        )
        assert merged.status_code == 200
        split = client.post(f"/v1/topics/{ids[4]}/split", json={"parts": 2}, headers=ADMIN)
        assert split.status_code == 200
        locked = client.post(
            "/v1/topics/merge", json={"topic_ids": [ids[1], ids[0]]}, headers=ADMIN
        )
        assert locked.status_code == 422 and "pinned" in locked.json()["error"]["message"]
        after = {t["label"]: t for t in client.get("/v1/topics", headers=ADMIN).json()["topics"]}
        before_total = sum(t["comments"] for t in topics)
    assert "Renamed" in after and "Together" in after and after["Together"]["comments"] > 0
    listed = list(after.values())
    assert listed[0]["pinned"] and listed[0]["topic_id"] == ids[1]
    parts = [t for t in listed if t["topic_id"] >= 100_000 and t["label"] != "Together"]
    assert len(parts) == 2 and all(p["comments"] > 0 for p in parts)
    assert sum(t["comments"] for t in listed) >= before_total - after["Together"]["comments"]

    # refit with another seed: a new model id; the edits re-attach by centroid
    config = load_config(config_file, {"seed": 7})
    with Engine.open(config, embedder=embedder) as engine:
        old_model = engine.store.setting("active_topic_model")
        engine.fit(progress=False)
        assert engine.store.setting("active_topic_model") != old_model
        engine.report(tmp_path / "report")
    report = (tmp_path / "report" / "topic_report.md").read_text(encoding="utf-8")
    with TestClient(create_app(settings)) as client:
        refit = client.get("/v1/topics", headers=ADMIN).json()["topics"]
        problems = client.get("/v1/taxonomy", headers=ADMIN).json()["problems"]
    labels = {t["label"] for t in refit}
    resolved = {"Renamed", "Together"} & labels
    assert len(resolved) + len(problems) >= 2  # every edit either applies or is reported
    assert "Renamed" in labels, problems  # same data, same topics: the rename must carry over
    assert "Renamed" in report
