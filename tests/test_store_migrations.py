"""The store is versioned: a database written by the previous release opens, migrates and keeps
working; the fitted model moves into the database, so one file is the whole state."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import duckdb
import pytest

from insight.config import Config
from insight.engine import Engine
from insight.errors import StoreError
from insight.store import LATEST, Store
from insight.store.migrations import MIGRATIONS
from insight.taxonomy.curation import record_edit
from insight.taxonomy.edits import rename_edit

from .conftest import REPO

RELEASE_0_1_0 = REPO / "tests" / "data" / "release-0.1.0.tar.gz"


def _unpack(folder: Path) -> Path:
    with tarfile.open(RELEASE_0_1_0) as archive:
        archive.extractall(folder, filter="data")
    return folder / "insight.duckdb"


def test_previous_release_database_is_migrated_and_usable(tmp_path: Path) -> None:
    db = _unpack(tmp_path)
    with duckdb.connect(str(db)) as con:  # as the previous release left it: no version table
        listed = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        tables = {r[0] for r in listed}
        comments = con.execute("SELECT count(*) FROM comments").fetchall()[0][0]
    assert "schema_version" not in tables and "topic_model_files" not in tables
    config = Config(db_path=db, artifacts_dir=tmp_path / "artifacts")
    with Engine.open(config) as engine:
        assert engine.store.schema_version == LATEST
        assert engine.store.count("comments") == comments > 0
        raw_left, hashed = engine.store.con.execute(
            "SELECT count(raw), count(raw_sha256) FROM rejects"
        ).fetchall()[0]
        assert raw_left == 0 and hashed > 0  # rejected rows' raw text is gone, a hash stays
        topic_map = engine.taxonomy()  # the model saved beside the database is read and copied in
        assert topic_map.topics and engine.store.model_files(topic_map.model_id)
        view = engine.view()
        assert len(view.comments) == comments and len(view.assignments) > 0
        first = next(iter(topic_map.topics))
        kind, payload = rename_edit(topic_map, first, "Renamed")
        record_edit(engine.store, kind, payload, "test")  # the old edit sequence still works
        assert engine.taxonomy().topics[first].topic.label == "Renamed"

    # the artifacts folder is no longer needed: the database alone is the whole state
    shutil.rmtree(tmp_path / "artifacts")
    moved = tmp_path / "copy" / "moved.duckdb"
    moved.parent.mkdir()
    shutil.copy(db, moved)
    with Engine.open(Config(db_path=moved, artifacts_dir=tmp_path / "nowhere")) as engine:
        assert engine.store.schema_version == LATEST
        assert engine.taxonomy().model_id == topic_map.model_id
        assert engine.taxonomy().topics[first].topic.label == "Renamed"
        assert len(engine.view().comments) == comments


def test_migrations_are_numbered_once_and_applied_once(tmp_path: Path) -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))
    db = tmp_path / "new.duckdb"
    with Store(db) as store:
        assert store.schema_version == LATEST
    with Store(db) as store:  # reopening applies nothing twice
        rows = store.con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [r[0] for r in rows] == versions


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.duckdb"
    with Store(db) as store:
        store.con.execute(
            "INSERT INTO schema_version VALUES (?, 'from the future', now())", [LATEST + 1]
        )
    with pytest.raises(StoreError, match="newer than this release"):
        Store(db)
    with pytest.raises(StoreError, match="newer than this release"):
        Store(db, read_only=True)
