"""Topic model on real text (Banking77 queries, CC BY 4.0, read from ../shared/data)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from insight.errors import NotFittedError
from insight.models.embedder import MiniLMEmbedder
from insight.models.theme_merge import capped_average_linkage, theme_groups
from insight.models.topic_labels import label_or_example, make_label
from insight.models.topic_model import (
    OUTLIER,
    TopicModel,
    auto_min_topic_size,
    exact_knn,
)
from tests.conftest import shared_data

Slice = tuple[list[str], list[str], np.ndarray]


@pytest.fixture(scope="module")
def fitted(banking_slice: Slice, embedder: MiniLMEmbedder) -> TopicModel:
    texts, _, vectors = banking_slice
    return TopicModel(min_topic_size=10, seed=7).fit(texts, vectors, embed=embedder.encode)


def test_recovers_intents(fitted: TopicModel, banking_slice: Slice) -> None:
    _, intents, _ = banking_slice
    assert fitted.labels_ is not None
    assert 4 <= len(fitted.topics_) <= 12
    nmi = normalized_mutual_info_score(intents, fitted.labels_)
    assert nmi > 0.6, f"NMI {nmi:.2f} against the six Banking77 intents"
    for topic in fitted.topics_:
        assert topic.label and topic.keywords and 1 <= len(topic.quotes) <= 3
        assert topic.size == int(np.sum(fitted.labels_ == topic.topic_id))


def test_same_seed_same_topics(
    fitted: TopicModel, banking_slice: Slice, embedder: MiniLMEmbedder
) -> None:
    texts, _, vectors = banking_slice
    again = TopicModel(min_topic_size=10, seed=7).fit(texts, vectors, embed=embedder.encode)
    assert fitted.labels_ is not None and again.labels_ is not None
    assert np.array_equal(fitted.labels_, again.labels_)
    assert [t.label for t in fitted.topics_] == [t.label for t in again.topics_]


def test_save_load_and_tag_agreement(
    fitted: TopicModel, banking_slice: Slice, tmp_path: Path
) -> None:
    _, _, vectors = banking_slice
    folder = fitted.save(tmp_path / "model")
    loaded = TopicModel.load(folder)
    assert [t.label for t in loaded.topics_] == [t.label for t in fitted.topics_]
    labels, confidence = loaded.transform(vectors)
    # the fit's assignments are the tagger's own, so re-tagging the fitted mentions reproduces them
    assert np.array_equal(labels, fitted.labels_)
    assert ((confidence > 0) & (confidence <= 1)).all()
    # the saved arrays are plain numeric arrays: loading never unpickles anything
    with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
        assert all(arrays[k].dtype != object for k in arrays.files)


def test_subtopics_sit_under_their_theme_and_tagging_reproduces_both_levels(
    fitted: TopicModel, banking_slice: Slice, tmp_path: Path
) -> None:
    """Two levels stored at fit time: every subtopic has one parent theme, a mention's theme is
    its subtopic's parent, and the saved model tags the fitted mentions as the fit did."""
    _, intents, vectors = banking_slice
    assert fitted.labels_ is not None and fitted.subtopic_labels_ is not None
    themes = {t.topic_id for t in fitted.topics_}
    assert len(fitted.subtopics_) >= len(fitted.topics_)
    assert all(s.parent in themes for s in fitted.subtopics_)
    parents = fitted.tree_.themes_of(fitted.subtopic_labels_)
    assert np.array_equal(parents, fitted.labels_)
    for sub in fitted.subtopics_:
        assert sub.label and sub.size == int(np.sum(fitted.subtopic_labels_ == sub.topic_id))
    loaded = TopicModel.load(fitted.save(tmp_path / "model"))
    tagged, _, subtopics = loaded.tag(vectors)
    assert np.array_equal(tagged, fitted.labels_)
    assert np.array_equal(subtopics, fitted.subtopic_labels_)
    assert [s.parent for s in loaded.subtopics_] == [s.parent for s in fitted.subtopics_]
    # the finer level separates the intents at least as well as the themes do
    fine = normalized_mutual_info_score(intents, fitted.subtopic_labels_)
    assert fine >= normalized_mutual_info_score(intents, fitted.labels_) - 1e-9


