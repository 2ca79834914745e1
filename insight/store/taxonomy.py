"""Analysts' taxonomy edits (applied over any fitted model)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from insight.store.base import Repository, now


class TaxonomyRepository(Repository):
    def add_taxonomy_edit(self, kind: str, payload: dict[str, Any], author: str) -> int:
        rows = self.con.execute(
            "INSERT INTO taxonomy_edits (created_at, kind, payload, author) VALUES (?, ?, ?, ?) "
            "RETURNING edit_id",
            [now(), kind, json.dumps(payload), author],
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
