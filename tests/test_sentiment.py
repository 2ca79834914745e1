"""Sentiment per clause, rolled up to comments; the shipped head and how it is rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from insight.errors import IngestError, ModelPackageError
from insight.models.embedder import MiniLMEmbedder
from insight.models.polarity_cues import apply_cues, positive_cue
from insight.models.sentiment import SentimentHead, VaderOnly, rollup
from insight.pipelines.segment import Segmenter
from insight.pipelines.sentiment import (
    comment_sentiment,
    load_labelled_csv,
    load_uci,
    score_mentions,
    train_head,
)

from .conftest import shared_data


@pytest.fixture(scope="module")
def head() -> SentimentHead:
    return SentimentHead.load()


def _score(head: SentimentHead, embedder: MiniLMEmbedder, texts: list[str]) -> list[str]:
    return score_mentions(head, texts, embedder.encode(texts))["label"].tolist()


def test_mixed_comment_gives_one_sentiment_per_clause(
    head: SentimentHead, embedder: MiniLMEmbedder
) -> None:
    text = "The staff were lovely but the wait was awful."
    clauses = [text[s:e] for s, e in Segmenter().split(text)]
    assert clauses == ["The staff were lovely", "the wait was awful."]
    assert _score(head, embedder, clauses) == ["positive", "negative"]
    labels, p = head.predict(embedder.encode(clauses), clauses)
    label, _, mixed = rollup(labels, p.tolist())
    assert mixed and label in {"positive", "negative"}


def test_clear_cases(head: SentimentHead, embedder: MiniLMEmbedder) -> None:
    assert _score(
        head,
        embedder,
        [
            "Absolutely brilliant service, thank you!",
            "Terrible, rude and useless.",
            "not bad at all",
        ],
    ) == ["positive", "negative", "positive"]


SERVICE_PRAISE = [
    "can't fault the cleaners",
    "nothing wrong with the food",
    "they sorted out my problem without any fuss",
    "my problem was sorted on the first call",
    "the issue was resolved within a day",
    "never had an issue with them",
]
SERVICE_COMPLAINTS = [
    "still not fixed after three calls",
    "the fault still is not resolved",
    "finally fixed after three weeks of chasing",
    "nobody has sorted my refund",
    "never seen such problems",
]


def test_service_praise_reads_positive(head: SentimentHead, embedder: MiniLMEmbedder) -> None:
    """Review-trained embeddings read "problem"/"fault" as complaints; the cues correct that."""
    assert _score(head, embedder, SERVICE_PRAISE) == ["positive"] * len(SERVICE_PRAISE)
    assert all(label != "positive" for label in _score(head, embedder, SERVICE_COMPLAINTS))
    off = SentimentHead.load()
    off.use_cues = False  # what the head alone says: the reason the cues exist
    assert "negative" in _score(off, embedder, SERVICE_PRAISE)


def test_cues_only_ever_raise_a_score() -> None:
    texts = SERVICE_PRAISE + SERVICE_COMPLAINTS + ["I love it", "I hate it", ""]
    p = np.linspace(0.0, 1.0, len(texts))
    raised = apply_cues(texts, p)
    assert (raised >= p).all()
    assert [positive_cue(t) for t in SERVICE_COMPLAINTS] == [False] * len(SERVICE_COMPLAINTS)
    assert VaderOnly().predict(None, ["can't fault the cleaners"])[0] == ["positive"]


def test_rollup_rules() -> None:
    assert rollup([], []) == ("neutral", 0.5, False)
    assert rollup(["neutral", "neutral"], [0.5, 0.45]) == ("neutral", 0.475, False)
    assert rollup(["positive", "neutral"], [0.9, 0.5])[0] == "positive"
    label, p, mixed = rollup(["positive", "negative", "negative"], [0.8, 0.1, 0.2])
    assert mixed and label == "negative" and p == pytest.approx(1.1 / 3)


def test_comment_rollup_frame() -> None:
    import pandas as pd

    mentions = pd.DataFrame(
        {
            "comment_id": ["a", "a", "b"],
            "label": ["positive", "negative", "neutral"],
            "p_positive": [0.9, 0.1, 0.5],
        }
    )
    out = comment_sentiment(mentions).set_index("comment_id")
    assert bool(out.loc["a", "mixed"]) and not bool(out.loc["b", "mixed"])
    assert out.loc["b", "sentiment"] == "neutral"


def test_bad_input(head: SentimentHead, embedder: MiniLMEmbedder) -> None:
    texts = ["😡😡😡", "👍", "x" * 20_000, "."]
    labels, p = head.predict(embedder.encode(texts), texts)
    assert len(labels) == 4 and ((p >= 0) & (p <= 1)).all()
    # emoji alone carry no signal for MiniLM's vocabulary or VADER 3.3.2: neutral, not a guess
    assert labels[0] == labels[1] == "neutral"
    assert head.predict(np.zeros((0, 384)), [])[0] == []
    assert VaderOnly().predict(None, ["I love it", "I hate it"])[0] == ["positive", "negative"]


def test_head_files_are_safe_and_round_trip(head: SentimentHead, tmp_path: Path) -> None:
    path = head.save(tmp_path / "h.json")
    again = SentimentHead.load(path)
    assert again.coef_ is not None and head.coef_ is not None
    assert np.array_equal(again.coef_, head.coef_) and again.meta_ == head.meta_
    with np.load(tmp_path / "h.npz", allow_pickle=False) as arrays:
        assert all(arrays[k].dtype != object for k in arrays.files)
    with pytest.raises(ModelPackageError, match="train-sentiment"):
        SentimentHead.load(tmp_path / "missing.json")


def test_training_script_rebuilds_the_shipped_head(
    head: SentimentHead, embedder: MiniLMEmbedder
) -> None:
    data = load_uci(shared_data("uci_sentiment"))
    assert head.meta_["data_sha256"] == data.digest  # shipped head came from exactly this data
    rebuilt = train_head(data, embedder)
    assert rebuilt.coef_ is not None and head.coef_ is not None
    # stated tolerance: coefficients within 1e-4, identical training predictions
    assert np.allclose(rebuilt.coef_, head.coef_, atol=1e-4)
    assert rebuilt.meta_["training_accuracy"] == pytest.approx(head.meta_["training_accuracy"])


def test_users_labelled_csv(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    good = tmp_path / "mine.csv"
    good.write_text(
        "text,label\nlove the new app,positive\nthe app is broken,negative\n"
        "fast refund,1\nrefund never came,0\n"
    )
    data = load_labelled_csv(good)
    assert data.labels.tolist() == [1, 0, 1, 0]
    trained = train_head(data, embedder, c=10.0)
    assert trained.meta_["n"] == 4
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nok,maybe\n,1\n")
    with pytest.raises(IngestError, match="2 row"):
        load_labelled_csv(bad)
    no_label = tmp_path / "nolabel.csv"
    no_label.write_text("text\nhello\n")
    with pytest.raises(IngestError, match="needs columns"):
        load_labelled_csv(no_label)


def test_finetuned_option_round_trip(tmp_path: Path) -> None:
    """A tiny fine-tune (real UCI sentences, 1 epoch) saves safetensors and loads via config."""
    from insight.config import load_config
    from insight.models.finetuned import FineTunedSentiment, finetune
    from insight.pipelines.components import build_sentiment

    data = load_uci(shared_data("uci_sentiment"))
    picks = list(range(0, 3000, 50))  # 60 sentences across all three sources
    folder = finetune(
        [data.texts[i] for i in picks], data.labels[picks], tmp_path / "ft", epochs=1, batch_size=16
    )
    assert (folder / "model.safetensors").exists()
    assert not list(folder.glob("*.bin")) and not list(folder.glob("*.pt"))
    config = load_config(
        None, {"sentiment.component": "insight.finetuned.v1", "sentiment.head_path": str(folder)}
    )
    model = build_sentiment(config)
    assert isinstance(model, FineTunedSentiment)
    labels, p = model.predict(None, ["great value", "awful service"])
    assert len(labels) == 2 and ((p >= 0) & (p <= 1)).all()
    with pytest.raises(ModelPackageError, match="--finetune"):
        FineTunedSentiment(tmp_path).predict(None, ["x"])
