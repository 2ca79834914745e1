"""The embedding cache, keyed by (model id, text hash)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from insight.store.base import Repository


class EmbeddingRepository(Repository):
    def cached_embeddings(self, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        frame = pd.DataFrame({"text_hash": sorted(set(hashes))})
        if frame.empty:
            return {}
        self.con.register("_hashes", frame)
        try:
            rows = self.con.execute(
                "SELECT e.text_hash, e.vector FROM embedding_cache e JOIN _hashes USING (text_hash)"
                " WHERE e.model_id = ?",
                [model_id],
            ).fetchall()
        finally:
            self.con.unregister("_hashes")
        return {h: np.frombuffer(v, dtype=np.float32) for h, v in rows}

    def cache_embeddings(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        frame = pd.DataFrame(
            {
                "model_id": model_id,
                "text_hash": list(vectors),
                "vector": [
                    np.ascontiguousarray(v, dtype=np.float32).tobytes() for v in vectors.values()
                ],
            }
        )
        self._insert_frame("embedding_cache", frame, conflict="OR IGNORE")
