"""Atomic ingest: kill -9 at random points, rerun, and the database holds exactly what one
uninterrupted run stores (each chunk lands whole or not at all; reruns skip stored ids)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from insight.store import Store

PHRASES = (
    "The delivery was late again and nobody called me.",
    "Staff were lovely but the queue was far too long.",
    "Refund took three weeks, please sort your process out.",
    "Great prices, easy checkout, will shop again.",
)


def _ingest(config: Path, data: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from insight.cli import app; app()", "ingest", str(data)]
    return subprocess.Popen(
        [*command, "--config", str(config), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _until_written(db: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait until the process has committed its first chunk: the write-ahead log holds more
    than the schema and the run record (~10 kB); each chunk of 150 comments adds ~100 kB."""
    wal = db.with_name(db.name + ".wal")
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 50_000:
            return
        time.sleep(0.005)


def _stored(db: Path) -> tuple[pd.DataFrame, pd.Series]:
    with Store(db, read_only=True) as store:
        comments = store.comments()[["id", "text", "score"]].sort_values("id", ignore_index=True)
        per_comment = store.mentions().groupby("comment_id").size().sort_index()
    return comments, per_comment


def test_kill_9_then_rerun_equals_one_clean_run(tmp_path: Path) -> None:
    rng = random.Random(17)
    rows = [
        {"id": f"c{i}", "text": f"{rng.choice(PHRASES)} {rng.choice(PHRASES)}", "score": i % 11}
        for i in range(2000)
    ]
    rows[5]["score"] = 42  # one reject
    data = tmp_path / "comments.csv"
    pd.DataFrame(rows).to_csv(data, index=False)

    def config(name: str) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'db_path = "{tmp_path / name}.duckdb"\n[ingest]\nchunk_rows = 150\n'
            '[clean]\nredact = ["email", "phone"]\n',
            encoding="utf-8",
        )
        return path

    clean = _ingest(config("clean"), data)
    _until_written(tmp_path / "clean.duckdb", clean)
    started = time.monotonic()
    assert clean.wait(timeout=300) == 0, clean.stderr.read() if clean.stderr else ""
    duration = time.monotonic() - started  # from the first write to the end
    assert (tmp_path / "clean.duckdb").stat().st_mode & 0o077 == 0  # written 0600

    crashed = config("crashed")
    partial = []
    for _ in range(6):  # until two kills have landed mid-ingest
        if sum(0 < n < 1999 for n in partial) >= 2:
            break
        process = _ingest(crashed, data)
        _until_written(tmp_path / "crashed.duckdb", process)
        time.sleep(rng.uniform(0.0, 0.8) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if (tmp_path / "crashed.duckdb").exists():
            partial.append(len(_stored(tmp_path / "crashed.duckdb")[0]))
    assert any(0 < n < 1999 for n in partial), f"no kill landed mid-ingest: {partial}"
    rerun = _ingest(crashed, data)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read() if rerun.stderr else ""

    want_comments, want_mentions = _stored(tmp_path / "clean.duckdb")
    got_comments, got_mentions = _stored(tmp_path / "crashed.duckdb")
    assert len(want_comments) == 1999
    pd.testing.assert_frame_equal(got_comments, want_comments)
    pd.testing.assert_series_equal(got_mentions, want_mentions)
    assert set(got_mentions.index) == set(got_comments["id"])  # no comment without mentions
