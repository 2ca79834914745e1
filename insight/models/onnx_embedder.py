"""MiniLM on ONNX Runtime (fp32, or int8 weight-only), exported locally from the bundled weights.

Nothing is downloaded: the bundled safetensors are exported once to ONNX (cached under
``$INSIGHT_CACHE_DIR`` or ``~/.cache/insight``) and, for ``int8``, quantised weight-only
(``MatMulNBits``, 8 bits, activations stay float). Before first use the backend must match the
torch encoder on a fixed check set (mean cosine ≥ ``MIN_COSINE``), else it refuses to load:
quality is checked, not assumed. Mean pooling + L2 norm, as sentence-transformers does.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from insight.errors import ModelPackageError
from insight.extras import require_extra
from insight.models.bundled import MINILM_ID, MINILM_SHA256, minilm_dir
from insight.models.embedder import DIMENSION, MiniLMEmbedder
from insight.registry import register

MIN_COSINE = 0.99
MAX_TOKENS = 256  # the bundled model's max_seq_length
CHECK_SET = [
    "The delivery took two weeks and nobody answered my emails.",
    "Staff were lovely but the queue was far too long.",
    "Great prices, the app crashed twice at checkout though.",
    "Refund still not here after a month, really poor service.",
    "Quick and easy, would recommend to friends.",
    "I was charged twice for the same order.",
    "can't fault the cleaners",
    "nothing wrong with the food",
    "My card was declined abroad and the exchange rate was terrible.",
    "How do I reset my PIN?",
    "Parcel arrived damaged, box crushed 😡",
    "ok",
]
_EXPORT_LOCK = threading.Lock()


def cache_dir() -> Path:
    root = os.environ.get("INSIGHT_CACHE_DIR") or Path.home() / ".cache" / "insight"
    return Path(root) / "onnx"


def export_path(precision: str) -> Path:
    return cache_dir() / f"minilm-{MINILM_SHA256[:12]}-{precision}.onnx"


def _export(precision: str) -> Path:
    """Export (and for int8 quantise) once; later calls reuse the file."""
    target = export_path(precision)
    with _EXPORT_LOCK:
        if target.exists():
            return target
        require_extra("onnx", "onnx", "the ONNX encoder")
        import torch
        from transformers import AutoModel, AutoTokenizer

        target.parent.mkdir(parents=True, exist_ok=True)
        fp32 = export_path("fp32")
        if not fp32.exists():
            folder = str(minilm_dir())
            model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
            tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)

            class Encoder(torch.nn.Module):
                def __init__(self, inner: Any) -> None:
                    super().__init__()
                    self.inner = inner

                def forward(self, ids: Any, mask: Any, types: Any) -> Any:
                    out = self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types)
                    return out.last_hidden_state

            sample = tokenizer(CHECK_SET[:2], padding=True, return_tensors="pt")
            axes = {0: "batch", 1: "tokens"}
            tmp = fp32.with_suffix(".tmp")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    Encoder(model).eval(),
                    (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                    str(tmp),
                    input_names=["input_ids", "attention_mask", "token_type_ids"],
                    output_names=["hidden"],
                    dynamic_axes={
                        n: axes for n in ("input_ids", "attention_mask", "token_type_ids", "hidden")
                    },
                    opset_version=17,
                    dynamo=False,
                )
            tmp.replace(fp32)
        if precision == "int8":
            import logging

            import onnx
            from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

            logging.getLogger("onnxruntime.quantization").setLevel(logging.WARNING)
            quantizer = MatMulNBitsQuantizer(
                onnx.load(str(fp32)), bits=8, block_size=32, is_symmetric=True
            )
            quantizer.process()
            tmp = target.with_suffix(".tmp")
            quantizer.model.save_model_to_file(str(tmp), True)
            tmp.replace(target)
    return target


@dataclass
class OnnxMiniLMEmbedder:
    """Same interface as ``MiniLMEmbedder``; batches sorted by length to cut padding."""

    device: str = "cpu"
    batch_size: int = 64
    precision: Literal["fp32", "int8"] = "fp32"
    dimension: int = DIMENSION
    _session: Any = field(default=None, init=False, repr=False)
    _tokenizer: Any = field(default=None, init=False, repr=False)

    @property
    def model_id(self) -> str:
        return f"{MINILM_ID}+onnx-{self.precision}"

    def _load(self) -> Any:
        if self._session is None:
            from transformers import AutoTokenizer

            ort = require_extra("onnxruntime", "onnx", "the ONNX encoder")

            providers = ["CPUExecutionProvider"]
            if (
                self.device in ("cuda", "auto")
                and "CUDAExecutionProvider" in ort.get_available_providers()
            ):
                providers.insert(0, "CUDAExecutionProvider")
            self._tokenizer = AutoTokenizer.from_pretrained(
                str(minilm_dir()), local_files_only=True
            )
            self._session = ort.InferenceSession(str(_export(self.precision)), providers=providers)
            self._check()
        return self._session

    def _check(self) -> None:
        reference = MiniLMEmbedder().encode(CHECK_SET)
        cosine = float(np.mean(np.sum(reference * self.encode(CHECK_SET), axis=1)))
        self.check_cosine_ = cosine
        if cosine < MIN_COSINE:
            self._session = None
            raise ModelPackageError(
                f"ONNX {self.precision} encoder agrees with torch at cosine {cosine:.4f} "
                f"< {MIN_COSINE}; use insight.minilm.v1 (delete {cache_dir()} to re-export)"
            )

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        session = self._load()
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            batch = self._tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="np",
            )
            hidden = session.run(
                None,
                {
                    "input_ids": batch["input_ids"].astype(np.int64),
                    "attention_mask": batch["attention_mask"].astype(np.int64),
                    "token_type_ids": batch["token_type_ids"].astype(np.int64),
                },
            )[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


@register("embedder", "insight.minilm_onnx.v1")
def minilm_onnx(device: str = "cpu", batch_size: int = 64) -> OnnxMiniLMEmbedder:
    return OnnxMiniLMEmbedder(device=device, batch_size=batch_size, precision="fp32")


@register("embedder", "insight.minilm_onnx_int8.v1")
def minilm_onnx_int8(device: str = "cpu", batch_size: int = 64) -> OnnxMiniLMEmbedder:
    return OnnxMiniLMEmbedder(device=device, batch_size=batch_size, precision="int8")
