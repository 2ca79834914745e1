"""Praise and complaint as separate drivers: planted effects are recovered, and the length control
removes the bias that comes from long comments mentioning many topics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


def _planted_effect(comments: list, key: str) -> float:
    """The planted effect of one topic side in NPS points: over the comments that have it, the
    mean change in E[100·code] when its score effect is taken away (the generator's latent
    model: score = round(7.6 + N(0, 1.3) + Σ effects), clipped to 0–10)."""
    from scipy.stats import norm

    from insight.demo import generator as gen
    from insight.demo import phrases as ph

    def expected(latent: float) -> float:
        promoter = 1 - norm.cdf(8.5, latent, 1.3)
        detractor = norm.cdf(6.5, latent, 1.3)
        return 100 * (promoter - detractor)

    gaps = []
    for c in comments:
        if key in c.topics and c.score is not None:
            effects = {
                t: gen.PERIOD_B_POLARITY.get(t, ph.TOPIC_BY_KEY[t].polarity)
                if c.period == "B"
                else ph.TOPIC_BY_KEY[t].polarity
                for t in c.topics
            }
            latent = gen.BASE_SCORE + sum(effects.values())
            gaps.append(expected(latent) - expected(latent - effects[key]))
    return float(np.mean(gaps))


def test_the_demo_checkout_praise_and_complaints_are_recovered() -> None:
    """The demo plants one subject (checkout) with praise (+) and complaints (−), and happy
    customers who write more. The side model recovers both signs, each planted size (the mean
    effect in NPS points over the comments with that side) inside its 95% interval. Holding
    word count fixed, a consequence of the score here, would bias praise well below it."""
    from insight.demo.generator import generate
    from insight.demo.phrases import TOPIC_BY_KEY

    comments = generate()
    scored = [c for c in comments if c.score is not None]
    rows = []
    for c in scored:
        for key in c.topics:
            planted = TOPIC_BY_KEY[key]
            subject = planted.subject or key
            sentiment = "positive" if planted.polarity > 0 else "negative"
            rows.append({"comment_id": c.id, "topic_id": subject, "sentiment": sentiment})
    mentions = pd.DataFrame(rows)
    subjects = {s: i for i, s in enumerate(sorted(set(mentions["topic_id"])))}
    mentions["topic_id"] = mentions["topic_id"].map(subjects)
    ids = pd.Index([c.id for c in scored])
    codes = np.array([1.0 if c.score >= 9 else -1.0 if c.score <= 6 else 0.0 for c in scored])
    matrix = polar_matrix(ids, mentions, outlier=-1)
    words = length_control(np.array([len(c.text.split()) for c in scored]))
    for control in (None, words):
        table = polar_drivers(matrix, codes, np.ones(len(codes)), control)
        checkout = table[table["topic_id"] == subjects["checkout"]].set_index("polarity")
        for side, key in (("complaint", "checkout_broken"), ("praise", "easy_checkout")):
            row, planted = checkout.loc[side], _planted_effect(scored, key)
            assert np.sign(row["effect"]) == np.sign(planted) and row["q"] < 0.05
            if control is None:
                assert row["ci_low"] <= planted <= row["ci_high"], (side, row["effect"], planted)
            elif side == "praise":
                assert row["ci_high"] < planted  # the bad control biases it down


def test_a_scope_gets_its_sides_with_the_driver_model_or_alone_when_small() -> None:
    """A team's month has enough scored comments for the side model; a team's day has not, and
    gets each side's commenters against the rest instead (exact figures checked)."""
    from insight.reads.advocacy import side_impacts
    from insight.schemas import Topic

    topics = [Topic(0, "Checkout", [], 0), Topic(1, "Delivery", [], 0)]
    comments, mentions = _corpus(n=3000)
    comments = comments.assign(score=comments["code"].map({1: 10, 0: 8, -1: 2}))
    big = side_impacts(comments, mentions, topics).set_index(["topic_id", "polarity"])
    assert set(big["method"]) == {"drivers"}
    assert big.loc[(0, "complaint"), "impact"] < 0 < big.loc[(0, "praise"), "impact"]
    assert big.loc[(0, "complaint"), "label"] == "Checkout: complaints"

    day = pd.DataFrame({"id": [f"d{i}" for i in range(5)], "score": [0, 2, 10, 10, 8]})
    said = pd.DataFrame(
        {
            "comment_id": ["d0", "d1", "d2", "d3", "d4", "d4"],
            "topic_id": [0, 0, 0, 0, 1, 1],
            "sentiment": ["negative", "negative", "positive", "positive", "neutral", "negative"],
        }
    )
    small = side_impacts(day, said, topics).set_index(["topic_id", "polarity"])
    assert set(small["method"]) == {"alone"}
    # two detractors of five complain about checkout; the other three score +66.7 as a group
    assert small.loc[(0, "complaint"), "impact"] == pytest.approx(0.4 * (-100 - 200 / 3))
    assert small.loc[(0, "praise"), "impact"] > 0
    assert small.loc[(0, "praise"), "comments"] == 2
