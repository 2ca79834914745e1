"""The command line, driven in-process with typer's runner."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from typer.testing import CliRunner

from insight.cli import app

runner = CliRunner()


def _opts(work: Path) -> list[str]:
    return [
        "--set",
        f"db_path={work / 'db.duckdb'}",
        "--set",
        f"artifacts_dir={work / 'art'}",
        "--set",
        f"report.out_dir={work / 'reports'}",
        "--quiet",
    ]


def test_run_on_users_own_csv(tmp_path: Path, banking77: list[tuple[str, str]]) -> None:
    rng = random.Random(3)
    intents = {"card_arrival", "exchange_rate", "top_up_failed"}
    rows = [(t, c) for t, c in banking77 if c in intents][:150]
    path = tmp_path / "mine.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Verbatim", "LTR", "When"])
        for text, _ in rows:
            writer.writerow([text, rng.randint(0, 10), "2026-10-01"])
        writer.writerow(["bad score row", "eleven", "2026-10-01"])
    result = runner.invoke(
        app,
        [
            "run",
            str(path),
            "--text-column",
            "Verbatim",
            "--score-column",
            "LTR",
            "--date-column",
            "When",
            *_opts(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    n = len(rows)
    assert f"rows in {n + 1} = kept {n} + rejected 1" in result.output
    assert "tag-vs-fit agreement" in result.output
    report = (tmp_path / "reports" / "topic_report.md").read_text(encoding="utf-8")
    assert "Topics by volume" in report

    tagged = tmp_path / "tagged.csv"
    result = runner.invoke(
        app, ["tag", str(path), "--text-column", "Verbatim", "--out", str(tagged), *_opts(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    with tagged.open(encoding="utf-8") as handle:
        out = list(csv.DictReader(handle))
    assert len(out) >= n and {"mention_id", "topic_id", "label", "confidence"} <= set(out[0])


def test_clear_errors_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.csv"), *_opts(tmp_path)])
    assert result.exit_code == 2 and "input file not found" in result.output
    result = runner.invoke(app, ["fit", "--set", "topics.component=insight.nope.v1"])
    assert result.exit_code == 2 and "insight.bertopic.v1" in result.output
    result = runner.invoke(app, ["report", *_opts(tmp_path)[:-1]])
    assert result.exit_code == 2 and "insight fit" in result.output
    bad = tmp_path / "no_text.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["ingest", str(bad), *_opts(tmp_path)])
    assert result.exit_code == 2 and "--text-column" in result.output


def test_demo_data_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo-data", "--out", str(tmp_path), "--n", "120"])
    assert result.exit_code == 0
    assert (tmp_path / "survey_responses.csv").exists()
    assert (tmp_path / "ground_truth.json").exists()
