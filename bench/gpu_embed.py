"""Encoder throughput on one device: sentence-transformers ``encode`` vs the engine's FastEncoder.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.gpu_embed --device cuda            # GPU box
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.gpu_embed --device cpu --n 6000    # laptop

Corpora (Banking77 train+test, CC BY 4.0, read from ../shared): "short" = the queries cycled to
``--n`` comments (≈ 12 tokens each); "long" = three random queries joined per comment (≈ 35
tokens, closer to a survey verbatim). Each row: comments/s end to end (list of str in, float32
numpy out, tokenisation included), cosine to fp32 CPU vectors of the same texts (``--reference``,
written by ``--write-reference`` on a CPU with the pinned model), peak device memory. Ratios are
against sentence-transformers on the same device in the same process.

``--model-dir`` loads a copy of the bundled model from a folder (for machines where the pinned
package is not installed, e.g. a GPU box reached without a package index); default: the verified
bundled package.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "banking77"


def _queries(path: Path | None) -> list[str]:
    if path is not None:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts: list[str] = []
    for split in ("train", "test"):
        with (SHARED / f"{split}.csv").open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def corpora(queries: list[str], n: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    short = [queries[i % len(queries)] for i in range(n)]
    long = [" ".join(rng.choice(queries) for _ in range(3)) for _ in range(n)]
    return {"short": short, "long": long}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _timed(device: str, run: Any, texts: list[str]) -> tuple[np.ndarray, float, float]:
    """(vectors, comments/s, peak device GiB) after a warm-up on the first 2,000 texts."""
    import torch

    run(texts[:2000])
    _sync(device)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    vectors = run(texts)
    _sync(device)
    seconds = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else 0.0
    return np.asarray(vectors, dtype=np.float32), len(texts) / seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--n", type=int, default=1_000_000, help="comments per corpus")
    parser.add_argument("--baseline-n", type=int, default=100_000, help="comments for ST")
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--queries", type=Path, help="one query per line instead of ../shared")
    parser.add_argument("--reference", type=Path, help="npz of fp32 CPU vectors to compare")
    parser.add_argument("--write-reference", type=Path, help="write fp32 CPU vectors and stop")
    parser.add_argument("--precisions", default="bf16,fp16")
    parser.add_argument("--compile", action="store_true", help="also torch.compile the forward")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

    from insight.models.fast_encoder import FastEncoder

    if args.model_dir is None:
        from insight.models.bundled import minilm_dir

        folder = minilm_dir()
    else:
        folder = args.model_dir
    texts = corpora(_queries(args.queries), args.n)
    check = {name: batch[:3000] for name, batch in texts.items()}

    if args.write_reference:
        encoder = FastEncoder(folder, device="cpu", precision="fp32")
        np.savez_compressed(
            args.write_reference,
            short=encoder.encode(check["short"]),
            long=encoder.encode(check["long"]),
        )
        return
    reference = dict(np.load(args.reference)) if args.reference else None

    import torch
    from sentence_transformers import SentenceTransformer

    gpu = args.device.startswith("cuda")
    print(f"device: {torch.cuda.get_device_name() if gpu else 'cpu'}; torch {torch.__version__}")
    rows: list[dict[str, Any]] = []

    def record(name: str, corpus: str, vectors: np.ndarray, rate: float, peak: float) -> None:
        cosine = float("nan")
        if reference is not None:
            n = min(len(vectors), len(reference[corpus]))
            cosine = float(np.min(np.sum(vectors[:n] * reference[corpus][:n], axis=1)))
        rows.append(
            {"backend": name, "corpus": corpus, "per_s": rate, "min_cos": cosine, "peak_gib": peak}
        )
        print(
            f"  {name:<34} {corpus:<5} {rate:>11,.0f}/s  min cos {cosine:.5f}  {peak:.2f} GiB",
            flush=True,
        )

    dtype = torch.bfloat16 if gpu else torch.float32
    st = SentenceTransformer(str(folder), device=args.device, local_files_only=True).to(dtype)

    def st_encode(batch: list[str], model: Any = st) -> Any:
        return model.encode(batch, batch_size=256, convert_to_numpy=True, normalize_embeddings=True)

    for corpus, batch in texts.items() if not args.skip_baseline else []:
        vectors, rate, peak = _timed(args.device, st_encode, batch[: args.baseline_n])
        record(
            f"sentence-transformers {'bf16' if gpu else 'fp32'} b256", corpus, vectors, rate, peak
        )
    del st

    tokenizer = FastEncoder(folder, device="cpu", precision="fp32").tokenizer
    for corpus, batch in texts.items():
        started = time.perf_counter()
        tokenizer.encode_batch_fast(batch)
        rate = len(batch) / (time.perf_counter() - started)
        rows.append(
            {
                "backend": "tokenise only",
                "corpus": corpus,
                "per_s": rate,
                "min_cos": float("nan"),
                "peak_gib": 0.0,
            }
        )
        print(f"  {'tokenise only (CPU threads)':<34} {corpus:<5} {rate:>11,.0f}/s", flush=True)

    variants = [(p, False) for p in (args.precisions.split(",") if gpu else ["fp32"])]
    variants += [(variants[0][0], True)] if args.compile else []
    for precision, compiled in variants:
        encoder = FastEncoder(folder, device=args.device, precision=precision, compile=compiled)
        label = f"FastEncoder {precision}{' compiled' if compiled else ''}"
        for corpus, batch in texts.items():
            vectors, rate, peak = _timed(args.device, encoder.encode, batch)
            record(label, corpus, vectors, rate, peak)
            started = time.perf_counter()
            planned = encoder.prepare(batch)
            prepared = time.perf_counter() - started
            target = np.zeros((len(batch), encoder.dimension), dtype=np.float32)
            started = time.perf_counter()
            encoder.run(planned, target)
            _sync(args.device)
            device_rate = len(batch) / (time.perf_counter() - started)
            record(f"{label} device only", corpus, target, device_rate, peak)
            print(
                f"    tokenise+plan alone {len(batch) / prepared:,.0f}/s; "
                f"{len(planned)} batches, {sum(b.padded for b in planned)} padded",
                flush=True,
            )
        del encoder

    print(
        "\n| backend | corpus | comments | comments/s | × sentence-transformers | "
        "min cosine to fp32 CPU | peak GiB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    base = {r["corpus"]: r["per_s"] for r in rows if r["backend"].startswith("sentence")}
    base = base or {r["corpus"]: float("nan") for r in rows}
    for row in rows:
        n = args.baseline_n if row["backend"].startswith("sentence") else args.n
        print(
            f"| {row['backend']} | {row['corpus']} | {n:,} | {row['per_s']:,.0f} | "
            f"{row['per_s'] / base[row['corpus']]:.1f} | {row['min_cos']:.5f} | "
            f"{row['peak_gib']:.2f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