def test_a_one_level_model_saved_before_subtopics_still_loads_and_tags(
    fitted: TopicModel, banking_slice: Slice, tmp_path: Path
) -> None:
    _, _, vectors = banking_slice
    folder = fitted.save(tmp_path / "model")
    document = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    themes, _ = fitted.transform(vectors)
    for key in ("subtopics", "parents"):
        document.pop(key)
    document["format_version"] = 1
    with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
        saved = {k: arrays[k] for k in arrays.files}
    saved["index_labels"] = fitted.tree_.themes_of(saved["index_labels"]).astype(np.int32)
    np.savez(folder / "arrays.npz", **saved)
    (folder / "model.json").write_text(json.dumps(document), encoding="utf-8")
    old = TopicModel.load(folder)
    assert old.subtopics_ == []
    tagged, _, subtopics = old.tag(vectors)
    assert np.array_equal(tagged, themes) and np.array_equal(subtopics, tagged)


FIELDS = (("Negative_Review", "No Negative"), ("Positive_Review", "No Positive"))


@pytest.fixture(scope="module")
def hotel_fields(embedder: MiniLMEmbedder) -> tuple[list[str], np.ndarray]:
    """3,000 real review fields (hotel_reviews, CC0, read from ../shared), with embeddings."""
    path = shared_data("hotel_reviews", "Hotel_Reviews_Britannia_Canary_Wharf.csv")
    texts: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column, empty in (
                ("Negative_Review", "No Negative"),
                ("Positive_Review", "No Positive"),
            ):
                text = " ".join(row[column].split())
                if text and text != empty and len(texts) < 3000:
                    texts.append(text)
    return texts, embedder.encode(texts)


def test_new_data_of_the_same_kind_is_tagged_like_the_fit(
    hotel_fields: tuple[list[str], np.ndarray],
) -> None:
    """Fit on half the reviews, tag the other half: outlier and topic shares match the fit's.
    (HDBSCAN's own labels gave 10% outliers fitted vs 0.2% tagged on these reviews.)"""
    texts, vectors = hotel_fields
    half = np.random.default_rng(0).random(len(texts)) < 0.5  # fields alternate: shuffle
    model = TopicModel(seed=7).fit(
        [t for t, h in zip(texts, half, strict=True) if h], vectors[half]
    )
    assert model.labels_ is not None
    tagged, _ = model.transform(vectors[~half])
    ids = [OUTLIER, *(t.topic_id for t in model.topics_)]
    fitted_shares = np.array([np.mean(model.labels_ == t) for t in ids])
    tagged_shares = np.array([np.mean(tagged == t) for t in ids])
    gap = np.abs(fitted_shares - tagged_shares)
    assert gap.max() <= 0.03, (
        f"shares fitted {fitted_shares.round(3)} tagged {tagged_shares.round(3)}"
    )


