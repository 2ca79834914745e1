"""Bundled models: found in installed packages, verified by hash, never downloaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from insight.errors import ModelPackageError
from insight.models import bundled
from insight.models.embedder import MiniLMEmbedder, text_hash
from insight.pipelines.enrich import embed_texts
from insight.store import Store


def test_packages_verify() -> None:
    assert (bundled.minilm_dir() / "model.safetensors").exists()
    assert (bundled.spacy_dir() / "senter").exists()


def test_hash_mismatch_and_missing_package_fail_loudly(tmp_path: Path) -> None:
    file = tmp_path / "w.bin"
    file.write_bytes(b"tampered")
    with pytest.raises(ModelPackageError, match="pinned hash"):
        bundled._check("MiniLM weights", bundled.file_sha256(file), bundled.MINILM_SHA256)
    with pytest.raises(ModelPackageError, match="not installed"):
        bundled.package_dir("no_such_model_package_xyz")


def test_embeddings_are_unit_length_and_meaningful(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.encode(
        ["my parcel arrived late", "the delivery was delayed", "the staff were lovely"]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.encode([]).shape == (0, 384)


def test_cache_skips_encoding(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    calls: list[int] = []

    class Counting(MiniLMEmbedder):
        def encode(self, texts, progress=False):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return embedder.encode(texts)

    counting = Counting()
    with Store(tmp_path / "c.duckdb") as store:
        first = embed_texts(["a b c", "d e f", "a b c"], counting, store)
        second = embed_texts(["d e f", "a b c"], counting, store)
        assert calls == [2]  # duplicates encoded once; the second call is all cache hits
        assert np.allclose(first[1], second[0]) and np.allclose(first[0], first[2])
        assert store.count("embedding_cache") == 2
    assert text_hash("x") != text_hash("y")
