from __future__ import annotations

from pathlib import Path

import pytest

from insight.config import load_config
from insight.errors import ConfigError

from .conftest import REPO


def test_defaults_validate() -> None:
    config = load_config()
    assert config.topics.min_topic_size == "auto"
    assert config.embed.component == "insight.minilm.v1"


@pytest.mark.parametrize("name", ["default.toml", "demo.toml", "small.toml", "test.toml"])
def test_bundled_configs_load(name: str) -> None:
    config = load_config(REPO / "configs" / name)
    assert config.db_path.is_absolute()


def test_unknown_component_lists_valid_choices(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[segment]\ncomponent = "insight.clauses.v9"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "segment.component" in message
    assert "insight.clauses.v1" in message and "insight.sentences.v1" in message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("topics:\n  min_topic_sise: 5\n")
    with pytest.raises(ConfigError, match="min_topic_sise"):
        load_config(path)


def test_bad_value_and_overrides() -> None:
    with pytest.raises(ConfigError, match="min_topic_size"):
        load_config(None, {"topics.min_topic_size": 1})
    assert load_config(None, {"topics.min_topic_size": 25}).topics.min_topic_size == 25
    with pytest.raises(ConfigError, match="score_min"):
        load_config(None, {"ingest.score_min": 10, "ingest.score_max": 5})


def test_embed_precision_choices_and_cache_keys() -> None:
    from insight.pipelines.components import build_embedder

    with pytest.raises(ConfigError, match="precision"):
        load_config(None, {"embed.precision": "int4"})
    with pytest.raises(ConfigError, match="applies to insight"):
        load_config(None, {"embed.component": "insight.minilm_onnx.v1", "embed.precision": "bf16"})
    fp32 = build_embedder(load_config(None, {}))
    half = build_embedder(load_config(None, {"embed.precision": "bf16"}))
    assert fp32.model_id != half.model_id and half.model_id.endswith("+bf16")  # cached apart


def test_relative_paths_follow_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.toml"
    path.parent.mkdir()
    path.write_text('db_path = "../x.duckdb"\n[[sources]]\npath = "in.csv"\n')
    config = load_config(path)
    assert config.db_path == tmp_path / "x.duckdb"
    assert config.sources[0].path == tmp_path / "sub" / "in.csv"


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("db_path = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
