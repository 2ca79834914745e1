"""Per-process state: the config, one database connection, the loaded tagger, cached views.

DuckDB allows one writing process per file, so the service holds one connection and serialises
access to it with a lock; model inference runs outside the lock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from api.settings import Settings
from insight.config import Config, load_config
from insight.pipelines.enrich import embed_texts
from insight.pipelines.notify import Notifier, start_scheduler
from insight.pipelines.tagging import Tagger, serve_small_batches
from insight.pipelines.views import View, ViewCache
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
        self._tagger: Tagger | None = None
        self.views = ViewCache()
        # One thread runs all model inference: torch's OpenMP pool is per calling thread, so
        # inference from many request threads would start competing pools on a small machine.
        self.inference = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        # Alerts after a stored batch are checked and delivered off the request path.
        self.notifications = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify")
        self.notifier = Notifier(self.config, self.db)
        self.scheduler: Any = None

    async def infer(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the inference thread without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.inference, work)

    @contextmanager
    def db(self) -> Iterator[Store]:
        with self._lock:
            if self._store is None:
                self._store = Store(self.config.db_path)
            yield self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
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

    def _alert(self, comment_ids: list[str]) -> None:
        try:
            self.notifier.after_ingest(comment_ids)
        except Exception:  # the request already succeeded; the log has the reason
            log.exception("alert check failed")

    def tagger(self, max_age: float = 0.0) -> Tagger:
        """The loaded tagger, synced with the active model and taxonomy (checked ``max_age`` ago
        at most)."""
        with self._lock:
            if self._tagger is None:
                self._tagger = Tagger(self.config)
                self._tagger.warm_up()
            with self.db() as store:
                self._tagger.sync(store, max_age)
            return self._tagger

    def view(self) -> View:
        tagger = self.tagger()
        assert tagger.topic_map is not None
        with self.db() as store:

            def embed(texts: list[str]) -> np.ndarray:
                return embed_texts(texts, tagger.embedder, store)

            return self.views.get(store, tagger.topic_map, embed)
