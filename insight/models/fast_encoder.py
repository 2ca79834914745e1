"""MiniLM forward pass for large volumes: pre-tokenised, length-bucketed, overlapped CPU/GPU.

sentence-transformers tokenises each small batch in Python, pads it and waits for the result
before starting the next, so a GPU idles most of the time. Here:

- a background thread tokenises the next chunk (Rust tokenizer, GIL released) while the device
  runs the current one;
- texts are sorted by token count and cut into batches under a token budget, so most batches hold
  texts of one exact length: no padding and no attention mask, which lets scaled-dot-product
  attention take its fastest kernel; the rest are padded to their longest row and masked;
- the model is a plain-torch BERT forward over the bundled safetensors (no pickle), in bf16/fp16 on
  a GPU and fp32 on a CPU, with mean pooling and L2 normalisation on the device; results are copied
  back asynchronously and collected once per chunk.

Vectors match sentence-transformers' (mean pooling, max 256 tokens) to cosine ≈ 1 in fp32.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 256  # sentence-transformers' max_seq_length for the bundled model
PAD_ID = 0


@dataclass(frozen=True)
class Batch:
    """Rows of one chunk (positions in the chunk) and their token ids, padded to one length."""

    rows: np.ndarray
    ids: np.ndarray  # int32 (rows, length)
    padded: bool


def token_arrays(token_ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged token ids as one flat int32 array and the length of each row."""
    lengths = np.fromiter((len(t) for t in token_ids), dtype=np.int64, count=len(token_ids))
    flat = np.fromiter(chain.from_iterable(token_ids), dtype=np.int32, count=int(lengths.sum()))
    return flat, lengths


def plan_batches(
    flat: np.ndarray, lengths: np.ndarray, token_budget: int, max_rows: int
) -> list[Batch]:
    """Sort by length and cut into batches of at most ``token_budget`` padded tokens."""
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    order = np.argsort(lengths, kind="stable")
    sorted_lengths = lengths[order]
    batches: list[Batch] = []
    start = 0
    while start < len(order):
        # The longest row decides the width; grow while the padded size stays under budget.
        window = sorted_lengths[start : start + max_rows]
        fits = np.arange(1, len(window) + 1) * window <= token_budget
        stop = start + max(1, len(fits) if fits.all() else int(np.argmin(fits)))
        rows = order[start:stop]
        width = int(sorted_lengths[stop - 1])
        columns = np.arange(width)
        inside = columns[None, :] < lengths[rows][:, None]
        positions = np.minimum(offsets[rows][:, None] + columns[None, :], max(len(flat) - 1, 0))
        ids = np.where(inside, flat[positions], PAD_ID).astype(np.int32)
        batches.append(Batch(rows=rows, ids=ids, padded=int(sorted_lengths[start]) != width))
        start = stop
    return batches


def pick_precision(precision: str, device: str) -> str:
    """``auto`` is bf16 on a GPU (tensor cores, cosine ≥ 0.999 to fp32) and fp32 elsewhere."""
    if precision != "auto":
        return precision
    return "bf16" if device == "cuda" else "fp32"


def load_tokenizer(tokenizer_file: str) -> Any:
    """The model's tokenizer as sentence-transformers uses it: no padding, 256-token cut."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_file)
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    return tokenizer


def tokenise(tokenizer: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of ``texts`` as ``token_arrays`` (flat ids, length per text)."""
    return token_arrays([e.ids for e in tokenizer.encode_batch_fast(list(texts))])


_WORKER_TOKENIZER: Any = None


def _start_worker(tokenizer_file: str) -> None:
    global _WORKER_TOKENIZER
    _WORKER_TOKENIZER = load_tokenizer(tokenizer_file)


def _tokenise_in_worker(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return tokenise(_WORKER_TOKENIZER, texts)


def _tokeniser_pool(folder: Path, processes: int) -> ProcessPoolExecutor:
    """Worker processes (spawned: no forked CUDA state) that each hold the tokenizer."""
    return ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(str(folder / "tokenizer.json"),),
    )


