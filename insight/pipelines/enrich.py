"""Embed mention texts, reusing the (model id, text hash) cache in the store."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from insight.models.embedder import MiniLMEmbedder, text_hash
from insight.models.subject import subject_text
from insight.store import Store


def embed_texts(
    texts: Sequence[str],
    embedder: MiniLMEmbedder,
    store: Store | None,
    progress: bool = False,
    markers: re.Pattern[str] | None = None,
) -> np.ndarray:
    """One unit vector per text's subject (``subject_text``: no @handles or #tags, nor the
    fitted model's segment ``markers``); only texts missing from the cache are encoded. Every
    mention embedding is made here."""
    texts = [subject_text(t, markers) for t in texts]
    hashes = [text_hash(t) for t in texts]
    cached = store.cached_embeddings(embedder.model_id, hashes) if store is not None else {}
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in cached and h not in missing:
            missing[h] = t
    if missing:
        fresh = embedder.encode(list(missing.values()), progress=progress)
        new = dict(zip(missing, fresh, strict=True))
        if store is not None:
            store.cache_embeddings(embedder.model_id, new)
        cached.update(new)
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([cached[h] for h in hashes]).astype(np.float32, copy=False)
