"""What every repository shares: the connection and a frame insert."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import pandas as pd


def now() -> datetime:
    """Naive UTC now (DuckDB ``TIMESTAMP`` columns hold UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Repository:
    """Base of the per-concern repositories; ``Store`` combines them over one connection."""

    con: duckdb.DuckDBPyConnection
    _in_transaction: bool = False

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nested calls join the outer one)."""
        if self._in_transaction:
            yield
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_transaction = False

    def _has_table(self, name: str) -> bool:
        """False for tables a read-only database made by an older version does not have yet."""
        rows = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        return bool(rows[0][0])

    def _insert_frame(self, table: str, frame: pd.DataFrame, conflict: str = "") -> None:
        if frame.empty:
            return
        name = f"_incoming_{id(frame)}"
        self.con.register(name, frame)
        try:
            columns = ", ".join(frame.columns)
            self.con.execute(
                f"INSERT {conflict} INTO {table} ({columns}) SELECT {columns} FROM {name}"
            )
        finally:
            self.con.unregister(name)
