"""The public sets read as 3-class sentiment: which rows map where, and which are left out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from insight.pipelines import sentiment_corpora as corpora
from insight.pipelines.sentiment_corpora import NEGATIVE, NEUTRAL, POSITIVE, LabelledSet


def _goemotions(root: Path) -> None:
    folder = root / "goemotions"
    folder.mkdir(parents=True)
    names = ["admiration", "anger", "surprise", "gratitude", "fear", "neutral"]
    (folder / "emotions.txt").write_text("\n".join(names) + "\n")
    (folder / "sentiment_dict.json").write_text(
        json.dumps(
            {
                "positive": ["admiration", "gratitude"],
                "negative": ["anger", "fear"],
                "ambiguous": ["surprise"],
            }
        )
    )
    rows = [
        ("great job", "0"),  # positive
        ("thanks, wow", "3,2"),  # positive + ambiguous: positive
        ("this is awful", "1"),  # negative
        ("it is Tuesday", "5"),  # neutral
        ("love it but scared", "0,4"),  # positive and negative: left out
        ("oh!", "2"),  # ambiguous alone: left out
    ]
    (folder / "train.tsv").write_text(
        "".join(f"{t}\t{y}\tid{i}\n" for i, (t, y) in enumerate(rows))
    )


def test_goemotions_polarity_and_emotions(tmp_path: Path) -> None:
    _goemotions(tmp_path)
    data = corpora.load_goemotions(tmp_path, ("train",))
    assert data.texts == ["great job", "thanks, wow", "this is awful", "it is Tuesday"]
    assert data.labels.tolist() == [POSITIVE, POSITIVE, NEGATIVE, NEUTRAL]
    texts, targets = corpora.load_goemotion_targets(tmp_path, "train")
    assert len(texts) == 6  # every row, mixed ones included
    names = list(corpora.EMOTIONS)
    assert targets[1, names.index("gratitude")] and targets[4, names.index("worry")]
    assert targets[0, names.index("joy")] and not targets[3].any()


def test_xed_mapping_and_neutral_lines(tmp_path: Path) -> None:
    folder = tmp_path / "xed" / "clean"
    folder.mkdir(parents=True)
    (folder / "en-annotated.tsv").write_text(
        "I love you\t5\nGet out!\t1, 3\nWhat?\t7\nHope and fear\t8, 4\nTrust me\t8, 2\n"
    )
    (folder / "neu_en.tsv").write_text("Two pair tens.\t0\nTwo pair tens.\t0\nI love you\t0\n")
    data = corpora.load_xed(tmp_path)
    assert data.texts == ["I love you", "Get out!", "Trust me", "Two pair tens."]
    assert data.labels.tolist() == [POSITIVE, NEGATIVE, POSITIVE, NEUTRAL]


def test_hotel_fields_and_the_neutral_set(tmp_path: Path) -> None:
    folder = tmp_path / "hotel_reviews"
    folder.mkdir()
    (folder / Path(corpora.HOTEL_FILE).name).write_text(
        "Negative_Review,Positive_Review\n"
        '" Nothing ", Great staff and a lovely view\n'
        "The wifi was slow,No Positive\n"
        "No Negative, None\n"
    )
    data = corpora.load_hotel(tmp_path, lambda texts: [[(0, len(t))] for t in texts])
    found = dict(zip(data.texts, data.labels.tolist(), strict=True))
    assert found == {
        "Nothing": NEUTRAL,
        "None": NEUTRAL,
        "Great staff and a lovely view": POSITIVE,
        "The wifi was slow": NEGATIVE,
    }


def test_sample_keeps_the_users_rows_and_shares_the_rest() -> None:
    data = LabelledSet(
        [f"t{i}" for i in range(100)],
        np.zeros(100, dtype=np.int64),
        ["a"] * 60 + ["b"] * 30 + ["user"] * 10,
    )
    picked = corpora.sample(data, 40)
    assert len(picked.texts) == 40
    assert picked.groups.count("user") == 10
    assert picked.groups.count("a") == picked.groups.count("b") == 15
    assert corpora.sample(data, 1000) is data


def _tiny_shared(root: Path) -> None:
    """Every source `insight train-sentiment` reads, a few rows each (same formats as upstream)."""
    folder = root / "goemotions"
    folder.mkdir(parents=True)
    names = [
        "anger", "annoyance", "disappointment", "confusion", "fear", "gratitude", "joy",
        "admiration", "neutral",
    ]  # fmt: skip
    (folder / "emotions.txt").write_text("\n".join(names) + "\n")
    (folder / "sentiment_dict.json").write_text(
        json.dumps(
            {
                "positive": ["gratitude", "joy", "admiration"],
                "negative": ["anger", "annoyance", "disappointment", "fear"],
                "ambiguous": ["confusion"],
            }
        )
    )
    rows = [
        ("I am so angry about this", 0), ("this is really irritating", 1),
        ("what a letdown, sad", 2), ("I don't understand what happened", 3),
        ("I'm scared it will break", 4), ("thank you so much", 5), ("so happy with it", 6),
        ("brilliant work", 7), ("the shop opens at nine", 8), ("it is a blue car", 8),
    ]  # fmt: skip
    for split in ("train", "dev"):
        lines = [f"{t} {k}\t{y}\t{split}{k}\n" for k in range(3) for t, y in rows]
        (folder / f"{split}.tsv").write_text("".join(lines))
    xed = root / "xed" / "clean"
    xed.mkdir(parents=True)
    (xed / "en-annotated.tsv").write_text("I love you\t5\nGet out!\t1\nTrust me\t8\nNo!\t3\n")
    (xed / "neu_en.tsv").write_text("Two pair tens.\t0\nMr. Howard sir.\t0\n")
    hotel = root / "hotel_reviews"
    hotel.mkdir()
    (hotel / Path(corpora.HOTEL_FILE).name).write_text(
        "Negative_Review,Positive_Review\nThe wifi was slow,Lovely staff\nNothing,Great view\n"
    )
    uci = root / "uci_sentiment"
    uci.mkdir()
    for name in corpora.UCI_FILES:
        (uci / name).write_text("reviews\tsentiment\nGreat phone\t1\nAwful battery\t0\n")
    clinc = root / "clinc150"
    clinc.mkdir()
    (clinc / "data_full.json").write_text(
        json.dumps(
            {
                "train": [["what is my balance", "balance"], ["thanks a lot", "thank_you"]],
                "oos_train": [["how tall is a giraffe", "oos"]],
            }
        )
    )


def test_train_sentiment_command_with_a_users_labels(tmp_path: Path) -> None:
    """The CLI path end to end on a tiny copy of every source, plus a user's CSV."""
    from typer.testing import CliRunner

    from insight.cli import app
    from insight.models.sentiment import SentimentHead

    shared = tmp_path / "shared"
    _tiny_shared(shared)
    mine = tmp_path / "mine.csv"
    mine.write_text("text,label\nrefund took ages,negative\nwhere is my parcel,neutral\n")
    out = tmp_path / "head.json"
    result = CliRunner().invoke(
        app,
        ["train-sentiment", "--shared", str(shared), "--data", str(mine), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    head = SentimentHead.load(out)
    assert set(head.meta_["sources"]) == {"goemotions", "xed", "hotel", "uci", "clinc150", "user"}
    assert head.meta_["sources"]["clinc150"] == 2  # thanks are not requests
    assert head.emotions_ == tuple(corpora.EMOTIONS)
    bad = CliRunner().invoke(app, ["train-sentiment", "--shared", str(tmp_path / "nowhere")])
    assert bad.exit_code != 0 and "../shared/data" in bad.output
