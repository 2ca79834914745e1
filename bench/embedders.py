"""Embedding backends side by side: speed, agreement with torch, and the topics they give.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.embedders            # ~5 min on 2 cores

Banking77 test split (3,080 queries, CC BY 4.0). For each backend: comments/s (after warm-up,
batch 64), cosine to the torch vectors (mean and min), and topic quality — the engine's topic
model (merge off) fitted on that backend's vectors, NMI/ARI against the 77 intents. Ratios are
against sentence-transformers' ``encode`` in the same process.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from insight.models.bundled import minilm_dir
from insight.models.embedder import MiniLMEmbedder
from insight.models.onnx_embedder import OnnxMiniLMEmbedder
from insight.models.topic_model import TopicModel

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "banking77" / "test.csv"


class _SentenceTransformers:
    """The baseline: sentence-transformers' own ``encode`` on the same bundled model."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(minilm_dir()), device="cpu", local_files_only=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=64, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def _speed(encoder: Any, texts: list[str]) -> tuple[np.ndarray, float]:
    encoder.encode(texts[:64])
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    return vectors, len(texts) / (time.perf_counter() - started)


def main() -> None:
    with DATA.open(encoding="utf-8") as handle:
        rows = [(r["text"], r["category"]) for r in csv.DictReader(handle)]
    texts, labels = [t for t, _ in rows], [c for _, c in rows]
    backends: list[tuple[str, Any]] = [
        ("sentence-transformers encode (torch)", _SentenceTransformers()),
        ("engine default `insight.minilm.v1` (torch, FastEncoder)", MiniLMEmbedder()),
        ("ONNX Runtime fp32", OnnxMiniLMEmbedder(precision="fp32")),
        ("ONNX Runtime int8 weight-only", OnnxMiniLMEmbedder(precision="int8")),
    ]
    results = []
    reference: np.ndarray | None = None
    for name, encoder in backends:
        vectors, rate = _speed(encoder, texts)
        reference = vectors if reference is None else reference
        cosine = np.sum(vectors * reference, axis=1)
        model = TopicModel(merge_distance=0.0).fit(texts, vectors)
        assert model.labels_ is not None
        results.append(
            (
                name,
                rate,
                float(cosine.mean()),
                float(cosine.min()),
                normalized_mutual_info_score(labels, model.labels_),
                adjusted_rand_score(labels, model.labels_),
                len(model.topics_),
            )
        )
    base_rate, base_nmi = results[0][1], results[0][4]
    print("\nBanking77 test, 3,080 queries; topics = engine topic model, merge off\n")
    header = "backend | comments/s | cosine mean | cosine min | topics | NMI | ARI | speed / ST"
    print(f"| {header} | NMI / ST |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, rate, mean, low, nmi, ari, topics in results:
        print(
            f"| {name} | {rate:.0f} | {mean:.5f} | {low:.4f} | {topics} | {nmi:.3f} | {ari:.3f} "
            f"| {rate / base_rate:.2f} | {nmi / base_nmi:.3f} |"
        )


if __name__ == "__main__":
    main()
