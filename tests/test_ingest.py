"""Ingest: every row ends up kept or rejected with a reason; whole-file problems raise clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from insight.config import IngestConfig, SourceConfig
from insight.errors import IngestError
from insight.pipelines.ingest import parse_score, read_source
from insight.schemas import Comment, Reject


def _read(path: Path, **columns: str) -> tuple[list[Comment], list[Reject]]:
    source = SourceConfig.model_validate({"path": path, "columns": columns})
    rows = list(read_source(source, IngestConfig()))
    return ([r for r in rows if isinstance(r, Comment)], [r for r in rows if isinstance(r, Reject)])


def test_csv_with_mapping(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(
        "rid,comment,nps,when,team\n"
        'a1,"Great staff, slow queue",9,2026-09-01 10:00,North\n'
        "a2,Parcel late,3,2026-09-02T08:00:00+02:00,South\n",
        encoding="utf-8",
    )
    kept, rejected = _read(path, id="rid", text="comment", score="nps", created_at="when")
    assert not rejected
    assert [c.id for c in kept] == ["a1", "a2"]
    assert kept[0].score == 9 and kept[0].team == "North" and kept[0].channel == "survey"
    assert kept[1].created_at is not None and kept[1].created_at.hour == 6  # stored as UTC


@pytest.mark.parametrize(
    ("score", "reason"),
    [
        ("11", "score 11 is outside 0–10"),
        ("-1", "score -1 is outside 0–10"),
        ("ten", "score 'ten' is not a number"),
        ("7.5", "score '7.5' is not a whole number"),
    ],
)
def test_bad_scores_become_rejects(tmp_path: Path, score: str, reason: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(f"text,score\nfine comment here,8\nanother comment,{score}\n")
    kept, rejected = _read(path)
    assert len(kept) == 1 and len(rejected) == 1
    assert rejected[0].reason == reason
    assert rejected[0].row_number == 2
    assert score in rejected[0].raw


def test_blank_score_is_kept_without_score() -> None:
    cfg = IngestConfig()
    assert parse_score("", cfg) is None and parse_score(None, cfg) is None
    assert parse_score("7.0", cfg) == 7 and parse_score(10, cfg) == 10
    assert parse_score(float("nan"), cfg) is None


def test_empty_huge_and_non_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    huge = "x" * 1_000_000
    body = f"id,text\n1,ok then\n2,\n3,   \n4,{huge}\n".encode() + "5,caf\xe9 au lait\n".encode(
        "latin-1"
    )
    path.write_bytes(body)
    kept, rejected = _read(path)
    assert [c.id for c in kept] == ["1"]
    reasons = {r.row_number: r.reason for r in rejected}
    assert reasons[2] == "empty text" and reasons[3] == "empty text"
    assert reasons[4].startswith("text too long: 1000000 chars")
    assert "not valid utf-8" in reasons[5]
    assert len(rejected[2].raw) < 20_000  # a 1 MB row is summarised, not copied whole
    # the reject row keeps the undecodable byte as an escape, and is plain ASCII
    assert "\\udce9" in rejected[3].raw and rejected[3].raw.isascii()


def test_utf8_with_other_encoding_setting(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes("text\ncaf\xe9 was great\n".encode("cp1252"))
    source = SourceConfig(path=path, encoding="cp1252")
    rows = list(read_source(source, IngestConfig()))
    assert isinstance(rows[0], Comment) and rows[0].text == "café was great"


def test_missing_and_misnamed_columns(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("comment,nps\nhello there,9\n")
    with pytest.raises(IngestError, match=r"no text column.*comment, nps.*--text-column"):
        _read(path)
    with pytest.raises(IngestError, match=r"score -> 'NPS'"):
        _read(path, text="comment", score="NPS")


def test_ragged_rows_and_duplicate_ids(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,text\n1,one comment\n2,two,extra\n1,repeat id\n\n3,three\n")
    kept, rejected = _read(path)
    assert [c.id for c in kept] == ["1", "3"]
    assert [r.reason for r in rejected] == [
        "row has 3 fields, header has 2",
        "duplicate id '1' (first at row 1)",
    ]


def test_jsonl_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"id": "c1", "text": "hello agent", "score": 10}),
        "{not json",
        "[1, 2]",
        json.dumps({"id": "c2", "message": "no text field"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    kept, rejected = _read(path)
    assert [c.id for c in kept] == ["c1"] and kept[0].score == 10
    assert [r.reason.split(":")[0] for r in rejected] == [
        "invalid JSON",
        "JSON line is not an object",
        "missing field 'text'",
    ]


def test_parquet_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pd.DataFrame({"body": ["nice app", None, "slow refund"], "score": [9, 5, 42]}).to_parquet(path)
    kept, rejected = _read(path, text="body")
    assert len(kept) + len(rejected) == 3
    assert [c.text for c in kept] == ["nice app"]
    assert {r.reason for r in rejected} == {"empty text", "score 42 is outside 0–10"}


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not found"):
        _read(tmp_path / "missing.csv")
    odd = tmp_path / "x.xlsx"
    odd.write_text("x")
    with pytest.raises(IngestError, match="cannot tell the format"):
        _read(odd)
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(IngestError, match="empty"):
        _read(empty)
    corrupt = tmp_path / "c.parquet"
    corrupt.write_bytes(b"not parquet at all")
    with pytest.raises(IngestError, match="Parquet"):
        _read(corrupt)
