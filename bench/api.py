"""Latency and throughput of the tagging API on loopback, beside in-process baselines.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.api [--db data/demo.duckdb] [--seconds 15]
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.api --reads 1000000 --seconds 60 [--code DIR]

Starts the real service (uvicorn, one worker) in a separate process on a copy of a fitted
database (``make demo`` makes one), then measures from this process with httpx:
``POST /v1/tag`` with 1 and with 100 comments (sequential: p50/p95/p99), throughput under
concurrent clients, and ``GET /health`` (framework + loopback overhead). Baselines run in this
process: the same ``Tagger.tag`` call without HTTP, so the ratios show what the service adds.
With ``--reads N``: read latency on N comments and a mixed store + read load (``read_load.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

from bench.read_load import run_threads, wait_healthy
from insight.access import create_key
from insight.config import load_config
from insight.engine import Engine
from insight.pipelines.tagging import serve_small_batches
from insight.store import Store

REPO = Path(__file__).resolve().parent.parent
SENTENCES = [
    "The delivery took two weeks and nobody answered my emails.",
    "Staff were lovely but the queue was far too long.",
    "Great prices, app crashed twice at checkout though.",
    "Refund still not here after a month.",
    "Quick and easy, would recommend.",
]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _batch(n: int, offset: int = 0) -> list[dict[str, object]]:
    return [
        {"text": SENTENCES[(i + offset) % len(SENTENCES)], "score": (i * 3) % 11} for i in range(n)
    ]


def _percentiles(samples: list[float]) -> tuple[float, float, float, float]:
    ms = np.asarray(samples) * 1000
    return (
        float(np.percentile(ms, 50)),
        float(np.percentile(ms, 95)),
        float(np.percentile(ms, 99)),
        float(ms.mean()),
    )


def _timed(call: Callable[[], object], n: int, warm: int = 5) -> list[float]:
    for _ in range(warm):
        call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _throughput(
    url: str, headers: dict[str, str], size: int, clients: int, seconds: float
) -> tuple[float, float]:
    """(requests/s, comments/s) with ``clients`` threads posting back to back."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop:
                response = client.post(url, json={"comments": _batch(size, slot)}, headers=headers)
                response.raise_for_status()
                done[slot] += 1

    elapsed = run_threads([threading.Thread(target=worker, args=(i,)) for i in range(clients)])
    return sum(done) / elapsed, sum(done) * size / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=REPO / "data" / "demo.duckdb")
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "demo.toml")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--reads",
        type=int,
        default=0,
        help="instead: read latency on a database of this many comments + a mixed store/read load",
    )
    parser.add_argument(
        "--code", type=Path, default=REPO, help="with --reads: the checkout the service runs from"
    )
    args = parser.parse_args()
    if args.reads:
        from bench.read_load import main as read_load

        read_load(
            args.reads,
            args.code.resolve(),
            args.seconds,
            min(args.requests, 30),
            args.db,
        )
        return
    if not args.db.exists():
        sys.exit(f"{args.db} not found: run `make demo` first (it fits the demo model)")
    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    db = work / "bench.duckdb"
    shutil.copy(args.db, db)
    with Store(db) as store:
        key = create_key(store, "bench", "tool")
    config = load_config(args.config, {"db_path": str(db)})

    # baselines in this process: the same tagging call without HTTP, same thread settings
    serve_small_batches()
    with Store(db, read_only=True) as store:
        tagger = Engine(config, store).tagger()
    tagger.warm_up()
    direct_1 = _timed(lambda: tagger.tag(_batch(1)), args.requests)
    direct_100 = _timed(lambda: tagger.tag(_batch(100)), max(20, args.requests // 10), warm=2)

    port = _port()
    env = os.environ | {
        "INSIGHT_CONFIG": str(args.config),
        "INSIGHT_DB_PATH": str(db),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"X-API-Key": key}
    try:
        wait_healthy(base, server)
        with httpx.Client(timeout=60) as client:
            health = _timed(lambda: client.get(f"{base}/health"), args.requests)
            one = _timed(
                lambda: client.post(
                    f"{base}/v1/tag", json={"comments": _batch(1)}, headers=headers
                ).raise_for_status(),
                args.requests,
            )
            hundred = _timed(
                lambda: client.post(
                    f"{base}/v1/tag", json={"comments": _batch(100)}, headers=headers
                ).raise_for_status(),
                max(20, args.requests // 10),
                warm=2,
            )
        loads = [
            (1, 1, *_throughput(f"{base}/v1/tag", headers, 1, 1, args.seconds)),
            (1, 8, *_throughput(f"{base}/v1/tag", headers, 1, 8, args.seconds)),
            (100, 4, *_throughput(f"{base}/v1/tag", headers, 100, 4, args.seconds)),
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nMachine: {os.cpu_count()} CPU cores; torch threads default; one uvicorn worker.\n")
    print("| measurement | p50 ms | p95 ms | p99 ms | mean ms | p99 / in-process |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [
        ("GET /health (HTTP overhead)", health, None),
        ("in-process Tagger.tag, 1 comment (baseline)", direct_1, direct_1),
        ("POST /v1/tag, 1 comment", one, direct_1),
        ("in-process Tagger.tag, 100 comments (baseline)", direct_100, direct_100),
        ("POST /v1/tag, 100 comments", hundred, direct_100),
    ]
    for name, samples, baseline in rows:
        p50, p95, p99, mean = _percentiles(samples)
        ratio = f"{p99 / _percentiles(baseline)[2]:.2f}" if baseline is not None else "–"
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {mean:.1f} | {ratio} |")
    print("\n| batch | clients | requests/s | comments/s |")
    print("|---:|---:|---:|---:|")
    for size, clients, rps, cps in loads:
        print(f"| {size} | {clients} | {rps:.1f} | {cps:.0f} |")


if __name__ == "__main__":
    main()
