"""Sentiment per clause, rolled up to comments; the shipped head and how it is rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from insight.errors import IngestError, ModelPackageError
from insight.models.embedder import MiniLMEmbedder
from insight.models.sentiment import SentimentHead, VaderOnly, mask_names, rollup
from insight.pipelines import sentiment_corpora as corpora
from insight.pipelines.segment import Segmenter
from insight.pipelines.sentiment import (
    comment_sentiment,
    fit_head,
    load_labelled_csv,
    load_public_mix,
    score_mentions,
    source_weights,
    train_head,
)
from insight.pipelines.sentiment_corpora import EMOTIONS, LabelledSet

from .conftest import shared_data


@pytest.fixture(scope="module")
def head() -> SentimentHead:
    return SentimentHead.load()


def _score(head: SentimentHead, embedder: MiniLMEmbedder, texts: list[str]) -> list[str]:
    return score_mentions(head, texts, embedder.encode(texts))["label"].tolist()


def test_probabilities_are_three_classes(head: SentimentHead, embedder: MiniLMEmbedder) -> None:
    texts = ["Absolutely brilliant service", "The parcel arrived on Tuesday.", "Rude and slow"]
    p = head.proba(embedder.encode(texts), texts)
    assert p.shape == (3, 3) and np.allclose(p.sum(axis=1), 1.0)
    assert p.argmax(axis=1).tolist() == [2, 1, 0]
    assert head.temperature_ != 1.0  # calibrated on a held-out slice of the mix


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


QUESTIONS_AND_REQUESTS = [
    "What time does the flight to Denver board?",
    "Can you tell me my account balance?",
    "Please send me the invoice for March.",
    "How do I change my delivery address?",
]


def test_questions_and_requests_are_neutral(head: SentimentHead, embedder: MiniLMEmbedder) -> None:
    assert _score(head, embedder, QUESTIONS_AND_REQUESTS) == ["neutral"] * 4


def test_names_and_brands_carry_no_sentiment(head: SentimentHead, embedder: MiniLMEmbedder) -> None:
    assert (
        mask_names("@united thanks, Sarah at the desk was great")
        == " thanks,  at the desk was great"
    )
    texts = [f"{brand} my flight leaves at 6pm" for brand in ("@united", "@Delta", "@JetBlue")]
    labels, p = head.predict(embedder.encode(texts), texts)
    assert len(set(labels)) == 1 and np.ptp(p) < 0.15
    assert _score(head, embedder, ["@united", "Sarah"]) == ["neutral"] * 2


def test_emotions_per_mention(head: SentimentHead, embedder: MiniLMEmbedder) -> None:
    texts = [
        "Thank you so much for your help!",
        "I am furious, this is disgusting treatment",
        "I'm confused, which form do I need?",
        "The parcel arrived on Tuesday.",
    ]
    found = head.emotions(embedder.encode(texts))
    assert found == ["gratitude", "anger", "confusion", "none"]
    scored = score_mentions(head, texts, embedder.encode(texts))
    assert scored["emotion"].tolist() == found


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


def test_shipped_head_came_from_the_public_mix(head: SentimentHead) -> None:
    """The shipped head records the digest of exactly the data `insight train-sentiment` reads."""
    root = shared_data("uci_sentiment").parent
    data = load_public_mix(root, Segmenter().split_many)
    assert head.meta_["data_sha256"] == data.digest
    assert set(head.meta_["sources"]) == {"goemotions", "xed", "hotel", "uci", "clinc150"}
    assert head.emotions_ == tuple(EMOTIONS)


@pytest.mark.slow
def test_training_script_rebuilds_the_shipped_head(
    head: SentimentHead, embedder: MiniLMEmbedder
) -> None:
    root = shared_data("uci_sentiment").parent
    data = load_public_mix(root, Segmenter().split_many)
    rebuilt = fit_head(data, embedder.encode(data.texts))
    assert rebuilt.coef_ is not None and head.coef_ is not None
    # stated tolerance: coefficients within 1e-3 (lbfgs stops at a tolerance)
    assert np.allclose(rebuilt.coef_, head.coef_, atol=1e-3)
    assert rebuilt.temperature_ == pytest.approx(head.temperature_, rel=1e-3)


def test_users_labelled_csv(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    good = tmp_path / "mine.csv"
    good.write_text(
        "text,label\nlove the new app,positive\nthe app is broken,negative\n"
        "fast refund,1\nrefund never came,0\nwhere is my order,neutral\n"
    )
    data = load_labelled_csv(good)
    assert data.labels.tolist() == [2, 0, 2, 0, 1]
    trained = train_head(data, embedder.encode, embedder.model_id, c=10.0)
    assert trained.meta_["n"] == 5 and trained.meta_["classes"]["neutral"] == 1
    # mixed with a public source, the user's rows weigh as much as that whole source
    mixed = LabelledSet.concat([corpora.load_uci(shared_data("uci_sentiment").parent), data])
    weights = source_weights(mixed)
    user = np.asarray(mixed.groups) == "user"
    assert weights[user].sum() == pytest.approx(weights[~user].sum())
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

    data = LabelledSet.concat(
        [
            corpora.load_uci(shared_data("uci_sentiment").parent),
            corpora.load_clinc(shared_data("uci_sentiment").parent, n=300),
        ]
    )
    picks = list(range(0, 3300, 50))  # 66 sentences: reviews of three sources and requests
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
    assert model.proba(["great value"]).shape == (1, 3)
    with pytest.raises(ModelPackageError, match="--finetune"):
        FineTunedSentiment(tmp_path).predict(None, ["x"])
