"""Any rating scale, never silently wrong: ``[scale]`` drives every figure, and a score column
that does not fit the configured scale stops ingest with the likely scale named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insight.analytics.nps import nps_from_codes
from insight.analytics.scales import AdvocacyScale
from insight.config import Config, load_config
from insight.errors import ConfigError, IngestError
from insight.pipelines.ingestion import ingest
from insight.reads.advocacy import overall_nps
from insight.store import Store


def _five_point_file(tmp_path: Path) -> Path:
    scores = [5] * 50 + [4] * 20 + [3] * 15 + [2] * 10 + [1] * 5  # 1–5 stars
    frame = pd.DataFrame(
        {"id": [f"c{i}" for i in range(len(scores))], "text": "Fine.", "score": scores}
    )
    path = tmp_path / "stars.csv"
    frame.to_csv(path, index=False)
    return path


def _config(tmp_path: Path, source: Path, **scale: object) -> Config:
    return Config.model_validate(
        {
            "db_path": tmp_path / "db.duckdb",
            "sources": [{"path": source}],
            "clean": {"redact": ["email"]},
            "scale": scale,
        }
    )


def test_a_five_point_column_under_nps_stops_and_names_the_scale(tmp_path: Path) -> None:
    config = _config(tmp_path, _five_point_file(tmp_path))
    with Store(config.db_path) as store, pytest.raises(IngestError) as raised:
        ingest(config, store, progress=False)
    message = str(raised.value)
    assert "within 1–5" in message and 'kind = "csat5"' in message
    assert "scale.confirmed=true" in message
    with Store(config.db_path) as store:
        assert store.count("comments") == 0  # nothing stored before the check


def test_the_configured_scale_drives_the_figures(tmp_path: Path) -> None:
    config = _config(tmp_path, _five_point_file(tmp_path), kind="stars5")
    assert (config.ingest.score_min, config.ingest.score_max) == (1, 5)
    with Store(config.db_path) as store:
        summary = ingest(config, store, progress=False)
        comments = store.comments()
    assert summary.kept == 100 and summary.rejected == 0
    stat = overall_nps(comments, config.scale.scale())
    assert stat is not None
    assert (stat.promoters, stat.passives, stat.detractors) == (50, 20, 30)
    assert stat.nps == pytest.approx(20.0)


def test_confirmed_keeps_the_nps_reading(tmp_path: Path) -> None:
    config = _config(tmp_path, _five_point_file(tmp_path), confirmed=True)
    with Store(config.db_path) as store:
        assert ingest(config, store, progress=False).kept == 100


def test_custom_scale_needs_all_four_values(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[scale]\nkind = "custom"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="promoter_min"):
        load_config(path)
    path.write_text('[scale]\nkind = "custom"\ncustom = [1, 7, 4, 6]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="detractor_max < promoter_min"):
        load_config(path)
    path.write_text('[scale]\nkind = "custom"\ncustom = [1, 7, 7, 4]\n', encoding="utf-8")
    scale = load_config(path).scale.scale()
    assert list(scale.codes([1, 4, 5, 6, 7])) == [-1, -1, 0, 0, 1]


def test_the_cli_names_the_scale_and_takes_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from insight.cli import app

    data = _five_point_file(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text(
        f'db_path = "{tmp_path / "cli.duckdb"}"\n[clean]\nredact = ["email"]\n', encoding="utf-8"
    )
    runner = CliRunner()
    refused = runner.invoke(app, ["ingest", str(data), "--config", str(config), "--quiet"])
    assert refused.exit_code != 0 and "csat5" in refused.output
    taken = runner.invoke(
        app, ["ingest", str(data), "--config", str(config), "--quiet", "--scale", "stars5"]
    )
    assert taken.exit_code == 0, taken.output
    assert "kept 100 + rejected 0" in taken.output


def test_a_mean_score_scale_reads_back_its_mean_with_honest_intervals() -> None:
    scale = AdvocacyScale("custom", 1, 7, 6, 3, measure="mean")
    assert list(scale.codes([1, 4, 7])) == [-1.0, 0.0, 1.0]
    assert list(scale.groups([1, 3, 4, 5, 6, 7])) == [
        -1,
        -1,
        0,
        0,
        1,
        1,
    ]  # the cuts still name groups
    rng = np.random.default_rng(0)
    p = np.array([0.05, 0.05, 0.1, 0.2, 0.25, 0.2, 0.15])
    scores = rng.choice(np.arange(1, 8), size=4000, p=p)
    stat = nps_from_codes(scale.codes(scores))
    assert stat is not None and scale.metric == "Score index"
    assert scale.mean_score(stat.nps) == pytest.approx(scores.mean())
    codes = scale.codes(scores)
    assert stat.se == pytest.approx(100 * codes.std() / np.sqrt(len(codes)), rel=0.01)
    truth = 100 * float(p @ scale.codes(np.arange(1, 8)))
    covered = []
    for _ in range(1000):
        small = nps_from_codes(scale.codes(rng.choice(np.arange(1, 8), size=40, p=p)))
        assert small is not None
        covered.append(small.ci_low <= truth <= small.ci_high)
    assert 0.92 <= np.mean(covered) <= 0.98


def test_value_at_stake_needs_promoters_so_a_mean_scale_refuses_it() -> None:
    with pytest.raises(ValueError, match="measure"):
        Config.model_validate(
            {
                "scale": {"measure": "mean"},
                "value": {"customers": 1000, "value_per_promoter": 10, "cost_per_detractor": 10},
            }
        )


def test_every_surface_reads_the_mean_score_index(fitted_demo: Config, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import DEV_ADMIN_KEY, Settings
    from insight.engine import Engine

    from .conftest import writable_copy

    path = writable_copy(fitted_demo, tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "[report]\n", "[report]\nperiod_boundary = 2026-10-01\n"
    )
    path.write_text(text + '[scale]\nmeasure = "mean"\n', encoding="utf-8")
    config = load_config(path)
    with Store(config.db_path) as store:
        report = Engine(config, store).report(tmp_path / "report")["md"].read_text("utf-8")
        comments = store.comments()
    mean = comments["score"].dropna().mean()
    assert f"**Score index {100 * (mean / 5 - 1):+.1f}**" in report
    assert f"mean score {mean:.2f} on 0–10" in report and "NPS" not in report
    with TestClient(create_app(Settings(config=path))) as client:
        headers = {"X-API-Key": DEV_ADMIN_KEY}
        body = client.get("/v1/topics", headers=headers).json()
        change = client.get(
            "/v1/changes",
            params={"before_end": "2026-10-01", "after_start": "2026-10-01"},
            headers=headers,
        ).json()
    assert body["metric"] == "Score index"
    assert body["overall"]["nps"] == pytest.approx(100 * (mean / 5 - 1))
    lines = sum(line["total"] for line in change["lines"])
    assert lines == pytest.approx(change["delta"], abs=1e-9)
    assert change["nps_before"] != change["nps_after"]
