"""Names that mark a comment's segment (who, not what) are found from the data and kept out of
what the topic model embeds and labels, at fit and when tagging."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from insight.config import ColumnMap, Config, SourceConfig
from insight.engine import Engine
from insight.models.embedder import MiniLMEmbedder
from insight.models.segment_markers import find_markers, marker_pattern
from insight.models.subject import subject_text

AIRLINES = ("United", "Delta", "JetBlue")


def test_names_tied_to_one_segment_are_markers() -> None:
    texts, segments = [], []
    for i in range(60):
        airline = AIRLINES[i % 3]
        texts.append(f"Hey {airline}, my bag was lost" if i % 2 else f"@{airline} flight late")
        segments.append(airline)
    # a subject only one segment complains about is a lower-case word: never a marker
    texts += ["the parking at this airport is awful"] * 10
    segments += ["Delta"] * 10
    # a name spread over the segments is not one either
    texts += [f"flew to London with you, {a} crew" for a in AIRLINES for _ in range(3)]
    segments += [a for a in AIRLINES for _ in range(3)]
    assert find_markers(texts, segments) == ["delta", "jetblue", "united"]
    assert find_markers(texts, ["Delta"] * len(texts)) == []  # one segment: nothing to tell
    assert find_markers(texts, [None] * len(texts)) == []
    # comments without a segment (None, or NaN from a data frame) are no segment of their own
    unknown = [None if i % 2 else float("nan") for i in range(40)]
    more = ["Heathrow lounge was packed"] * 40
    assert find_markers([*texts, *more], [*segments, *unknown]) == ["delta", "jetblue", "united"]


def test_markers_leave_the_subject() -> None:
    pattern = marker_pattern(["united", "delta"])
    assert subject_text("Hey United, my bag never arrived", pattern) == "Hey , my bag never arrived"
    assert subject_text("@delta DELTA lost it", pattern) == "lost it"
    assert subject_text("a united front", pattern) == "a front"
    assert subject_text("Unitedly we stand", pattern) == "Unitedly we stand"
    assert subject_text("Delta", pattern) == "Delta"  # nothing else left: the text itself
    assert marker_pattern([]) is None


def _source(folder: Path, rows: list[tuple[str, str, str]]) -> SourceConfig:
    path = folder / "requests.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "airline"])
        writer.writerows(rows)
    return SourceConfig(
        path=path, channel="social", columns=ColumnMap(id="id", text="text", segment="airline")
    )


def test_fit_and_tag_ignore_the_addressee(
    banking_slice: tuple[list[str], list[str], np.ndarray],
    embedder: MiniLMEmbedder,
    tmp_path: Path,
) -> None:
    """Real requests, each addressed to an airline by name: the fit finds the names, no label
    carries one, and a request tags the same whoever it is addressed to."""
    texts, _, _ = banking_slice
    rows = [
        (f"r{i}", f"Hey {AIRLINES[i % 3]}, {text}", AIRLINES[i % 3]) for i, text in enumerate(texts)
    ]
    config = Config(
        db_path=tmp_path / "t.duckdb",
        artifacts_dir=tmp_path / "a",
        sources=(_source(tmp_path, rows),),
    )
    with Engine.open(config, embedder=embedder) as engine:
        engine.ingest(progress=False, alerts=False)
        fit = engine.fit(progress=False)
        model = engine.cache.model(config, engine.store, fit.model_id)
        assert {"united", "delta", "jetblue"} <= set(model.meta_["segment_markers"])
        labels = " ".join(t.label.lower() for t in [*model.topics_, *model.subtopics_])
        assert not any(a.lower() in labels for a in AIRLINES)
        query = texts[0]
        records = [{"id": f"q{i}", "text": f"Hey {a}, {query}"} for i, a in enumerate(AIRLINES)]
        tagged = engine.tag_records([*records, {"id": "plain", "text": query}], persist=False)
        assert tagged.mentions["subtopic_id"].nunique() == 1
        assert tagged.mentions["topic_id"].nunique() == 1
        addressed = tagged.mentions["comment_id"].str.startswith("q").to_numpy()
        assert tagged.vectors is not None
        vectors = tagged.vectors[addressed]
        assert float((vectors @ vectors.T).min()) > 0.9999  # the name changed nothing embedded