class _Bert:
    """BERT encoder (MiniLM-L6 shape) on plain torch ops, weights from a safetensors file."""

    def __init__(self, folder: Path, device: Any, dtype: Any) -> None:
        import torch
        from safetensors.torch import load_file

        config = json.loads((folder / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {config['hidden_act']!r}")
        weights = load_file(str(folder / "model.safetensors"))

        def tensor(name: str) -> Any:
            return weights[name].to(device=device, dtype=dtype).contiguous()

        def fused_qkv(prefix: str, kind: str) -> Any:
            parts = [weights[f"{prefix}{p}.{kind}"] for p in ("query", "key", "value")]
            return torch.cat(parts).to(device=device, dtype=dtype).contiguous()

        self.word = tensor("embeddings.word_embeddings.weight")
        self.position = tensor("embeddings.position_embeddings.weight")
        self.token_type = tensor("embeddings.token_type_embeddings.weight")[0]
        self.norm = (tensor("embeddings.LayerNorm.weight"), tensor("embeddings.LayerNorm.bias"))
        self.layers = []
        for index in range(int(config["num_hidden_layers"])):
            prefix = f"encoder.layer.{index}."
            attention = prefix + "attention.self."
            self.layers.append(
                {
                    "qkv_w": fused_qkv(attention, "weight"),
                    "qkv_b": fused_qkv(attention, "bias"),
                    "out_w": tensor(prefix + "attention.output.dense.weight"),
                    "out_b": tensor(prefix + "attention.output.dense.bias"),
                    "norm1": (
                        tensor(prefix + "attention.output.LayerNorm.weight"),
                        tensor(prefix + "attention.output.LayerNorm.bias"),
                    ),
                    "up_w": tensor(prefix + "intermediate.dense.weight"),
                    "up_b": tensor(prefix + "intermediate.dense.bias"),
                    "down_w": tensor(prefix + "output.dense.weight"),
                    "down_b": tensor(prefix + "output.dense.bias"),
                    "norm2": (
                        tensor(prefix + "output.LayerNorm.weight"),
                        tensor(prefix + "output.LayerNorm.bias"),
                    ),
                }
            )

    def hidden(self, ids: Any, keep: Any | None) -> Any:
        """Last hidden states (rows, length, width); ``keep`` is the padding mask or None."""
        import torch.nn.functional as F

        rows, length = ids.shape
        x = F.embedding(ids, self.word) + self.position[:length] + self.token_type
        width = x.shape[-1]
        x = F.layer_norm(x, (width,), self.norm[0], self.norm[1], eps=self.eps)
        mask = None if keep is None else keep[:, None, None, :]
        head = width // self.heads
        for layer in self.layers:
            qkv = F.linear(x, layer["qkv_w"], layer["qkv_b"])
            q, k, v = qkv.view(rows, length, 3, self.heads, head).permute(2, 0, 3, 1, 4)
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            attended = attended.transpose(1, 2).reshape(rows, length, width)
            x = F.layer_norm(
                x + F.linear(attended, layer["out_w"], layer["out_b"]),
                (width,),
                layer["norm1"][0],
                layer["norm1"][1],
                eps=self.eps,
            )
            inner = F.gelu(F.linear(x, layer["up_w"], layer["up_b"]))
            x = F.layer_norm(
                x + F.linear(inner, layer["down_w"], layer["down_b"]),
                (width,),
                layer["norm2"][0],
                layer["norm2"][1],
                eps=self.eps,
            )
        return x


class FastEncoder:
    """Unit-length sentence vectors from a sentence-transformers MiniLM folder, any torch device.

    ``precision`` "auto" is bf16 on CUDA and fp32 elsewhere. Batches hold at most
    ``token_budget`` padded tokens and ``max_rows`` rows (defaults depend on the device).
    ``chunk`` texts are tokenised at a time, one chunk ahead of the device, by
    ``tokenise_processes`` worker processes (default: a few on a GPU box, none on a CPU).
    """

    def __init__(
        self,
        folder: Path,
        device: str = "cpu",
        precision: str = "auto",
        token_budget: int | None = None,
        max_rows: int | None = None,
        chunk: int = 65536,
        tokenise_processes: int | None = None,
        compile: bool = False,
    ) -> None:
        import torch

        self.device = torch.device(device)
        on_gpu = self.device.type == "cuda"
        precision = pick_precision(precision, self.device.type)
        dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
        if precision not in dtypes:
            raise ValueError(f"precision must be one of {sorted(dtypes)} or 'auto'")
        self.precision = precision
        # Measured: a GPU wants large batches; a CPU runs fastest at ~64 rows (cache-sized).
        self.token_budget = token_budget or (65536 if on_gpu else 2048)
        self.max_rows = max_rows or (4096 if on_gpu else 64)
        self.chunk = chunk
        self.folder = folder
        if tokenise_processes is None:
            tokenise_processes = min(4, max(1, (os.cpu_count() or 1) // 4)) if on_gpu else 0
        self.tokenise_processes = tokenise_processes
        self.tokenizer = load_tokenizer(str(folder / "tokenizer.json"))
        self.tokenizer.encode_batch_fast([""])  # builds the tokenizer's thread pool now
        self.model = _Bert(folder, self.device, dtypes[precision])
        self.dimension = int(self.model.word.shape[1])
        self._hidden = self.model.hidden
        if compile:
            self._hidden = torch.compile(self.model.hidden, dynamic=True)

    def prepare(self, texts: Sequence[str]) -> list[Batch]:
        """Tokenise and plan batches (CPU only; the tokenizer runs on all cores)."""
        flat, lengths = tokenise(self.tokenizer, texts)
        return plan_batches(flat, lengths, self.token_budget, self.max_rows)

    def _chunks(self, texts: Sequence[str]) -> Iterator[tuple[int, list[Batch]]]:
        """Plans of successive chunks, each prepared in a thread while the last one runs."""
        pending: queue.Queue[tuple[int, list[Batch]] | BaseException | None] = queue.Queue(2)

        def produce() -> None:
            try:
                starts = range(0, len(texts), self.chunk)
                if self.tokenise_processes and len(starts) > 1:
                    # Token ids come back as arrays from other processes, so this thread spends
                    # almost no time holding the GIL the device loop needs.
                    with _tokeniser_pool(self.folder, self.tokenise_processes) as pool:
                        futures = [
                            pool.submit(_tokenise_in_worker, list(texts[s : s + self.chunk]))
                            for s in starts
                        ]
                        for start, future in zip(starts, futures, strict=True):
                            flat, lengths = future.result()
                            plan = plan_batches(flat, lengths, self.token_budget, self.max_rows)
                            pending.put((start, plan))
                else:
                    for start in starts:
                        pending.put((start, self.prepare(texts[start : start + self.chunk])))
                pending.put(None)
            except BaseException as error:  # handed to the consumer, raised there
                pending.put(error)

        worker = threading.Thread(target=produce, name="fast-encoder-tokenise", daemon=True)
        worker.start()
        while (item := pending.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
        worker.join()

    def encode(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        """Vectors (len(texts), dimension) float32; ``progress(n)`` is called per finished chunk."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start, batches in self._chunks(texts):
            done = self.run(batches, out[start:])
            if progress is not None:
                progress(done)
        return out

    def run(self, batches: Sequence[Batch], out: np.ndarray) -> int:
        """Encode planned batches into ``out`` (indexed by each batch's rows); returns rows done."""
        import torch

        on_gpu = self.device.type == "cuda"
        results = []
        with torch.inference_mode():
            for batch in batches:
                ids = torch.from_numpy(batch.ids)
                if on_gpu:
                    ids = ids.pin_memory().to(self.device, non_blocking=True)
                pooled = self._pool(ids, batch.padded)
                host = torch.empty(pooled.shape, dtype=torch.float32, pin_memory=on_gpu)
                host.copy_(pooled, non_blocking=on_gpu)
                results.append((batch.rows, host))
            if on_gpu:
                torch.cuda.current_stream(self.device).synchronize()
        for rows, host in results:
            out[rows] = host.numpy()
        return sum(len(rows) for rows, _ in results)

    def _pool(self, ids: Any, padded: bool) -> Any:
        import torch

        ids = ids.long()
        keep = ids != PAD_ID if padded else None
        hidden = self._hidden(ids, keep)
        if keep is None:
            pooled = hidden.float().mean(dim=1)
        else:
            weights = keep.unsqueeze(-1).to(hidden.dtype)
            counts = keep.sum(dim=1, keepdim=True).clamp(min=1).float()
            pooled = (hidden * weights).float().sum(dim=1) / counts
        return torch.nn.functional.normalize(pooled, dim=1)
