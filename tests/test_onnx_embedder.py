"""ONNX Runtime encoders: exported locally, checked against torch before use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from insight.config import load_config
from insight.errors import ModelPackageError
from insight.models import onnx_embedder
from insight.models.embedder import MiniLMEmbedder
from insight.models.onnx_embedder import OnnxMiniLMEmbedder
from insight.pipelines.components import build_embedder


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.mark.parametrize(("precision", "floor"), [("fp32", 0.9999), ("int8", 0.99)])
def test_onnx_matches_torch(
    precision: str,
    floor: float,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    banking_slice: tuple[list[str], list[str], np.ndarray],
) -> None:
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(cache))
    texts, _, reference = banking_slice
    encoder = OnnxMiniLMEmbedder(precision=precision)  # type: ignore[arg-type]
    vectors = encoder.encode(texts)
    cosine = np.sum(vectors * reference, axis=1)
    assert cosine.mean() >= floor and cosine.min() >= floor - 0.02
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.model_id.endswith(f"onnx-{precision}")  # its own embedding-cache key
    assert (cache / "onnx" / onnx_embedder.export_path(precision).name).exists()


def test_backend_is_chosen_in_config_and_refused_when_it_disagrees(
    cache: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder
) -> None:
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(cache))
    config = load_config(None, {"embed.component": "insight.minilm_onnx.v1", "embed.batch_size": 7})
    chosen = build_embedder(config)
    assert isinstance(chosen, OnnxMiniLMEmbedder) and chosen.batch_size == 7
    monkeypatch.setattr(onnx_embedder, "MIN_COSINE", 1.01)
    with pytest.raises(ModelPackageError, match="agrees with torch at cosine"):
        OnnxMiniLMEmbedder(precision="fp32").encode(["hello"])
