from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import Settings, create_app
from insight.store import Store


def test_health_reports_active_model(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    client = TestClient(create_app(Settings(db_path=db)))
    assert client.get("/health").json()["topic_model"] is None
    with Store(db) as store:
        store.set_setting("active_topic_model", "tm-1")
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["topic_model"] == "tm-1"
