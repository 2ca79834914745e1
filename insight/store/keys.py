"""API keys (hashes only; the key itself is shown once, when created)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from insight.store.base import Repository, now


@dataclass(frozen=True)
class StoredKey:
    name: str
    role: str
    key_hash: str
    revoked: bool
    expires_at: datetime | None


class KeyRepository(Repository):
    def add_api_key(
        self,
        key_id: str,
        name: str,
        role: str,
        key_hash: str,
        created_by: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        self.con.execute(
            "INSERT INTO api_keys (key_id, name, role, key_hash, created_at, created_by, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [key_id, name, role, key_hash, now(), created_by, expires_at],
        )

    def api_key(self, key_id: str) -> StoredKey | None:
        """One key's name, role, hash, revocation and expiry, or None."""
        if not self._has_table("api_keys"):
            return None
        rows = self.con.execute(
            "SELECT name, role, key_hash, revoked_at IS NOT NULL, expires_at FROM api_keys "
            "WHERE key_id = ?",
            [key_id],
        ).fetchall()
        if not rows:
            return None
        name, role, key_hash, revoked, expires_at = rows[0]
        return StoredKey(str(name), str(role), str(key_hash), bool(revoked), expires_at)

    def api_keys(self) -> pd.DataFrame:
        return self.con.execute(
            "SELECT key_id, name, role, created_at, created_by, expires_at, last_used_at, "
            "revoked_at FROM api_keys ORDER BY created_at"
        ).df()

    def key_used(self, key_id: str, when: datetime) -> None:
        self.con.execute("UPDATE api_keys SET last_used_at = ? WHERE key_id = ?", [when, key_id])

    def revoke_api_key(self, key_id: str) -> bool:
        rows = self.con.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL "
            "RETURNING key_id",
            [now(), key_id],
        ).fetchall()
        return bool(rows)
