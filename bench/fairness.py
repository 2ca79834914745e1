"""Fair service: a small request's latency while another key's large batch is being tagged.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m bench.fairness [--batch 100]

Starts the real service (uvicorn, one worker) twice on a copy of the fitted demo database
(``make demo``): with the default slices (``INSIGHT_TAG_SLICE_CHARS=4000``) and, as the baseline
in the same run, with one slice per request (the previous behaviour). One client posts a batch
of ``--batch`` comments of 4,000 characters each (the API's largest comment); meanwhile a second
key posts one short comment at a time, back to back. Prints the small requests' latency
percentiles and the batch's wall time for both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

from bench.api import _port
from bench.read_load import wait_healthy
from insight.access import create_key
from insight.store import Store

REPO = Path(__file__).resolve().parent.parent
LONG = (
    "The parcel came a week late, the box was crushed and the lamp inside was broken. "
    "I called three times and waited forty minutes each time before anyone answered. "
)


def _run(db: Path, config: Path, slice_chars: int, batch: int) -> tuple[list[float], float]:
    with Store(db) as store:
        big_key = create_key(store, "batch", "tool")
        small_key = create_key(store, "small", "tool")
    port = _port()
    env = os.environ | {
        "INSIGHT_CONFIG": str(config),
        "INSIGHT_DB_PATH": str(db),
        "INSIGHT_TAG_SLICE_CHARS": str(slice_chars),
        "INSIGHT_COMMENTS_PER_MINUTE": str(max(20_000, batch * 2)),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"], env=env, cwd=REPO
    )
    base = f"http://127.0.0.1:{port}"
    text = (LONG * (4000 // len(LONG) + 1))[:4000]
    comments = [{"text": text, "score": i % 11} for i in range(batch)]
    latencies: list[float] = []
    done = threading.Event()
    batch_seconds = [0.0]

    def big() -> None:
        with httpx.Client(timeout=3600) as client:
            started = time.perf_counter()
            client.post(
                f"{base}/v1/tag", json={"comments": comments}, headers={"X-API-Key": big_key}
            ).raise_for_status()
            batch_seconds[0] = time.perf_counter() - started
        done.set()

    try:
        wait_healthy(base, server)
        with httpx.Client(timeout=3600) as client:
            small = {"comments": [{"text": "Staff were lovely, delivery was late."}]}
            headers = {"X-API-Key": small_key}
            for _ in range(5):  # warm up
                client.post(f"{base}/v1/tag", json=small, headers=headers).raise_for_status()
            worker = threading.Thread(target=big)
            worker.start()
            time.sleep(0.5)  # the batch is running
            while not done.is_set():
                started = time.perf_counter()
                client.post(f"{base}/v1/tag", json=small, headers=headers).raise_for_status()
                latencies.append(time.perf_counter() - started)
            worker.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return latencies, batch_seconds[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=REPO / "data" / "demo.duckdb")
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "demo.toml")
    parser.add_argument("--batch", type=int, default=100, help="comments of 4,000 characters")
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} not found: run `make demo` first (it fits the demo model)")
    rows = []
    for name, chars in (("one slice per request (before)", 10**9), ("slices of 4,000 chars", 4000)):
        work = Path(tempfile.mkdtemp(prefix="bench-fair-"))
        try:
            db = work / "bench.duckdb"
            shutil.copy(args.db, db)
            latencies, seconds = _run(db, args.config, chars, args.batch)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ms = np.asarray(latencies) * 1000
        rows.append((name, len(ms), *np.percentile(ms, [50, 99]), ms.max(), seconds))
    cores = os.cpu_count()
    print(f"\nMachine: {cores} CPU cores; one uvicorn worker; {args.batch} x 4,000 chars.\n")
    print("| service | small requests | p50 ms | p99 ms | max ms | batch s | p99 / before |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    before = rows[0][3]
    for name, n, p50, p99, worst, seconds in rows:
        cells = f"{p50:.0f} | {p99:.0f} | {worst:.0f} | {seconds:.1f} | {p99 / before:.3f}"
        print(f"| {name} | {n} | {cells} |")


if __name__ == "__main__":
    main()
