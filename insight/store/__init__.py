"""The only package that touches the database (an embedded DuckDB file by default).

One repository per concern (runs, comments, embeddings, topics, settings, keys, taxonomy,
deliveries, read facts), combined over one connection by ``Store``. The schema is versioned:
numbered migrations (``migrations.py``) are applied when a database is opened for writing, and
the fitted topic model lives inside the database, so one file is the whole state.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import duckdb

from insight.errors import StoreError
from insight.store.comments import CommentRepository
from insight.store.deliveries import DeliveryRepository
from insight.store.embeddings import EmbeddingRepository
from insight.store.facts import FactRepository
from insight.store.keys import KeyRepository
from insight.store.migrations import LATEST, check_readable, migrate, schema_version
from insight.store.runs import RunRepository
from insight.store.settings import SettingRepository
from insight.store.taxonomy import TaxonomyRepository
from insight.store.topics import TopicRepository

__all__ = ["LATEST", "Store", "StoreError"]


class Store(
    RunRepository,
    CommentRepository,
    EmbeddingRepository,
    TopicRepository,
    SettingRepository,
    KeyRepository,
    TaxonomyRepository,
    DeliveryRepository,
    FactRepository,
):
    """A connection to the insight database; use as a context manager.

    ``cursor()`` gives another handle on the same database for another thread: DuckDB runs
    reads beside a write (MVCC), so a reader never waits for a writer's lock.
    """

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self._owner = True
        if read_only and not self.path.exists():
            raise StoreError(f"database {self.path} does not exist yet; run `insight ingest` first")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(_open_error(self.path, exc)) from None
        try:
            if read_only:
                check_readable(self.con, str(self.path))
            else:
                migrate(self.con, str(self.path))
        except Exception:
            self.con.close()
            raise

    @classmethod
    def _over(cls, path: Path, con: duckdb.DuckDBPyConnection) -> Store:
        handle = cls.__new__(cls)
        handle.path, handle.con, handle._owner = path, con, False
        return handle

    def cursor(self) -> Store:
        """A handle with its own cursor on this connection (close it when done)."""
        return Store._over(self.path, self.con.cursor())

    @property
    def schema_version(self) -> int:
        return schema_version(self.con)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()


def _open_error(path: Path, exc: duckdb.Error) -> str:
    """Why a database cannot be opened, without echoing internals such as the lock holder."""
    text = str(exc)
    if "lock" in text.lower():
        return (
            f"database {path.name} is in use by another insight process (one writer per file); "
            "stop it or go through its API"
        )
    return f"cannot open database {path.name}: {text.splitlines()[0][:200]}"
