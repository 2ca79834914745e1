"""One engine, one path: `insight tag`, `POST /v1/tag` and the Ray worker give the same topics
and labels for the same text after a rename, a merge and a split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.settings import DEV_ADMIN_KEY, Settings
from insight.cli import app
from insight.config import Config, load_config
from insight.engine import Engine
from insight.pipelines.distributed import build_tagger, tag_frame

from .conftest import writable_copy

ADMIN = {"X-API-Key": DEV_ADMIN_KEY}


def test_cli_api_and_ray_label_alike_after_edits(fitted_demo: Config, tmp_path: Path) -> None:
    config_file = writable_copy(fitted_demo, tmp_path)
    with Engine.open(load_config(config_file), read_only=True) as engine:
        model_id = engine.taxonomy().model_id
        fitted = engine.store.assignments(model_id, origin="fit")
    largest = fitted[fitted["topic_id"] >= 0]["topic_id"].value_counts().index[:4].tolist()
    # two clause-sized texts from each of the four largest topics
    texts = [
        t
        for topic in largest
        for t in fitted.loc[fitted["topic_id"] == topic, "text"].drop_duplicates().head(2)
    ]
    with TestClient(create_app(Settings(config=config_file))) as client:
        edits = [
            client.post(
                f"/v1/topics/{largest[0]}/rename", json={"label": "Renamed"}, headers=ADMIN
            ),
            client.post(
                "/v1/topics/merge",
                json={"topic_ids": largest[1:3], "label": "Together"},
                headers=ADMIN,
            ),
            client.post(
                f"/v1/topics/{largest[3]}/split",
                json={"parts": 2, "labels": ["Part one", "Part two"]},
                headers=ADMIN,
            ),
        ]
        assert [e.status_code for e in edits] == [200, 200, 200]
        body = {"comments": [{"id": f"c{i}", "text": t} for i, t in enumerate(texts)]}
        tagged = client.post("/v1/tag", json=body, headers=ADMIN)
        assert tagged.status_code == 200
    api = {
        (c["id"], m["text"]): (m["topic_id"], m["topic_label"])
        for c in tagged.json()["comments"]
        for m in c["mentions"]
    }

    source = tmp_path / "new.csv"
    pd.DataFrame({"id": [f"c{i}" for i in range(len(texts))], "text": texts}).to_csv(
        source, index=False
    )
    out = tmp_path / "tagged.csv"
    result = CliRunner().invoke(
        app, ["tag", str(source), "--config", str(config_file), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    cli_rows = pd.read_csv(out)
    cli = {(r.comment_id, r.text): (int(r.topic_id), r.label) for r in cli_rows.itertuples()}

    with Engine.open(load_config(config_file), read_only=True) as engine:
        spec = engine.model_spec()
    ids = [f"c{i}" for i in range(len(texts))]
    ray_rows = tag_frame(build_tagger(spec), pd.DataFrame({"id": ids, "text": texts}))
    ray = {
        (r.comment_id, r.text): (int(r.topic_id), r.label)
        for r in ray_rows.dropna(subset=["position"]).itertuples()
    }

    assert api == cli == ray
    labels = {label for _, label in api.values()}
    assert {"Renamed", "Together"} <= labels  # the edits are applied on every path
    assert labels & {"Part one", "Part two"}
