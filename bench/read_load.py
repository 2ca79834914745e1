"""Read latency at scale and a mixed store + read load, against the real service.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.api --reads 1000000 [--code DIR] [--seconds 60]

Builds a database of N comments from a fitted demo database (``make demo``): its comments,
mentions, topic assignments and sentiment are repeated with new ids and dates spread over the
demo's period (not embedded again; the fitted model is the demo's). Then starts the service
(uvicorn, one worker) on it and measures from this process:

* p50/p95 of ``GET /v1/summary``, ``/v1/topics`` (a channel filter), ``/v1/topics/{id}`` (a
  page of verbatims with a segment filter), ``/v1/changes`` and ``/v1/drivers``, sequentially;
  the first read after start (which builds the read facts) is reported on its own;
* a mixed load: 30 clients storing comments (``POST /v1/tag`` with ``store``) and 5 clients
  reading, for ``--seconds``: errors, requests/s, p50/p99 of each side;
* the service's peak resident memory (VmHWM).

``--code DIR`` runs the service from another checkout (e.g. the previous release, to measure
"before"; its model is exported beside the database, where that release looks for it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import httpx
import numpy as np

from insight.access import create_key
from insight.models.topic_model import TopicModel
from insight.store import Store

REPO = Path(__file__).resolve().parent.parent
READS = {
    "summary": "/v1/summary",
    "topics (channel)": "/v1/topics?channel=survey",
    "topic page (segment)": "/v1/topics/{topic}?segment=SME&offset=40&limit=20",
    "changes": "/v1/changes?before_end=2026-10-01&after_start=2026-10-01",
    "drivers": "/v1/drivers",
}


def build_database(source: Path, target: Path, comments: int) -> tuple[str, int]:
    """Repeat ``source``'s comments (and their mentions, topics, sentiment) up to ``comments``.

    Returns (active model id, the largest topic id)."""
    shutil.copy(source, target)
    with Store(target) as store:  # migrated to this release's schema
        key = create_key(store, "bench", "admin")
        model_id = store.setting("active_topic_model") or ""
        base = store.count("comments")
    copies = -(-comments // base)  # whole copies: a few more than asked at most
    con = duckdb.connect(str(target))
    started = time.perf_counter()
    con.execute("CREATE TEMP TABLE copies AS SELECT range AS i FROM range(1, ?)", [copies])
    con.execute(
        "INSERT INTO comments (id, text, source, channel, touchpoint, created_at, respondent_id, "
        "score, team, agent, segment, run_id, seq) SELECT c.id || '~' || k.i, c.text, c.source, "
        "c.channel, c.touchpoint, c.created_at + INTERVAL ((k.i * 7) % 20) HOUR, "
        "c.respondent_id, c.score, c.team, c.agent, c.segment, c.run_id, nextval('comment_seq') "
        "FROM comments c, copies k"
    )
    con.execute(
        "INSERT INTO mentions SELECT m.id || '~' || k.i, m.comment_id || '~' || k.i, m.position, "
        "m.text, m.start_char, m.end_char FROM mentions m, copies k"
    )
    con.execute(
        "INSERT INTO mention_topics SELECT t.model_id, t.mention_id || '~' || k.i, t.topic_id, "
        "t.confidence, t.origin FROM mention_topics t, copies k WHERE t.model_id = ?",
        [model_id],
    )
    con.execute(
        "INSERT INTO mention_sentiment SELECT s.mention_id || '~' || k.i, s.label, s.p_positive, "
        "s.model FROM mention_sentiment s, copies k"
    )
    con.execute("CHECKPOINT")
    total = con.execute("SELECT count(*) FROM comments").fetchall()[0][0]
    largest = con.execute(
        "SELECT topic_id FROM mention_topics WHERE model_id = ? AND topic_id >= 0 "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        [model_id],
    ).fetchall()[0][0]
    con.close()
    print(f"built {total:,} comments in {time.perf_counter() - started:.0f} s ({target})")
    (target.parent / "admin.key").write_text(key)
    return model_id, int(largest)


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pct(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, q)) if samples else float("nan")


def _serve(code: Path, db: Path, config: Path, port: int, artifacts: Path) -> subprocess.Popen[Any]:
    env = os.environ | {
        "INSIGHT_CONFIG": str(config),
        "INSIGHT_DB_PATH": str(db),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": str(code),
    }
    overrides = code / ".bench-config.toml"
    overrides.write_text(f'db_path = "{db}"\nartifacts_dir = "{artifacts}"\n')
    env["INSIGHT_CONFIG"] = str(overrides)
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, env=env, cwd=code)


def wait_healthy(base: str, server: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 300
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            sys.exit("the service did not start")
        time.sleep(0.5)


def run_threads(threads: list[threading.Thread]) -> float:
    """Start every thread, wait for all; the seconds it took."""
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def _record(
    lock: threading.Lock,
    times: list[float],
    errors: list[str],
    response: httpx.Response,
    started: float,
    side: str,
) -> None:
    with lock:
        if response.status_code == 200:
            times.append(time.perf_counter() - started)
        else:
            errors.append(f"{side} {response.status_code}")


def _mixed(base: str, headers: dict[str, str], paths: list[str], seconds: float) -> dict[str, Any]:
    """30 writers storing 5 comments per request, 5 readers cycling through ``paths``."""
    stop = time.monotonic() + seconds
    writes: list[float] = []
    reads: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def writer(slot: int) -> None:
        n = 0
        with httpx.Client(timeout=300) as client:
            while time.monotonic() < stop:
                body = {
                    "store": True,
                    "comments": [
                        {
                            "id": f"load-{slot}-{n}-{j}",
                            "text": "The refund took weeks but support was kind.",
                            "score": (slot + j) % 11,
                            "created_at": "2026-11-10",
                            "channel": "chat",
                        }
                        for j in range(5)
                    ],
                }
                n += 1
                started = time.perf_counter()
                response = client.post(f"{base}/v1/tag", json=body, headers=headers)
                _record(lock, writes, errors, response, started, "write")

    def reader(slot: int) -> None:
        i = slot
        with httpx.Client(timeout=300) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = client.get(base + paths[i % len(paths)], headers=headers)
                i += 1
                _record(lock, reads, errors, response, started, "read")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(30)]
    threads += [threading.Thread(target=reader, args=(i,)) for i in range(5)]
    elapsed = run_threads(threads)
    return {"writes": writes, "reads": reads, "errors": errors, "seconds": elapsed}


def main(comments: int, code: Path, seconds: float, requests: int, source: Path) -> None:
    if not source.exists():
        sys.exit(f"{source} not found: run `make demo` first (it fits the demo model)")
    work = Path(tempfile.mkdtemp(prefix="bench-reads-"))
    db = work / "reads.duckdb"
    model_id, topic = build_database(source, db, comments)
    key = (work / "admin.key").read_text()
    artifacts = work / "artifacts"
    with Store(db, read_only=True) as store:  # where a release before schema 2 looks
        TopicModel.from_files(store.model_files(model_id)).save(
            artifacts / "topic_models" / model_id
        )
    port = 8765
    server = _serve(code, db, REPO / "configs" / "demo.toml", port, artifacts)
    base = f"http://127.0.0.1:{port}"
    headers = {"X-API-Key": key}
    paths = [p.format(topic=topic) for p in READS.values()]
    try:
        wait_healthy(base, server)
        with httpx.Client(timeout=900) as client:
            started = time.perf_counter()
            client.get(base + paths[0], headers=headers).raise_for_status()
            first = time.perf_counter() - started
            table = []
            for name, path in zip(READS, paths, strict=True):
                samples = []
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(base + path, headers=headers).raise_for_status()
                    samples.append(time.perf_counter() - started)
                table.append((name, _pct(samples, 50), _pct(samples, 95)))
        quiet_peak = _peak_mb(server.pid)
        load = _mixed(base, headers, paths, seconds)
        peak = _peak_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        (code / ".bench-config.toml").unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nMachine: {os.cpu_count()} CPU cores; one uvicorn worker; service code: {code}")
    print(f"{comments:,} comments; first read after start (builds read facts): {first:.1f} s\n")
    print("| read | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for name, p50, p95 in table:
        print(f"| {name} | {p50:.0f} | {p95:.0f} |")
    print(f"\nService peak memory: {quiet_peak:,.0f} MB after reads, {peak:,.0f} MB after the load")
    w, r, e = load["writes"], load["reads"], load["errors"]
    span = load["seconds"]
    print(f"\nMixed load, {span:.0f} s: 30 writers (5 comments per request) + 5 readers")
    print("| side | requests | per s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for side, samples in (("writes", w), ("reads", r)):
        rate = len(samples) / span
        p50, p99 = _pct(samples, 50), _pct(samples, 99)
        print(f"| {side} | {len(samples)} | {rate:.1f} | {p50:.0f} | {p99:.0f} |")
    print(f"errors: {len(e)} {sorted(set(e))[:5]}")
