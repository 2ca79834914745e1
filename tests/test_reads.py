"""Reads in SQL give the figures of the in-memory path, stay in step with stored batches, and
a facts build from scratch equals one extended batch by batch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from insight.config import Config
from insight.engine import Engine
from insight.models.embedder import MiniLMEmbedder
from insight.reads import views
from insight.reads.advocacy import drivers, topic_impacts
from insight.reads.views import Filters


def _copy(config: Config, folder: Path) -> Config:
    db = folder / "reads.duckdb"
    shutil.copy(config.db_path, db)
    return config.model_copy(update={"db_path": db})


def _rows(engine: Engine, filters: Filters) -> list[tuple]:
    snap = engine.snapshot()
    rows = engine.cache.reads.topic_rows(engine.store, snap, filters, 30)
    return sorted(
        (r.topic_id, r.comments, r.stat, round(r.impact or 0, 9), round(r.negative_share or 0, 9))
        for r in rows
    )


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(channel="chat"),
        Filters(score_group="detractor"),
        Filters(sentiment="negative"),
        Filters(segment="SME", score_group="unscored"),
    ],
)
def test_sql_reads_equal_the_in_memory_figures(
    fitted_demo: Config, tmp_path: Path, filters: Filters
) -> None:
    with Engine.open(_copy(fitted_demo, tmp_path)) as engine:
        view = views.apply_filters(engine.fresh_view(), filters)
        expected = sorted(
            (
                r.topic_id,
                r.comments,
                r.stat,
                round(r.impact or 0, 9),
                round(r.negative_share or 0, 9),
            )
            for r in topic_impacts(view.comments, view.assignments, view.topics, 30)
        )
        assert _rows(engine, filters) == expected
        snap = engine.snapshot()
        comments, overall = engine.cache.reads.overall(engine.store, snap, filters)
        assert comments == len(view.comments)
        assert overall == views.overall(view)
        sql_drivers = engine.cache.reads.drivers(engine.store, snap, filters)
        memory_drivers = drivers(view.comments, view.assignments, view.topics)
        assert sql_drivers.empty == memory_drivers.empty  # e.g. one score group: no spread
        if not sql_drivers.empty:
            # compared by topic: two topics with equal effects may sort either way
            pd.testing.assert_frame_equal(
                sql_drivers.sort_values("topic_id", ignore_index=True),
                memory_drivers.sort_values("topic_id", ignore_index=True),
                check_dtype=False,
                rtol=1e-7,
            )


def test_facts_follow_stored_batches_and_equal_a_rebuild(
    fitted_demo: Config, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    config = _copy(fitted_demo, tmp_path)
    with Engine.open(config, embedder=embedder) as engine:
        before = engine.cache.reads.overall(engine.store, engine.snapshot(), Filters())[0]
        records = [
            {
                "id": f"new-{i}",
                "text": text,
                "score": i % 11,
                "channel": "chat",
                "created_at": "2026-12-01",
            }
            for i, text in enumerate(
                [
                    "The parcel arrived a week late and the box was crushed.",
                    "Lovely staff, quick refund.",
                    "App crashed twice at checkout.",
                ]
            )
        ]
        outcome = engine.tag_records(records, persist=True)
        assert len(outcome.comments) == 3
        snap = engine.snapshot()
        assert snap.watermark == engine.store.latest_comment_seq()
        incremental = _rows(engine, Filters())
        after = engine.cache.reads.overall(engine.store, snap, Filters())[0]
        assert after == before + 3
        total, page = engine.cache.reads.verbatims(
            engine.store, snap, Filters(channel="chat"), int(outcome.mentions["topic_id"][0]), 0, 5
        )
        assert total > 0 and page[0]["comment_id"].startswith("new-")  # newest first

        # the next stored batch shows at once
        engine.tag_records([{**records[0], "id": "later"}], persist=True)
        fresh = engine.cache.reads.overall(engine.store, engine.snapshot(), Filters())[0]
        assert fresh == after + 1
        incremental = _rows(engine, Filters())

        engine.store.con.execute("DELETE FROM fact_state")  # forget the facts: build anew
        engine.cache.reads = type(engine.cache.reads)()
        assert _rows(engine, Filters()) == incremental


def test_read_endpoints_load_no_model(fitted_demo: Config, tmp_path: Path) -> None:
    """Summary, topics, a topic page, what changed and drivers answer from SQL alone: no
    encoder weights, no spaCy, no tagger."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import DEV_ADMIN_KEY, Settings

    from .conftest import writable_copy

    settings = Settings(config=writable_copy(fitted_demo, tmp_path), preload_models=False)
    app = create_app(settings)
    app.state.insight.embedder = MiniLMEmbedder()  # not the process-wide one other tests loaded
    headers = {"X-API-Key": DEV_ADMIN_KEY}
    with TestClient(app) as client:
        topic = client.get("/v1/topics", headers=headers).json()["topics"][0]["topic_id"]
        for path in (
            "/v1/summary?channel=chat",
            f"/v1/topics/{topic}?limit=5&sentiment=negative",
            "/v1/changes?before_end=2026-10-01&after_start=2026-10-01",
            "/v1/drivers",
            "/health",
        ):
            assert client.get(path, headers=headers).status_code == 200, path
        state = app.state.insight
        assert state.embedder._encoder is None  # weights never loaded
        assert state._engine is None or state._engine._tagger is None  # no spaCy, no tagger
