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
