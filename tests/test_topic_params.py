"""Topic parameters are declared once (TopicParams) and validated wherever a model is built."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from insight.config import TopicsConfig
from insight.models.topic_model import TopicModel
from insight.models.topic_params import TopicParams

from .conftest import REPO


def test_estimator_validates_its_parameters() -> None:
    with pytest.raises(ValidationError, match="merge_distance"):
        TopicModel(merge_distance=5.0)
    with pytest.raises(ValidationError, match="min_topic_size"):
        TopicModel(min_topic_size=1)
    with pytest.raises(ValidationError):
        TopicModel(no_such_parameter=3)
    assert TopicModel(umap_neighbors=7).params()["umap_neighbors"] == 7


def test_config_and_estimator_share_defaults() -> None:
    defaults = TopicParams().model_dump()
    assert TopicsConfig().estimator_params() == defaults
    assert {k: v for k, v in TopicModel().params().items() if k != "seed"} == defaults
    # the documented defaults file may show a value only as the code declares it
    with (REPO / "configs" / "default.toml").open("rb") as handle:
        documented = tomllib.load(handle)["topics"]
    fields = TopicsConfig.model_fields
    for key, value in documented.items():
        assert value == fields[key].default, key
