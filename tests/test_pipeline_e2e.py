"""End to end on a slice of the demo corpus: ingest → fit → tag → report, on a real DuckDB file."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from insight.config import SourceConfig
from insight.engine import Engine
from insight.models.embedder import MiniLMEmbedder
from insight.store import Store

from .conftest import demo_config


@pytest.fixture(scope="module")
def fitted_run(
    demo_dir: Path, tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder
) -> tuple[object, Path]:
    work = tmp_path_factory.mktemp("e2e")
    config = demo_config(demo_dir, work)
    with Engine.open(config, embedder=embedder) as engine:
        summary = engine.ingest(progress=False)
        fit = engine.fit(progress=False)
        paths = engine.report()
    return (config, summary, fit, paths), work


def test_rows_accounted_for(fitted_run: tuple, demo_dir: Path) -> None:
    (config, summary, _, _), _ = fitted_run
    survey = pd.read_csv(demo_dir / "survey_responses.csv", encoding="latin-1")
    chat_lines = (demo_dir / "chat_transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    social = pd.read_parquet(demo_dir / "social_mentions.parquet")
    assert summary.rows_in == len(survey) + len(chat_lines) + len(social)
    assert summary.rows_in == summary.kept + summary.rejected
    with Store(config.db_path, read_only=True) as store:
        assert store.count("comments") == summary.kept
        rejects = store.rejects()
    assert len(rejects) == summary.rejected == 9
    reasons = " | ".join(rejects["reason"])
    for expected in (
        "score 11 is outside",
        "'ten' is not a number",
        "empty text",
        "duplicate id",
        "not valid utf-8",
        "invalid JSON",
    ):
        assert expected in reasons


def test_pii_never_stored(fitted_run: tuple, demo_dir: Path) -> None:
    (config, _, _, _), _ = fitted_run
    truth = pd.read_csv(demo_dir / "ground_truth.csv")
    with Store(config.db_path, read_only=True) as store:
        comments = store.comments()
        mentions = store.mentions()
    stored = " ".join(comments["text"]) + " ".join(mentions["text"])
    assert "@example.com" not in stored and "4111 1111 1111 1111" not in stored
    assert "07700 900" not in stored and "555-201-" not in stored
    pii_ids = set(truth.loc[truth["has_pii"], "id"])
    assert pii_ids, "the demo slice should contain planted PII"
    redacted = comments[comments["id"].isin(pii_ids)]["text"]
    assert redacted.str.contains(r"\[(?:EMAIL|PHONE|CARD)\]").all()


def test_agent_names_never_in_text_or_labels(fitted_run: tuple) -> None:
    """Names the data gives (the agent column) are redacted wherever a customer writes them,
    so no topic label or quote can carry one (the demo once shipped "Priya lovely")."""
    (config, _, fit, _), _ = fitted_run
    with Store(config.db_path, read_only=True) as store:
        comments = store.comments()
        labels = " ".join(t.label + " " + " ".join(t.keywords) for t in store.topics(fit.model_id))
    agents = set(comments["agent"].dropna())
    assert agents
    names = re.compile(rf"\b(?:{'|'.join(map(re.escape, agents))})\b", re.IGNORECASE)
    assert not names.search(" ".join(comments["text"]))
    assert not names.search(labels)
    assert comments["text"].str.contains(r"\[NAME\]").any()


def test_fit_and_tag_agree(fitted_run: tuple, demo_dir: Path, embedder: MiniLMEmbedder) -> None:
    (config, _, fit, _), _ = fitted_run
    assert fit.topics >= 3
    assert fit.tag_agreement >= 0.95
    # tagging the training file again (without storing) reproduces the fit's assignments
    source = next(s for s in config.sources if s.path.suffix == ".jsonl")
    with Engine.open(config, embedder=embedder) as engine:
        _, tagged = engine.tag_file(source, persist=False, progress=False)
        fitted = engine.store.assignments(fit.model_id, origin="fit")
    merged = tagged.merge(fitted, on="mention_id", suffixes=("_tag", "_fit"))
    assert len(merged) == len(tagged) > 0
    agreement = (merged["topic_id_tag"] == merged["topic_id_fit"]).mean()
    assert agreement >= 0.95, f"tag vs fit agreement {agreement:.3f}"


def test_tag_new_comments_and_store(
    fitted_run: tuple, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    (config, _, fit, _), _ = fitted_run
    new = tmp_path / "new.csv"
    new.write_text(
        "id,text,score\nn1,The app keeps crashing since the update,2\n"
        "n2,,5\nn3,Refund took three weeks but the staff were lovely,6\n"
    )
    with Engine.open(config, embedder=embedder) as engine:
        store = engine.store
        summary, tagged = engine.tag_file(SourceConfig(path=new), persist=True, progress=False)
        assert summary.rows_in == 3 and summary.kept == 2 and summary.rejected == 1
        assert set(tagged["comment_id"]) == {"n1", "n3"}
        assert len(tagged[tagged["comment_id"] == "n3"]) == 2  # two clauses, two mentions
        stored = store.assignments(fit.model_id, origin="tag")
        assert set(stored["comment_id"]) == {"n1", "n3"}
        # ingesting the same ids again is rejected, not double counted
        again = engine.ingest([SourceConfig(path=new)], progress=False)
        assert again.kept == 0 and again.rejected == 3


def test_report_is_readable(fitted_run: tuple) -> None:
    (_, _, fit, paths), _ = fitted_run
    markdown = paths["md"].read_text(encoding="utf-8")
    html = paths["html"].read_text(encoding="utf-8")
    assert fit.model_id in markdown and "## Topics by volume" in markdown
    assert "NPS" in markdown and "95% CI" in markdown and "> " in markdown
    assert '<table id="topics">' in html and 'id="overall-nps"' in html
    assert markdown.count("\n| ") >= fit.topics  # one row per topic at least
    # the demo config sets a period boundary: the report explains what changed, and why
    assert "## What changed: before 2026-10-01 vs from 2026-10-01" in markdown
    assert "## Key drivers" in markdown and 'id="delta-nps"' in html
    assert "value at stake £" in markdown  # the demo config sets the economics
    # the HTML page carries every section of the Markdown report
    for section in ('id="channels"', 'id="drags"', 'id="drivers"', 'id="change"'):
        assert section in html, section
    # what changed with complaints and praise apart, and the topics' leading emotions
    assert "### Complaints and praise apart" in markdown and 'id="change-by-side"' in html
    assert ": complaints |" in markdown or ": praise |" in markdown
    assert "| Emotion |" in markdown and "<th>Emotion</th>" in html
    assert "(at stake £" in markdown  # complaints and praise carry their money at stake
    # Markdown is not HTML-escaped; HTML is
    assert "&#39;" not in markdown and "&amp;" not in markdown
    assert "<script" not in html


def test_fit_on_a_sample_assigns_every_mention(
    fitted_demo: object, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    """The scale path: cluster a seeded sample, assign the rest in chunks; nothing left out."""
    import shutil

    from insight.config import Config

    assert isinstance(fitted_demo, Config)
    db = tmp_path / "sample.duckdb"
    shutil.copy(fitted_demo.db_path, db)
    data = fitted_demo.model_dump()
    data["db_path"] = db
    data["topics"] |= {"fit_sample": 500, "assign_chunk": 300}
    config = Config.model_validate(data)
    with Engine.open(config, embedder=embedder) as engine:
        store = engine.store
        result = engine.fit(progress=False)
        rows = store.assignments(result.model_id)
        mentions = store.count("mentions")
        sentiment = store.count("mention_sentiment")
    assert len(rows) == mentions == result.mentions > 500
    assert rows["origin"].value_counts().to_dict() == {"fit": 500, "assign": mentions - 500}
    assert sentiment == mentions
    assert result.tag_agreement > 0.9
    assigned = rows[rows["origin"] == "assign"]
    assert assigned["topic_id"].nunique() >= 0.6 * result.topics  # the rest spread over topics
