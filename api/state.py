"""Per-process state: the config, the database, the engine, and the threads that use them.

DuckDB allows one writing process per file. The service holds one connection: writes (tagging
with ``store``, edits, keys) go through it under a lock; reads and authentication use a cursor
per thread on the same database, so they run beside a write (MVCC) instead of waiting for it.
Model inference runs on one thread, outside the lock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from api.rate_limit import Busy, RateLimiter
from api.settings import Settings
from insight.config import Config, load_config
from insight.engine import Engine, ReadCache
from insight.models.embedder import MiniLMEmbedder
from insight.models.topic_tree import Level
from insight.notifications.notify import Notifier, start_scheduler
from insight.pipelines.components import build_embedder
from insight.pipelines.tagging import Tagger, serve_small_batches
from insight.reads.views import View
from insight.store import Store

T = TypeVar("T")
log = logging.getLogger("insight.api")


class AppState:
    def __init__(self, settings: Settings) -> None:
        overrides = {"db_path": str(settings.db_path)} if settings.db_path else {}
        self.settings = settings
        serve_small_batches()
        self.config: Config = load_config(settings.config, overrides)
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._engine: Engine | None = None
        self._readers = threading.local()
        self._cursors: list[Store] = []
        self.cache = ReadCache()
        self.embedder: MiniLMEmbedder = build_embedder(self.config)  # weights load on first use
        # One thread runs all model inference: torch's OpenMP pool is per calling thread, so
        # inference from many request threads would start competing pools on a small machine.
        self.inference = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        # Alerts after a stored batch are checked and delivered off the request path.
        self.notifications = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify")
        self.notifier = Notifier(self.config, self.db, self._view_of)
        self.scheduler: Any = None
        self._key_seen: dict[str, float] = {}
        self.requests = RateLimiter(settings.requests_per_minute, "requests")
        self.comments = RateLimiter(settings.comments_per_minute, "comments")
        self._queued = 0
        self._tagger_lock = threading.Lock()

    async def infer(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the inference thread without blocking the event loop.

        The thread serves work in arrival order; callers hand it bounded slices, so a request
        that arrives during a large batch waits for one slice, not the batch. Beyond
        ``max_queued_slices`` waiting, new work is refused (``Busy``) rather than queued."""
        if self._queued >= self.settings.max_queued_slices:
            raise Busy("the tagging queue is full; retry in a second")
        self._queued += 1  # event-loop thread only: no lock needed
        try:
            return await asyncio.get_running_loop().run_in_executor(self.inference, work)
        finally:
            self._queued -= 1

    def _open(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self.config.db_path)
            return self._store

    @contextmanager
    def db(self) -> Iterator[Store]:
        """The writing connection, one user at a time."""
        with self._lock:
            yield self._open()

    @contextmanager
    def reader(self) -> Iterator[Store]:
        """This thread's own cursor on the database: no lock, reads beside writes."""
        store: Store | None = getattr(self._readers, "store", None)
        if store is None:
            with self._lock:
                store = self._open().cursor()
                self._cursors.append(store)
            self._readers.store = store
        yield store

    def engine(self) -> Engine:
        """The writing engine (tagging, stored batches, edits); use under ``db()``."""
        with self._lock:
            if self._engine is None:
                self._engine = Engine(self.config, self._open(), self.embedder, self.cache)
            return self._engine

    def reading_engine(self, store: Store) -> Engine:
        """An engine over a reader cursor, sharing the process's caches and encoder."""
        return Engine(self.config, store, self.embedder, self.cache)

    def close(self) -> None:
        with self._lock:
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
            if self._store is not None:
                self._store.close()
                self._store = None
                self._engine = None
        self.inference.shutdown(wait=False)
        self.notifications.shutdown(wait=True)

    def start_scheduler(self) -> None:
        """Digests and alert retries run inside the service when the config defines any."""
        if self.config.digests or self.config.alerts:
            self.scheduler = start_scheduler(self.notifier)

    def stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None

    def alert_after_ingest(self, comment_ids: list[str]) -> None:
        """Queue the alert check for newly stored comments (returns at once)."""
        if self.config.alerts and comment_ids:
            self.notifications.submit(self._alert, comment_ids)

    def key_used(self, key_id: str) -> None:
        """Record a key's last use, at most once a minute per key, off the request path."""
        now = time.monotonic()
        if now - self._key_seen.get(key_id, -1e9) < 60:
            return
        self._key_seen[key_id] = now
        self.notifications.submit(self._record_use, key_id)

    def _record_use(self, key_id: str) -> None:
        try:
            with self.db() as store:
                store.key_used(key_id, datetime.now(UTC).replace(tzinfo=None))
        except Exception:  # bookkeeping only: the request went through
            log.exception("could not record the use of key %s", key_id)

    def _alert(self, comment_ids: list[str]) -> None:
        try:
            self.notifier.after_ingest(comment_ids)
        except Exception:  # the request already succeeded; the log has the reason
            log.exception("alert check failed")

    def _view_of(self, store: Store, level: Level) -> View:
        return self.reading_engine(store).view(level)

    def tagger(self) -> Tagger:
        """The loaded tagger, serving the active model and taxonomy."""
        engine = self.engine()
        # the check reads through this thread's cursor; the lock makes one tagger, swapped once
        with self._tagger_lock, self.reader() as store:
            return engine.tagger(store)

    def warm_up(self) -> None:
        self.tagger().warm_up()
