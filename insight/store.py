"""The only module that touches the database (an embedded DuckDB file by default).

Tables: comments (PII-redacted text only), rejects, mentions, embedding cache keyed by
(model id, text hash), fitted topics and topic assignments per model, and a log of runs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from insight.errors import StoreError
from insight.schemas import Comment, Mention, Reject, Topic

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, kind VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
    params JSON, metrics JSON);
CREATE TABLE IF NOT EXISTS comments (
    id VARCHAR PRIMARY KEY, text VARCHAR NOT NULL, source VARCHAR, channel VARCHAR,
    touchpoint VARCHAR, created_at TIMESTAMP, respondent_id VARCHAR, score SMALLINT,
    team VARCHAR, agent VARCHAR, segment VARCHAR, run_id VARCHAR);
CREATE TABLE IF NOT EXISTS rejects (
    run_id VARCHAR, source VARCHAR, row_number BIGINT, reason VARCHAR, raw VARCHAR);
CREATE TABLE IF NOT EXISTS mentions (
    id VARCHAR PRIMARY KEY, comment_id VARCHAR, position INTEGER, text VARCHAR,
    start_char INTEGER, end_char INTEGER);
CREATE TABLE IF NOT EXISTS embedding_cache (
    model_id VARCHAR, text_hash VARCHAR, vector BLOB, PRIMARY KEY (model_id, text_hash));
CREATE TABLE IF NOT EXISTS topics (
    model_id VARCHAR, topic_id INTEGER, label VARCHAR, keywords JSON, size INTEGER, quotes JSON,
    PRIMARY KEY (model_id, topic_id));
CREATE TABLE IF NOT EXISTS mention_topics (
    model_id VARCHAR, mention_id VARCHAR, topic_id INTEGER, confidence DOUBLE, origin VARCHAR,
    PRIMARY KEY (model_id, mention_id));
CREATE TABLE IF NOT EXISTS mention_sentiment (
    mention_id VARCHAR PRIMARY KEY, label VARCHAR, p_positive DOUBLE, model VARCHAR);
CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, key_hash VARCHAR,
    created_at TIMESTAMP, revoked_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id VARCHAR PRIMARY KEY, kind VARCHAR, rule VARCHAR, period_key VARCHAR,
    channel VARCHAR, subject VARCHAR, message JSON, chart BLOB, status VARCHAR,
    attempts INTEGER, next_attempt_at TIMESTAMP, last_error VARCHAR, created_at TIMESTAMP,
    sent_at TIMESTAMP);
CREATE SEQUENCE IF NOT EXISTS taxonomy_edit_ids START 1;
CREATE TABLE IF NOT EXISTS taxonomy_edits (
    edit_id INTEGER PRIMARY KEY DEFAULT nextval('taxonomy_edit_ids'), created_at TIMESTAMP,
    kind VARCHAR, payload JSON, author VARCHAR, active BOOLEAN DEFAULT TRUE);
"""

