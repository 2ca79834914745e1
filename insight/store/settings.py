"""Small key/value settings (the active model id)."""

from __future__ import annotations

from insight.store.base import Repository


class SettingRepository(Repository):
    def set_setting(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, value])

    def setting(self, key: str) -> str | None:
        # fetchall, not fetchone: DuckDB keeps a half-read result open and blocks the connection
        rows = self.con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else None
