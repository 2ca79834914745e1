"""Comments (PII-redacted text only), rejects and mentions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict

import pandas as pd

from insight.errors import StoreError
from insight.schemas import COMMENT_FIELDS, Comment, Mention, Reject
from insight.store.base import Repository


class CommentRepository(Repository):
    def existing_comment_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        if len(ids) <= 2000:  # a primary-key lookup per id, not a scan of the table
            marks = ", ".join("?" * len(ids))
            query = f"SELECT id FROM comments WHERE id IN ({marks})"
            return {r[0] for r in self.con.execute(query, list(ids)).fetchall()}
        frame = pd.DataFrame({"id": list(ids)})
        self.con.register("_ids", frame)
        try:
            rows = self.con.execute("SELECT c.id FROM comments c JOIN _ids USING (id)").fetchall()
        finally:
            self.con.unregister("_ids")
        return {r[0] for r in rows}

    def add_comments(self, comments: Sequence[Comment], run_id: str) -> None:
        frame = pd.DataFrame([asdict(c) for c in comments], columns=list(COMMENT_FIELDS))
        frame["run_id"] = run_id
        frame["score"] = frame["score"].astype("Int16")
        frame["created_at"] = pd.to_datetime(frame["created_at"])
        if frame.empty:
            return
        name = f"_comments_{id(frame)}"
        columns = ", ".join(frame.columns)
        self.con.register(name, frame)
        try:  # numbered as stored: read facts extend from the last number they have seen
            self.con.execute(
                f"INSERT INTO comments ({columns}, seq) "
                f"SELECT {columns}, nextval('comment_seq') FROM {name}"
            )
        finally:
            self.con.unregister(name)

    def add_rejects(self, rejects: Sequence[Reject], run_id: str) -> None:
        """Reason and position of each rejected row, and a SHA-256 of the raw row: the raw text
        is never stored (a row is rejected before redaction, so it may hold personal data)."""
        frame = pd.DataFrame(
            {
                "source": [r.source for r in rejects],
                "row_number": [r.row_number for r in rejects],
                "reason": [r.reason for r in rejects],
                "raw_sha256": [
                    hashlib.sha256(r.raw.encode("utf-8", "replace")).hexdigest() for r in rejects
                ],
            }
        )
        frame["run_id"] = run_id
        self._insert_frame("rejects", frame)

    def privacy_hints(self, sample: int = 100_000) -> tuple[list[str], list[str]]:
        """(agent names, the latest ``sample`` comment texts): what the redactor learns from."""
        agents = self.con.execute(
            "SELECT DISTINCT agent FROM comments WHERE agent IS NOT NULL"
        ).fetchall()
        texts = self.con.execute(
            "SELECT text FROM comments ORDER BY seq DESC NULLS LAST LIMIT ?", [sample]
        ).fetchall()
        return [r[0] for r in agents], [r[0] for r in texts]

    def reject_reasons(self) -> pd.Series:
        """Every reject's reason (the raw rows stay in the table)."""
        return self.con.execute("SELECT reason FROM rejects").df()["reason"]

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