COMMENT_COLUMNS = (
    "id",
    "text",
    "source",
    "channel",
    "touchpoint",
    "created_at",
    "respondent_id",
    "score",
    "team",
    "agent",
    "segment",
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """A connection to the insight database; use as a context manager."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"database {self.path} does not exist yet; run `insight ingest` first")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from None
        if not read_only:
            self.con.execute(SCHEMA)

    def _has_table(self, name: str) -> bool:
        """False for tables a read-only database made by an older version does not have yet."""
        rows = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        return bool(rows[0][0])

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _insert_frame(self, table: str, frame: pd.DataFrame, conflict: str = "") -> None:
        if frame.empty:
            return
        self.con.register("_incoming", frame)
        try:
            columns = ", ".join(frame.columns)
            self.con.execute(
                f"INSERT {conflict} INTO {table} ({columns}) SELECT {columns} FROM _incoming"
            )
        finally:
            self.con.unregister("_incoming")

    # runs -------------------------------------------------------------------------------------
    def start_run(self, kind: str, params: dict[str, Any]) -> str:
        run_id = f"{kind}-{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, NULL, ?, NULL)",
            [run_id, kind, _now(), json.dumps(params, default=str)],
        )
        return run_id

    def finish_run(self, run_id: str, metrics: dict[str, Any]) -> None:
        self.con.execute(
            "UPDATE runs SET finished_at = ?, metrics = ? WHERE run_id = ?",
            [_now(), json.dumps(metrics, default=str), run_id],
        )

    def runs(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM runs ORDER BY started_at").df()

    # comments and rejects ---------------------------------------------------------------------
    def existing_comment_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        frame = pd.DataFrame({"id": list(ids)})
        self.con.register("_ids", frame)
        try:
            rows = self.con.execute("SELECT c.id FROM comments c JOIN _ids USING (id)").fetchall()
        finally:
            self.con.unregister("_ids")
        return {r[0] for r in rows}

    def add_comments(self, comments: Sequence[Comment], run_id: str) -> None:
        frame = pd.DataFrame([asdict(c) for c in comments], columns=list(COMMENT_COLUMNS))
        frame["run_id"] = run_id
        frame["score"] = frame["score"].astype("Int16")
        frame["created_at"] = pd.to_datetime(frame["created_at"])
        self._insert_frame("comments", frame)

    def add_rejects(self, rejects: Sequence[Reject], run_id: str) -> None:
        frame = pd.DataFrame(
            [asdict(r) for r in rejects], columns=["source", "row_number", "reason", "raw"]
        )
        frame["run_id"] = run_id
        self._insert_frame("rejects", frame)

    def comments(self, ids: Sequence[str] | None = None) -> pd.DataFrame:
        if ids is None:
            return self.con.execute("SELECT * FROM comments ORDER BY id").df()
        self.con.register("_ids", pd.DataFrame({"id": list(ids)}))
        try:
            return self.con.execute(
                "SELECT c.* FROM comments c JOIN _ids USING (id) ORDER BY c.id"
            ).df()
        finally:
            self.con.unregister("_ids")

    def rejects(self, run_id: str | None = None) -> pd.DataFrame:
        if run_id is None:
            return self.con.execute("SELECT * FROM rejects").df()
        return self.con.execute("SELECT * FROM rejects WHERE run_id = ?", [run_id]).df()

    def count(self, table: str) -> int:
        tables = {
            "comments",
            "rejects",
            "mentions",
            "embedding_cache",
            "topics",
            "mention_sentiment",
            "mention_topics",
        }
        if table not in tables:
            raise StoreError(f"unknown table {table!r}")
        rows = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()
        return int(rows[0][0])

    # mentions ---------------------------------------------------------------------------------
    def add_mentions(self, mentions: Sequence[Mention]) -> None:
        frame = pd.DataFrame(
            {
                "id": [m.id for m in mentions],
                "comment_id": [m.comment_id for m in mentions],
                "position": [m.position for m in mentions],
                "text": [m.text for m in mentions],
                "start_char": [m.start for m in mentions],
                "end_char": [m.end for m in mentions],
            }
        )
        self._insert_frame("mentions", frame, conflict="OR REPLACE")

    def mentions(self, comment_ids: Sequence[str] | None = None) -> pd.DataFrame:
        if comment_ids is None:
            return self.con.execute("SELECT * FROM mentions ORDER BY comment_id, position").df()
        self.con.register("_ids", pd.DataFrame({"comment_id": list(comment_ids)}))
        try:
            return self.con.execute(
                "SELECT m.* FROM mentions m JOIN _ids USING (comment_id) "
                "ORDER BY m.comment_id, m.position"
            ).df()
        finally:
            self.con.unregister("_ids")

    # embedding cache --------------------------------------------------------------------------
    def cached_embeddings(self, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        frame = pd.DataFrame({"text_hash": sorted(set(hashes))})
        if frame.empty:
            return {}
        self.con.register("_hashes", frame)
        try:
            rows = self.con.execute(
                "SELECT e.text_hash, e.vector FROM embedding_cache e JOIN _hashes USING (text_hash)"
                " WHERE e.model_id = ?",
                [model_id],
            ).fetchall()
        finally:
            self.con.unregister("_hashes")
        return {h: np.frombuffer(v, dtype=np.float32) for h, v in rows}

    def cache_embeddings(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        frame = pd.DataFrame(
            {
                "model_id": model_id,
                "text_hash": list(vectors),
                "vector": [
                    np.ascontiguousarray(v, dtype=np.float32).tobytes() for v in vectors.values()
                ],
            }
        )
        self._insert_frame("embedding_cache", frame, conflict="OR IGNORE")

    # topics -----------------------------------------------------------------------------------
    def save_topics(self, model_id: str, topics: Sequence[Topic]) -> None:
        self.con.execute("DELETE FROM topics WHERE model_id = ?", [model_id])
        frame = pd.DataFrame(
            {
                "model_id": model_id,
                "topic_id": [t.topic_id for t in topics],
                "label": [t.label for t in topics],
                "keywords": [json.dumps(t.keywords) for t in topics],
                "size": [t.size for t in topics],
                "quotes": [json.dumps(t.quotes) for t in topics],
            }
        )
        self._insert_frame("topics", frame)

    def topics(self, model_id: str) -> list[Topic]:
        rows = self.con.execute(
            "SELECT topic_id, label, keywords, size, quotes FROM topics WHERE model_id = ? "
            "ORDER BY topic_id",
            [model_id],
        ).fetchall()
        return [Topic(r[0], r[1], json.loads(r[2]), r[3], json.loads(r[4])) for r in rows]

    def save_assignments(self, model_id: str, frame: pd.DataFrame, origin: str) -> None:
        """Store mention -> topic rows (columns mention_id, topic_id, confidence)."""
        out = frame[["mention_id", "topic_id", "confidence"]].copy()
        out.insert(0, "model_id", model_id)
        out["origin"] = origin
        self._insert_frame("mention_topics", out, conflict="OR REPLACE")

    def assignments(self, model_id: str, origin: str | None = None) -> pd.DataFrame:
        sql = (
            "SELECT mt.mention_id, mt.topic_id, mt.confidence, mt.origin, m.comment_id, m.text, "
            "s.label AS sentiment FROM mention_topics mt JOIN mentions m ON m.id = mt.mention_id "
            "LEFT JOIN mention_sentiment s ON s.mention_id = mt.mention_id "
            "WHERE mt.model_id = ?"
        )
        params: list[Any] = [model_id]
        if origin is not None:
            sql += " AND mt.origin = ?"
            params.append(origin)
        return self.con.execute(sql + " ORDER BY mt.mention_id", params).df()

    # sentiment ---------------------------------------------------------------------------------
    def save_sentiment(self, frame: pd.DataFrame, model: str) -> None:
        """Store mention sentiment (columns mention_id, label, p_positive)."""
        out = frame[["mention_id", "label", "p_positive"]].copy()
        out["model"] = model
        self._insert_frame("mention_sentiment", out, conflict="OR REPLACE")

    def mention_sentiment(self) -> pd.DataFrame:
        return self.con.execute(
            "SELECT s.mention_id, m.comment_id, s.label, s.p_positive FROM mention_sentiment s "
            "JOIN mentions m ON m.id = s.mention_id ORDER BY s.mention_id"
        ).df()

    # settings ---------------------------------------------------------------------------------
    def set_setting(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, value])

    def setting(self, key: str) -> str | None:
        # fetchall, not fetchone: DuckDB keeps a half-read result open and blocks the connection
        rows = self.con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else None

    # API keys (hashes only; the key itself is shown once, when created) ------------------------
    def add_api_key(self, key_id: str, name: str, role: str, key_hash: str) -> None:
        self.con.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
            [key_id, name, role, key_hash, _now()],
        )

    def api_key(self, key_id: str) -> tuple[str, str, str, bool] | None:
        """(name, role, hash, revoked) of one key, or None."""
        if not self._has_table("api_keys"):
            return None
        rows = self.con.execute(
            "SELECT name, role, key_hash, revoked_at IS NOT NULL FROM api_keys WHERE key_id = ?",
            [key_id],
        ).fetchall()
        if not rows:
            return None
        return str(rows[0][0]), str(rows[0][1]), str(rows[0][2]), bool(rows[0][3])

    def api_keys(self) -> pd.DataFrame:
        return self.con.execute(
            "SELECT key_id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at"
        ).df()

    def revoke_api_key(self, key_id: str) -> bool:
        rows = self.con.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL "
            "RETURNING key_id",
            [_now(), key_id],
        ).fetchall()
        return bool(rows)

    # taxonomy edits (analyst renames, merges, splits, pins; applied over any fitted model) -------
    def add_taxonomy_edit(self, kind: str, payload: dict[str, Any], author: str) -> int:
        rows = self.con.execute(
            "INSERT INTO taxonomy_edits (created_at, kind, payload, author) VALUES (?, ?, ?, ?) "
            "RETURNING edit_id",
            [_now(), kind, json.dumps(payload), author],
        ).fetchall()
        return int(rows[0][0])

    def taxonomy_edits(self) -> list[tuple[int, str, dict[str, Any], str, datetime]]:
        """Active edits in the order they were made: (edit_id, kind, payload, author, when)."""
        if not self._has_table("taxonomy_edits"):
            return []
        rows = self.con.execute(
            "SELECT edit_id, kind, payload, author, created_at FROM taxonomy_edits "
            "WHERE active ORDER BY edit_id"
        ).fetchall()
        return [(int(r[0]), str(r[1]), json.loads(r[2]), str(r[3]), r[4]) for r in rows]

    def deactivate_taxonomy_edit(self, edit_id: int) -> bool:
        rows = self.con.execute(
            "UPDATE taxonomy_edits SET active = FALSE WHERE edit_id = ? AND active "
            "RETURNING edit_id",
            [edit_id],
        ).fetchall()
        return bool(rows)

    def taxonomy_version(self) -> tuple[int, int]:
        """Changes whenever an edit is added or undone (cache key for the applied taxonomy)."""
        if not self._has_table("taxonomy_edits"):
            return 0, 0
        rows = self.con.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN active THEN edit_id ELSE -edit_id END), 0) "
            "FROM taxonomy_edits"
        ).fetchall()
        return int(rows[0][0]), int(rows[0][1])

    # deliveries (outbox of digests and alerts: one row per message, id = idempotency key) -------
    def enqueue_delivery(
        self,
        delivery_id: str,
        kind: str,
        rule: str,
        period_key: str,
        channel: str,
        subject: str,
        message: dict[str, Any],
        chart: bytes | None,
        now: datetime,
    ) -> bool:
        """Add a message unless one with this id exists; True when it is new."""
        rows = self.con.execute(
            "INSERT OR IGNORE INTO deliveries VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL) RETURNING delivery_id",
            [
                delivery_id,
                kind,
                rule,
                period_key,
                channel,
                subject,
                json.dumps(message),
                chart,
                now,
                now,
            ],
        ).fetchall()
        return bool(rows)

    def due_deliveries(self, now: datetime) -> list[dict[str, Any]]:
        frame = self.con.execute(
            "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY created_at, delivery_id",
            [now],
        ).fetchall()
        columns = [d[0] for d in self.con.description or []]
        return [dict(zip(columns, row, strict=True)) for row in frame]

    def delivery_sent(self, delivery_id: str, now: datetime) -> None:
        self.con.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "last_error = NULL WHERE delivery_id = ?",
            [now, delivery_id],
        )

    def delivery_failed(
        self, delivery_id: str, error: str, next_attempt_at: datetime | None
    ) -> None:
        """Record a failed attempt; with no next attempt the message is marked failed for good."""
        self.con.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, "
            "status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END, "
            "next_attempt_at = coalesce(?, next_attempt_at) WHERE delivery_id = ?",
            [error[:2000], next_attempt_at, next_attempt_at, delivery_id],
        )

    def deliveries(self, kind: str | None = None) -> pd.DataFrame:
        sql = (
            "SELECT delivery_id, kind, rule, period_key, channel, subject, status, attempts, "
            "next_attempt_at, last_error, created_at, sent_at FROM deliveries"
        )
        if kind is None:
            return self.con.execute(sql + " ORDER BY created_at, delivery_id").df()
        return self.con.execute(
            sql + " WHERE kind = ? ORDER BY created_at, delivery_id", [kind]
        ).df()
