"""Input that must never poison a file, a batch or the service: each bad row is a reject with a
reason, every other row is kept, and rows in = kept + rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEV_ADMIN_KEY, Settings
from insight.config import Config, IngestConfig, SourceConfig
from insight.pipelines.ingest import read_source
from insight.schemas import Comment, Reject

from .conftest import writable_copy


def _read(path: Path) -> tuple[list[Comment], list[Reject]]:
    rows = list(read_source(SourceConfig(path=path), IngestConfig()))
    return [r for r in rows if isinstance(r, Comment)], [r for r in rows if isinstance(r, Reject)]


def test_a_stray_quote_does_not_swallow_the_rows_after_it(tmp_path: Path) -> None:
    lines = ["id,text,score"] + [f"r{i},comment number {i},{i % 11}" for i in range(30)]
    lines[6] = 'r5,"he said great service,9'  # a quote opened and never closed
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kept, rejected = _read(path)
    assert len(kept) + len(rejected) == 30  # every data line accounted for
    assert [r.row_number for r in rejected] == [6] and "line 7" in rejected[0].reason
    assert {c.id for c in kept} == {f"r{i}" for i in range(30)} - {"r5"}


def test_a_legitimate_multiline_field_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('id,text,score\na,"two\nlines",9\nb,fine,3\n', encoding="utf-8")
    kept, rejected = _read(path)
    assert [c.id for c in kept] == ["a", "b"] and not rejected


def test_lone_surrogates_and_control_characters_reject_one_row(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    records = [
        '{"id": "ok1", "text": "fine"}',
        '{"id": "bad1", "text": "broken \\ud83d emoji"}',
        json.dumps({"id": "bad\r\nid", "text": "fine text"}),
        json.dumps({"id": "bad3", "text": "fine", "team": "North\u202eevil"}),
        '{"id": "ok2", "text": "also fine"}',
    ]
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    kept, rejected = _read(path)
    assert [c.id for c in kept] == ["ok1", "ok2"]
    reasons = [r.reason for r in rejected]
    assert "surrogate" in reasons[0] and "control characters" in reasons[1]
    assert "team contains control characters" in reasons[2]


def test_api_answers_hostile_rows_with_rejects_not_errors(
    fitted_demo: Config, tmp_path: Path
) -> None:
    settings = Settings(config=writable_copy(fitted_demo, tmp_path), preload_models=False)
    body = (
        '{"store": true, "comments": ['
        '{"id": "x\\r\\ny", "text": "Terrible wait", "score": 0},'
        '{"id": "s1", "text": "lone \\ud83d half"},'
        '{"id": "good", "text": "Lovely staff", "score": 10}]}'
    )
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/v1/tag",
            content=body,
            headers={"X-API-Key": DEV_ADMIN_KEY, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["received"] == 3 and answer["kept"] == 1 and answer["rejected"] == 2
        assert sorted(r["index"] for r in answer["rejects"]) == [0, 1]


def test_rejected_rows_are_not_stored_raw(tmp_path: Path) -> None:
    import hashlib

    from insight.engine import Engine

    path = tmp_path / "pii.csv"
    raw_row = ["p1", "call me on 07700 900123 or jo@example.com", "eleven"]
    path.write_text("id,text,score\n" + ",".join(raw_row) + "\n", encoding="utf-8")
    config = Config(db_path=tmp_path / "p.duckdb")
    with Engine.open(config) as engine:
        summary = engine.ingest([SourceConfig(path=path)], progress=False)
        stored = engine.store.con.execute("SELECT raw, raw_sha256, reason FROM rejects").fetchall()
    assert summary.rejected == 1
    ((raw, digest, reason),) = stored
    assert raw is None and "not a number" in reason
    assert "example.com" not in str(stored) and "07700" not in str(stored)
    assert len(digest) == 64 and digest != hashlib.sha256(b"").hexdigest()


def test_an_undeliverable_message_never_blocks_the_others(tmp_path: Path) -> None:
    from datetime import datetime

    from insight.engine import Engine

    config = Config(db_path=tmp_path / "d.duckdb")
    now = datetime(2026, 12, 1, 12)
    recipient = {"channel": "file", "folder": str(tmp_path / "out")}
    with Engine.open(config) as engine:
        store = engine.store
        for delivery_id in ("alert:r:bad\r\nid", "alert:r:good"):  # a header-breaking id first
            message = {"text": "a detractor", "html": "<p>a detractor</p>", "recipient": recipient}
            store.enqueue_delivery(
                delivery_id, "alert", "r", "k", "file", "New detractor", message, None, now
            )
        result = engine.notifier().deliver_due(now)
        states = dict(store.con.execute("SELECT delivery_id, status FROM deliveries").fetchall())
    assert (result.sent, result.failed) == (1, 1)
    assert states == {"alert:r:bad\r\nid": "failed", "alert:r:good": "sent"}


def test_webhook_text_cannot_ping_a_channel() -> None:
    from insight.notifications.delivery import slack_escape

    assert slack_escape("<!channel> call <@U123> now & <http://x|here>") == (
        "&lt;!channel&gt; call &lt;@U123&gt; now &amp; &lt;http://x|here&gt;"
    )


def test_health_says_unavailable_without_revealing_where(tmp_path: Path) -> None:
    """A second service on a database another process holds is not healthy, and says so
    without paths or process ids (a subprocess holds the lock, as another server would)."""
    import subprocess
    import sys
    import time

    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); time.sleep(60)",
        ]
    )
    try:
        time.sleep(3)
        with TestClient(create_app(Settings(db_path=db, preload_models=False))) as client:
            response = client.get("/health")
            summary = client.get("/v1/summary", headers={"X-API-Key": DEV_ADMIN_KEY})
    finally:
        holder.kill()
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    assert summary.status_code == 503
    for text in (response.text, summary.text):
        assert str(tmp_path) not in text and str(holder.pid) not in text


def test_dates_and_scores_that_would_be_misread_are_rejects(tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    path.write_text(
        "id,text,score,created_at\n"
        "ok,fine,7,2026-11-12 10:00\n"
        "future,fine,7,9999-01-01\n"
        "word,fine,7,now\n"
        "ambiguous,fine,7,12/11/2026\n"
        "clear,fine,7,24/11/2026\n"
        "digits,fine,\u0667,2026-11-12\n"
        "bidi,fine \u202eevil\u202c text,7,2026-11-12\n",
        encoding="utf-8",
    )
    kept, rejected = _read(path)
    assert [c.id for c in kept] == ["ok", "clear", "bidi"]
    reasons = dict(
        zip(["future", "word", "ambiguous", "digits"], [r.reason for r in rejected], strict=True)
    )
    assert "future" in reasons["future"] and "a word" in reasons["word"]
    assert "ambiguous" in reasons["ambiguous"] and "date_format" in reasons["ambiguous"]
    assert "ASCII" in reasons["digits"]
    from insight.pipelines.clean import normalise

    assert normalise("fine \u202eevil\u202c text") == "fine evil text"  # bidi controls stripped
    # a source that names its format reads it
    custom = tmp_path / "custom.csv"
    custom.write_text("id,text,created_at\nx,fine,24-02-2015 11.35\n", encoding="utf-8")
    rows = list(
        read_source(SourceConfig(path=custom, date_format="%d-%m-%Y %H.%M"), IngestConfig())
    )
    assert isinstance(rows[0], Comment) and rows[0].created_at is not None
    assert (rows[0].created_at.day, rows[0].created_at.month, rows[0].created_at.minute) == (
        24,
        2,
        35,
    )


def test_keys_record_creator_expiry_and_last_use_and_the_log_names_them(
    fitted_demo: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import time

    settings = Settings(config=writable_copy(fitted_demo, tmp_path), preload_models=False)
    admin = {"X-API-Key": DEV_ADMIN_KEY}
    with (
        caplog.at_level(logging.INFO, logger="insight.access"),
        TestClient(create_app(settings)) as client,
    ):
        made = client.post("/v1/keys", json={"name": "bi tool", "role": "executive"}, headers=admin)
        short = client.post(
            "/v1/keys",
            json={"name": "temp", "role": "executive", "expires_in_days": 0.00001},
            headers=admin,
        )
        key, key_id = made.json()["key"], made.json()["key_id"]
        assert client.get("/v1/summary", headers={"X-API-Key": key}).status_code == 200
        time.sleep(1.5)  # the short-lived key has expired; last use is written off the request
        expired = client.get("/v1/summary", headers={"X-API-Key": short.json()["key"]})
        listed = {k["key_id"]: k for k in client.get("/v1/keys", headers=admin).json()}
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    assert listed[key_id]["created_by"] == "key:bootstrap"
    assert listed[key_id]["last_used_at"] is not None and listed[key_id]["expires_at"] is None
    assert listed[short.json()["key_id"]]["expires_at"] is not None
    lines = [r.getMessage() for r in caplog.records if r.name == "insight.access"]
    assert any(f"key={key_id} GET /v1/summary 200" in line for line in lines)
    assert not any(key in line for line in lines)  # the key itself is never logged
