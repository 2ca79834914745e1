"""Shared fixtures: expensive models load once per session; data is small and real."""

from __future__ import annotations

import os

# Before anything imports transformers: a hidden hub download must fail loudly.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import csv
from pathlib import Path

import numpy as np
import pytest

from insight.config import Config, load_config
from insight.models.embedder import MiniLMEmbedder

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """Path into ../shared/data, skipping the test with a clear reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public test data not found at {path} (CI always has ../shared)")
    return path


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    model = MiniLMEmbedder()
    model.encode(["warm up"])
    return model


@pytest.fixture(scope="session")
def banking77() -> list[tuple[str, str]]:
    """(text, intent) rows of the Banking77 test split (CC BY 4.0, read from ../shared)."""
    path = shared_data("banking77", "test.csv")
    with path.open(encoding="utf-8") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


@pytest.fixture(scope="session")
def banking_slice(
    banking77: list[tuple[str, str]], embedder: MiniLMEmbedder
) -> tuple[list[str], list[str], np.ndarray]:
    """Six clearly different intents, 40 queries each, with embeddings."""
    intents = [
        "card_arrival",
        "exchange_rate",
        "lost_or_stolen_card",
        "pin_blocked",
        "top_up_failed",
        "cash_withdrawal_charge",
    ]
    rows = [r for i in intents for r in [x for x in banking77 if x[1] == i][:40]]
    texts = [t for t, _ in rows]
    return texts, [c for _, c in rows], embedder.encode(texts)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo corpus (same generator as `make demo`, fewer comments)."""
    from insight.demo.generator import write_corpus

    folder = tmp_path_factory.mktemp("demo")
    write_corpus(folder, n_comments=700, seed=2026)
    return folder


def demo_config(demo_dir: Path, work: Path, **overrides: object) -> Config:
    """The bundled demo config pointed at ``demo_dir`` with outputs under ``work``."""
    base = load_config(REPO / "configs" / "demo.toml")
    sources = [s.model_copy(update={"path": demo_dir / s.path.name}) for s in base.sources]
    data = base.model_dump()
    data.update(
        db_path=work / "test.duckdb",
        artifacts_dir=work / "artifacts",
        sources=[s.model_dump() for s in sources],
    )
    data["report"]["out_dir"] = work / "reports"
    for dotted, value in overrides.items():
        section, key = dotted.split(".")
        data[section][key] = value
    return Config.model_validate(data)


@pytest.fixture(scope="session")
def fitted_demo(
    demo_dir: Path, tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder
) -> Config:
    """The small demo corpus ingested and fitted once per session (do not write to it)."""
    from insight.engine import Engine

    work = tmp_path_factory.mktemp("fitted")
    config = demo_config(demo_dir, work)
    with Engine.open(config, embedder=embedder) as engine:
        engine.ingest(progress=False)
        engine.fit(progress=False)
    return config


def writable_copy(config: Config, folder: Path) -> Path:
    """A config file for a copy of ``config``'s database (the model is inside it), for the API."""
    import shutil

    db = folder / "api.duckdb"
    shutil.copy(config.db_path, db)
    path = folder / "api.toml"
    path.write_text(
        f'db_path = "{db}"\n'
        f"[report]\nmin_topic_volume_for_nps = {config.report.min_topic_volume_for_nps}\n",
        encoding="utf-8",
    )
    return path
