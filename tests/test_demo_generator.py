"""The synthetic demo corpus: deterministic, big enough, with the planted shift recoverable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from insight.demo.generator import generate, write_corpus


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.suffix != ".parquet"
    }


def test_same_seed_same_files(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", n_comments=300, seed=5)
    write_corpus(tmp_path / "b", n_comments=300, seed=5)
    write_corpus(tmp_path / "c", n_comments=300, seed=6)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a" / "social_mentions.parquet"),
        pd.read_parquet(tmp_path / "b" / "social_mentions.parquet"),
    )


def test_default_corpus_shape_and_planted_shift(tmp_path: Path) -> None:
    comments = generate()
    assert len(comments) >= 5000
    assert {c.channel for c in comments} == {"survey", "chat", "social"}
    assert len({c.text for c in comments}) > 0.9 * len(comments)  # varied, not repeated
    truth = json.loads((write_corpus(tmp_path)["truth_json"]).read_text())
    a, b = truth["periods"]["A"], truth["periods"]["B"]
    assert a["topics"]["app_crash"]["comments"] == 0 and b["topics"]["app_crash"]["share"] > 0.08
    assert b["topics"]["delivery_delay"]["share"] > 1.6 * a["topics"]["delivery_delay"]["share"]
    assert b["topics"]["wait_time"]["nps"] < a["topics"]["wait_time"]["nps"] - 20
    assert abs(b["topics"]["staff_friendly"]["nps"] - a["topics"]["staff_friendly"]["nps"]) < 15
    assert b["nps"] < a["nps"] - 10


def test_planted_bad_rows_present(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path, n_comments=200)
    raw = paths["survey"].read_bytes()
    assert b"bad-score-11" in raw and b"caf\xe9" in raw
    assert (
        paths["chat"]
        .read_text(encoding="utf-8")
        .splitlines()[-1]
        .startswith('{"conversation_id": "bad-json"')
    )
