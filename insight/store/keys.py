"""API keys (hashes only; the key itself is shown once, when created)."""

from __future__ import annotations

import pandas as pd

from insight.store.base import Repository, now


class KeyRepository(Repository):
    def add_api_key(self, key_id: str, name: str, role: str, key_hash: str) -> None:
        self.con.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
            [key_id, name, role, key_hash, now()],
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
            [now(), key_id],
        ).fetchall()
        return bool(rows)
