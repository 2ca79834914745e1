"""The length-bucketed encoder: batch planning, agreement with sentence-transformers, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from insight.models.bundled import minilm_dir
from insight.models.fast_encoder import PAD_ID, FastEncoder, plan_batches, token_arrays

ODD_TEXTS = [
    "",
    "😡😡😡",
    "ok",
    "word " * 2000,  # far past the 256-token limit: truncated, as sentence-transformers does
    "Staff were lovely but the queue was far too long.",
    "Caf\u00e9 na\u00efve \u00fcber — \u201cquoted\u201d",
]


@pytest.fixture(scope="module")
def fast() -> FastEncoder:
    return FastEncoder(minilm_dir(), device="cpu")


@pytest.fixture(scope="module")
def sentence_transformer() -> object:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(minilm_dir()), device="cpu", local_files_only=True)


def _reference(model: object, texts: list[str]) -> np.ndarray:
    vectors = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)  # type: ignore[attr-defined]
    return np.asarray(vectors, dtype=np.float32)


def test_plan_batches_covers_every_row_once_within_budget() -> None:
    rng = np.random.default_rng(0)
    ragged = [list(rng.integers(1, 30_000, size=n)) for n in rng.integers(2, 90, size=500)]
    flat, lengths = token_arrays(ragged)
    batches = plan_batches(flat, lengths, token_budget=512, max_rows=32)
    rows = np.concatenate([b.rows for b in batches])
    assert sorted(rows.tolist()) == list(range(len(ragged)))
    for batch in batches:
        width = batch.ids.shape[1]
        assert len(batch.rows) <= 32
        assert len(batch.rows) * width <= 512 or len(batch.rows) == 1
        assert batch.padded == (int(lengths[batch.rows].min()) != width)
        for row, ids in zip(batch.rows, batch.ids, strict=True):
            n = len(ragged[row])
            assert ids[:n].tolist() == ragged[row]
            assert (ids[n:] == PAD_ID).all()


def test_plan_batches_keeps_a_row_longer_than_the_budget() -> None:
    flat, lengths = token_arrays([[5] * 40, [6] * 3])
    batches = plan_batches(flat, lengths, token_budget=16, max_rows=8)
    assert [b.ids.shape for b in batches] == [(1, 3), (1, 40)]


def test_matches_sentence_transformers(
    fast: FastEncoder, sentence_transformer: object, banking77: list[tuple[str, str]]
) -> None:
    texts = [t for t, _ in banking77[:300]] + ODD_TEXTS
    vectors = fast.encode(texts)
    cosine = np.sum(vectors * _reference(sentence_transformer, texts), axis=1)
    assert cosine.min() > 0.9999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_and_progress(fast: FastEncoder) -> None:
    assert fast.encode([]).shape == (0, fast.dimension)
    seen: list[int] = []
    fast.encode(ODD_TEXTS, progress=seen.append)
    assert sum(seen) == len(ODD_TEXTS)


def test_tokeniser_processes_give_the_same_vectors(fast: FastEncoder) -> None:
    texts = ODD_TEXTS * 5
    threaded = FastEncoder(minilm_dir(), device="cpu", chunk=7, tokenise_processes=0)
    pooled = FastEncoder(minilm_dir(), device="cpu", chunk=7, tokenise_processes=1)
    assert np.array_equal(pooled.encode(texts), threaded.encode(texts))
    # Other chunk sizes group rows differently: the same vectors up to float rounding.
    assert np.allclose(pooled.encode(texts), fast.encode(texts), atol=1e-5)


def test_half_precision_stays_close(fast: FastEncoder) -> None:
    texts = ODD_TEXTS[1:]
    half = FastEncoder(minilm_dir(), device="cpu", precision="bf16")
    assert half.precision == "bf16"
    assert np.sum(half.encode(texts) * fast.encode(texts), axis=1).min() > 0.99


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="precision"):
        FastEncoder(minilm_dir(), device="cpu", precision="int4")
