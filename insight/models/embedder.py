"""Sentence embeddings from the bundled all-MiniLM-L6-v2 (verified by hash, never downloaded)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from insight.models.bundled import MINILM_ID, minilm_dir
from insight.registry import register

DIMENSION = 384


def text_hash(text: str) -> str:
    """Cache key of a text (with the model id it identifies one embedding)."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:32]


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


@dataclass
class MiniLMEmbedder:
    """Unit-length float32 vectors; loaded once, on first use."""

    device: str = "cpu"
    batch_size: int = 64
    model_id: str = MINILM_ID
    dimension: int = DIMENSION
    _model: Any = field(default=None, init=False, repr=False)

    def _load(self) -> Any:
        if self._model is None:
            # Belt and braces: the model is a local folder, and nothing may reach a model hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(
                str(minilm_dir()), device=pick_device(self.device), local_files_only=True
            )
        return self._model

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


@register("embedder", "insight.minilm.v1")
def minilm_embedder(device: str = "cpu", batch_size: int = 64) -> MiniLMEmbedder:
    return MiniLMEmbedder(device=device, batch_size=batch_size)