def test_new_text_tagged_to_the_matching_topic(
    fitted: TopicModel, embedder: MiniLMEmbedder
) -> None:
    labels, confidence = fitted.transform(embedder.encode(["what is the euro exchange rate?"]))
    rate_topics = [t.topic_id for t in fitted.topics_ if "rate" in " ".join(t.keywords)]
    assert labels[0] in rate_topics and confidence[0] > 0.5


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError, match="insight fit"):
        TopicModel.load(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format_version": 99}))
    with pytest.raises(NotFittedError, match="unsupported format"):
        TopicModel.load(tmp_path)
    with pytest.raises(NotFittedError):
        TopicModel().transform(np.zeros((1, 384), dtype=np.float32))


def test_fit_input_checks() -> None:
    with pytest.raises(ValueError, match="at least 20"):
        TopicModel().fit(["a"] * 5, np.ones((5, 384), dtype=np.float32))
    with pytest.raises(ValueError, match="embeddings"):
        TopicModel().fit(["a"] * 30, np.ones((29, 384), dtype=np.float32))


def test_helpers() -> None:
    assert auto_min_topic_size(100) == 10
    assert auto_min_topic_size(20_000) == 100
    assert auto_min_topic_size(10_000_000) == 500
    assert make_label(["refund", "refund slow", "slow", "money"]) == "Refund · refund slow · money"
    assert make_label(["sort sort", "ring"]) == "Ring"
    assert make_label([]) == "Unlabelled"
    # A group without distinctive words shows its most typical text rather than "Unlabelled".
    assert label_or_example([], "  keep it\nup ") == "keep it up"
    assert label_or_example(["sort sort"], "Call me on [PHONE].") == "Call me on [PHONE]."
    assert label_or_example(["refund", "slow"], "anything") == "Refund · slow"
    assert label_or_example([], "x" * 80) == "x" * 39 + "…"
    assert label_or_example([], "") == "Unlabelled"
    assert OUTLIER == -1


def test_exact_knn_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    indices, distances = exact_knn(unit, 5, block=64)
    sims = unit @ unit.T
    np.fill_diagonal(sims, np.inf)
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :5]
    assert np.array_equal(indices[:, 0], np.arange(300)) and (distances[:, 0] == 0).all()
    assert np.array_equal(np.sort(indices, axis=1), np.sort(expected, axis=1))
    assert (np.diff(distances, axis=1) >= -1e-6).all()


FIT_SCRIPT = """
import sys, numpy as np
from insight.models.topic_model import TopicModel
vectors = np.load(sys.argv[1])
texts = [f"text {i}" for i in range(len(vectors))]
model = TopicModel(seed=3, merge_distance=0.0).fit(texts, vectors)
np.save(sys.argv[2], model.labels_)
"""


@pytest.mark.slow
def test_fit_is_reproducible_across_processes(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    """Over 4,096 points UMAP's approximate search used an unseeded RNG; exact kNN fixes it."""
    import csv
    import subprocess
    import sys

    from .conftest import shared_data

    with shared_data("banking77", "train.csv").open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)][:5000]
    np.save(tmp_path / "v.npy", embedder.encode(texts))
    script = tmp_path / "fit.py"
    script.write_text(FIT_SCRIPT)
    for run in ("a", "b"):
        subprocess.run(
            [sys.executable, str(script), str(tmp_path / "v.npy"), str(tmp_path / f"{run}.npy")],
            check=True,
        )
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))


def test_theme_merge_keeps_praise_and_complaints_apart() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 384))
    # Clusters 0 and 1 are close in meaning (one theme); cluster 2 is far from both.
    centres = [base[0], base[0] + 0.3 * base[1], base[2]]
    labels = np.repeat([0, 1, 2], 30)
    embeddings = np.stack([centres[t] + 0.05 * rng.normal(size=384) for t in labels])
    praise_vs_complaint = np.where(labels == 1, 0.05, 0.9)  # cluster 1 is all complaints
    same_tone = np.full(len(labels), 0.9)
    assert theme_groups(labels, embeddings, same_tone, [], (0.3, 0.4, 1.0)) == [[0, 1]]
    assert theme_groups(labels, embeddings, praise_vs_complaint, [], (0.3, 0.4, 1.0)) == []
    # ... unless both name the same subject: praise and complaints of "staff" are one theme
    staff = {0: {"staff"}, 1: {"staff"}, 2: {"parking"}}
    app_vs_fix = {0: {"issue"}, 1: {"app update"}, 2: {"parking"}}
    limits = (0.3, 0.4, 1.0)
    assert theme_groups(labels, embeddings, praise_vs_complaint, [], limits, staff) == [[0, 1]]
    assert theme_groups(labels, embeddings, praise_vs_complaint, [], limits, app_vs_fix) == []
    assert theme_groups(labels, embeddings, None, [], (0.3, 1.0, 1.0)) == [[0, 1]]
    # a theme may not hold more than max_theme_share of the mentions (here 60 of 90 > 0.5)
    assert theme_groups(labels, embeddings, same_tone, [], (0.3, 1.0, 0.5)) == []
    # filler clusters form one group of their own, never joined to a subject's theme
    assert theme_groups(labels, embeddings, same_tone, [0, 2], (0.3, 0.4, 1.0)) == [[0, 2]]


