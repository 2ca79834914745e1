"""Praise and complaint as separate drivers: planted effects are recovered, and the length control
removes the bias that comes from long comments mentioning many topics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insight.analytics.polarity import length_control, polar_drivers, polar_matrix

SENTIMENTS = ("negative", "positive", "neutral")
PLANTED = {(0, "complaint"): -30.0, (0, "praise"): 20.0, (1, "complaint"): -12.0}
PER_LOG_WORD = 12.0  # long comments score higher whatever they say


def _corpus(n: int = 8000, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Comments mention 1–5 of 6 topics, each with a polarity; more topics, more words, and
    more words score higher (the confounder); three sides have a planted effect."""
    rng = np.random.default_rng(seed)
    rows, codes, words = [], [], []
    polarity = {"negative": "complaint", "positive": "praise", "neutral": "neutral"}
    for i in range(n):
        count = int(rng.integers(1, 6))
        topics = rng.choice(6, size=count, replace=False)
        length = int(count * rng.integers(8, 30))
        words.append(length)
        mean = -40.0 + PER_LOG_WORD * float(np.log1p(length))
        for t in topics:
            sentiment = str(rng.choice(SENTIMENTS, p=[0.5, 0.4, 0.1]))
            rows.append({"comment_id": f"c{i}", "topic_id": int(t), "sentiment": sentiment})
            mean += PLANTED.get((int(t), polarity[sentiment]), 0.0)
        m = float(np.clip(mean / 100, -0.8, 0.8))  # E[100·code] = mean: a linear model
        codes.append(rng.choice([1, -1, 0], p=[(0.8 + m) / 2, (0.8 - m) / 2, 0.2]))
    comments = pd.DataFrame({"id": [f"c{i}" for i in range(n)], "code": codes, "words": words})
    return comments, pd.DataFrame(rows)


def test_planted_praise_and_complaint_effects_are_recovered() -> None:
    comments, mentions = _corpus()
    matrix = polar_matrix(pd.Index(comments["id"]), mentions, outlier=-1)
    codes = comments["code"].to_numpy(dtype=float)
    table = polar_drivers(matrix, codes, np.ones(len(codes)), length_control(comments["words"]))
    found = {(r.topic_id, r.polarity): r for r in table.itertuples()}
    for key, effect in PLANTED.items():
        row = found[key]
        assert row.ci_low <= effect <= row.ci_high, (key, row.effect)
        assert np.sign(row.effect) == np.sign(effect) and row.q < 0.05
    nulls = [r for k, r in found.items() if k not in PLANTED]
    covered = np.mean([r.ci_low <= 0 <= r.ci_high for r in nulls])
    assert covered >= 0.8  # 95% intervals around zero effects
    # impact = share of comments with that side × its effect
    row = found[(0, "complaint")]
    assert row.impact == row.share * row.effect < 0


def test_without_the_length_control_praise_looks_better_than_it_is() -> None:
    comments, mentions = _corpus()
    matrix = polar_matrix(pd.Index(comments["id"]), mentions, outlier=-1)
    codes = comments["code"].to_numpy(dtype=float)
    plain = polar_drivers(matrix, codes, np.ones(len(codes)), None)
    length = length_control(comments["words"])
    controlled = polar_drivers(matrix, codes, np.ones(len(codes)), length)

    def null_mean(table: pd.DataFrame) -> float:
        keys = list(zip(table["topic_id"], table["polarity"], strict=True))
        null = [k not in PLANTED for k in keys]
        return float(table.loc[null, "effect"].mean())

    assert null_mean(plain) > 3.0  # every mention "helps": it is the length talking
    assert abs(null_mean(controlled)) < 2.0
