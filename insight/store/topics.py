"""Fitted topics, mention assignments per model, mention sentiment and the model files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from insight.schemas import Topic
from insight.store.base import Repository


class TopicRepository(Repository):
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
                "parent_id": pd.array([t.parent for t in topics], dtype="Int64"),
            }
        )
        self._insert_frame("topics", frame)

    def topics(self, model_id: str) -> list[Topic]:
        rows = self.con.execute(
            "SELECT topic_id, label, keywords, size, quotes, parent_id FROM topics "
            "WHERE model_id = ? ORDER BY topic_id",
            [model_id],
        ).fetchall()
        return [Topic(r[0], r[1], json.loads(r[2]), r[3], json.loads(r[4]), r[5]) for r in rows]

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
        """Store mention sentiment (columns mention_id, label, p_positive, optional emotion)."""
        out = frame[["mention_id", "label", "p_positive"]].copy()
        out["model"] = model
        out["emotion"] = frame.get("emotion")
        self._insert_frame("mention_sentiment", out, conflict="OR REPLACE")

    def mention_sentiment(self) -> pd.DataFrame:
        return self.con.execute(
            "SELECT s.mention_id, m.comment_id, s.label, s.p_positive FROM mention_sentiment s "
            "JOIN mentions m ON m.id = s.mention_id ORDER BY s.mention_id"
        ).df()

    # fitted model files (JSON + npz, never pickles) --------------------------------------------
    def save_model_files(self, model_id: str, files: dict[str, bytes]) -> None:
        self.con.execute("DELETE FROM topic_model_files WHERE model_id = ?", [model_id])
        for name, content in files.items():
            self.con.execute(
                "INSERT INTO topic_model_files VALUES (?, ?, ?)", [model_id, name, content]
            )

    def try_save_model_files(self, model_id: str, files: dict[str, bytes]) -> bool:
        """Save unless the database is open read-only (then False)."""
        try:
            self.save_model_files(model_id, files)
        except duckdb.Error:
            return False
        return True

    def model_files(self, model_id: str) -> dict[str, bytes]:
        """The saved files of a fitted model ({} when this database does not hold it)."""
        if not self._has_table("topic_model_files"):
            return {}
        rows = self.con.execute(
            "SELECT name, content FROM topic_model_files WHERE model_id = ?", [model_id]
        ).fetchall()
        return {str(r[0]): bytes(r[1]) for r in rows}

    def data_version(self, model_id: str) -> tuple[Any, ...]:
        """Changes whenever what a read shows could change (cache key for read models)."""
        rows = self.con.execute(
            "SELECT (SELECT count(*) FROM comments), (SELECT count(*) FROM mention_sentiment), "
            "(SELECT count(*) FROM mention_topics WHERE model_id = ?)",
            [model_id],
        ).fetchall()
        return (model_id, *rows[0])