def test_too_many_themes_cut_higher_up_to_orthogonal() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(6, 384))
    # three pairs of clusters (0.02 apart within a pair, 0.52-0.61 between pairs) and a seventh
    # cluster opposite to all of them (cosine distance > 1)
    pairs = [base[i] + 0.25 * base[3] * (j == 0) for i in range(3) for j in range(2)]
    shared = [p + 0.9 * base[4] for p in pairs]
    centres = [*shared, -2.0 * base[4]]
    labels = np.repeat(np.arange(7), 20)
    embeddings = np.stack([centres[t] + 0.02 * rng.normal(size=384) for t in labels])
    limits = (0.2, 1.0, 1.0)
    assert theme_groups(labels, embeddings, None, [], limits) == [[0, 1], [2, 3], [4, 5]]
    assert theme_groups(labels, embeddings, None, [], limits, max_themes=4) == [
        [0, 1],
        [2, 3],
        [4, 5],
    ]
    assert theme_groups(labels, embeddings, None, [], limits, max_themes=2) == [[0, 1, 2, 3, 4, 5]]
    # never past orthogonal centroids, even when more themes remain than asked for
    assert theme_groups(labels, embeddings, None, [], limits, max_themes=1) == [[0, 1, 2, 3, 4, 5]]


def test_capped_average_linkage() -> None:
    distances = np.array(
        [[0.0, 0.1, 0.2, 0.9], [0.1, 0.0, 0.15, 0.9], [0.2, 0.15, 0.0, 0.9], [0.9, 0.9, 0.9, 0.0]]
    )
    sizes = np.array([10, 10, 10, 10])
    assert capped_average_linkage(distances, sizes, 0.5, 100) == [[0, 1, 2]]
    assert capped_average_linkage(distances, sizes, 0.5, 20) == [[0, 1]]
    assert capped_average_linkage(distances, sizes, 0.05, 100) == []
    walled = distances.copy()
    walled[0, 2] = walled[2, 0] = 2.0  # a hard wall: 0 and 2 never share a theme
    assert capped_average_linkage(walled, sizes, 0.5, 100) == [[0, 1]]
    # over the cap, a group splits where its tree branches: 2 (0.2 from 0 and 1) stays alone
    # rather than joining 3 (0.45 away) only because the {0, 1, 2} theme was full
    near_three = np.array(
        [[0.0, 0.1, 0.2, 0.9], [0.1, 0.0, 0.2, 0.9], [0.2, 0.2, 0.0, 0.45], [0.9, 0.9, 0.45, 0.0]]
    )
    assert capped_average_linkage(near_three, sizes, 0.5, 25) == [[0, 1]]
    assert capped_average_linkage(near_three, sizes, 0.5, 30) == [[0, 1, 2]]


@pytest.mark.slow
def test_fit_on_a_duplicate_heavy_corpus_is_reproducible(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    """Survey text repeats itself, so the kNN graph falls apart into islands; UMAP's spectral
    start was not reproducible there (the demo's 11k mentions gave 1.3%–2.9% outliers run to run).
    The PCA start (the default) is."""
    from insight.demo.generator import write_corpus
    from insight.engine import Engine

    from .conftest import demo_config

    write_corpus(tmp_path / "demo", n_comments=6000, seed=7)
    config = demo_config(tmp_path / "demo", tmp_path)
    with Engine.open(config) as engine:
        engine.ingest(progress=False)
        texts = engine.store.mentions()["text"].tolist()
    vectors = embedder.encode(texts)
    first = TopicModel().fit(texts, vectors).labels_
    second = TopicModel().fit(texts, vectors).labels_
    assert first is not None and second is not None
    assert np.array_equal(first, second)
