"""Advocacy analytics: hand-computed cases, exact identities, simulations with planted effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insight.analytics.drivers import key_drivers, relative_weights, shapley_r2
from insight.analytics.impact import membership, topic_table
from insight.analytics.nps import nps_stat
from insight.analytics.scales import CSAT_SCALE, NPS_SCALE, AdvocacyScale
from insight.analytics.slices import nps_table
from insight.analytics.testing import benjamini_hochberg
from insight.analytics.value import AdvocacyValue


def _codes(scores: np.ndarray) -> np.ndarray:
    return NPS_SCALE.codes(scores.tolist())


def _simulate(
    n: int, effects: list[float], shares: list[float], seed: int, base: float = 7.6
) -> tuple[pd.DataFrame, np.ndarray]:
    """Comments × topics membership and 0–10 scores with planted additive topic effects."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, len(effects))) < np.asarray(shares)).astype(np.int8)
    latent = base + x @ np.asarray(effects) + rng.normal(0, 1.4, n)
    scores = np.clip(np.round(latent), 0, 10)
    return pd.DataFrame(x, columns=list(range(len(effects)))), scores


# scales and slices ----------------------------------------------------------------------------
def test_scales() -> None:
    assert NPS_SCALE.codes([10, 9, 8, 7, 6, 0, None]).tolist()[:6] == [1, 1, 0, 0, -1, -1]
    assert np.isnan(NPS_SCALE.codes([None])[0])
    assert CSAT_SCALE.codes([5, 4, 3, 1]).tolist() == [1, 0, -1, -1]
    with pytest.raises(ValueError, match="outside 0–10"):
        NPS_SCALE.codes([11])
    with pytest.raises(ValueError, match="detractor_max"):
        AdvocacyScale("bad", 1, 5, promoter_min=3, detractor_max=4)


def test_nps_by_slice_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "score": [10, 9, 3, None, 7, 0],
            "team": list("aabbab"),
            "channel": ["chat"] * 3 + ["survey"] * 3,
        }
    )
    table = nps_table(frame, ["team"]).set_index("team")
    assert table.loc["a", "n"] == 3 and table.loc["a", "nps"] == pytest.approx(200 / 3)
    assert table.loc["b", "n"] == 2 and table.loc["b", "nps"] == -100
    overall = nps_table(frame)
    assert overall["nps"].iloc[0] == pytest.approx(0.0) and overall["n"].iloc[0] == 5
    two = nps_table(frame, ["team", "channel"])
    assert len(two) == 4 and two["n"].sum() == 5
    csat = nps_table(pd.DataFrame({"score": [5, 5, 4, 2]}), scale=CSAT_SCALE)
    assert csat["nps"].iloc[0] == pytest.approx(25.0)
    with pytest.raises(KeyError, match="segment"):
        nps_table(frame, ["segment"])


# topic impact --------------------------------------------------------------------------------
def test_topic_table_by_hand() -> None:
    comments = pd.DataFrame({"id": list("abcdef"), "score": [10, 9, 2, 3, 8, None]})
    assignments = pd.DataFrame({"comment_id": list("abccdf"), "topic_id": [0, 0, 1, 0, 1, 1]})
    table = topic_table(comments, assignments).set_index("topic_id")
    # topic 0 = {a, b, c}: +1 +1 −1 → 33.3; the rest {d, e}: −1 0 → −50; NPS(all) = 0
    assert table.loc[0, "nps"] == pytest.approx(100 / 3)
    assert table.loc[0, "impact"] == pytest.approx(0 - (-50))
    assert table.loc[0, "share"] == pytest.approx(0.5) and table.loc[0, "n"] == 3
    assert table.loc[1, "n"] == 2 and bool(table.loc[1, "low_volume"])


def test_impact_is_leave_one_out_and_bootstrap_agrees() -> None:
    matrix, scores = _simulate(2500, [-2.0, 1.0], [0.2, 0.3], seed=3)
    comments = pd.DataFrame({"id": [f"c{i}" for i in range(len(scores))], "score": scores})
    pairs = [(f"c{i}", t) for i, t in zip(*np.nonzero(matrix.to_numpy()), strict=True)]
    assignments = pd.DataFrame(pairs, columns=["comment_id", "topic_id"])
    table = topic_table(comments, assignments).set_index("topic_id")
    codes = _codes(scores)
    inside = matrix[0].to_numpy().astype(bool)
    loo = 100 * (codes.mean() - codes[~inside].mean())
    assert table.loc[0, "impact"] == pytest.approx(loo, abs=1e-9)
    # bootstrap SD of the impact vs the closed-form (delta-method) SE
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(400):
        idx = rng.integers(0, len(codes), len(codes))
        c, m = codes[idx], inside[idx]
        draws.append(100 * (c.mean() - c[~m].mean()))
    closed_se = (table.loc[0, "impact_high"] - table.loc[0, "impact_low"]) / (2 * 1.959964)
    assert np.std(draws) == pytest.approx(closed_se, rel=0.15)


def test_small_topics_are_shrunk_and_flagged() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    scores = rng.integers(5, 11, n)
    ids = [f"c{i}" for i in range(n)]
    small = [ids[i] for i in range(8)]
    big = ids[8:1008]
    scores[:8] = 0  # a tiny topic of pure detractors
    rows = [(c, 0) for c in small] + [(c, 1) for c in big] + [(c, 2) for c in ids[1008:1600]]
    table = topic_table(
        pd.DataFrame({"id": ids, "score": scores}),
        pd.DataFrame(rows, columns=["comment_id", "topic_id"]),
    ).set_index("topic_id")
    overall = nps_stat(scores.tolist()).nps
    assert table.loc[0, "nps"] == -100 and bool(table.loc[0, "low_volume"])
    assert table.loc[0, "nps_shrunk"] > -100 + 20  # pulled well toward the overall NPS
    shift_small = abs(table.loc[0, "nps_shrunk"] - table.loc[0, "nps"])
    shift_big = abs(table.loc[1, "nps_shrunk"] - table.loc[1, "nps"])
    assert shift_big < shift_small and table.loc[0, "nps_shrunk"] < overall


def test_sentiment_split() -> None:
    comments = pd.DataFrame({"id": list("abcd"), "score": [10, 2, 9, 0]})
    assignments = pd.DataFrame(
        {
            "comment_id": list("abcd"),
            "topic_id": [0, 0, 0, 0],
            "sentiment": ["positive", "negative", "positive", "negative"],
        }
    )
    row = topic_table(comments, assignments).iloc[0]
    assert row["nps_positive"] == 100 and row["nps_negative"] == -100
    assert row["n_positive"] == 2 and row["n_negative"] == 2


# key drivers ---------------------------------------------------------------------------------
def test_single_driver_equals_difference_of_means() -> None:
    matrix, scores = _simulate(800, [-2.0], [0.3], seed=1)
    codes = _codes(scores)
    table = key_drivers(matrix, codes)
    inside = matrix[0].to_numpy().astype(bool)
    gap = 100 * (codes[inside].mean() - codes[~inside].mean())
    assert table["effect"].iloc[0] == pytest.approx(gap, abs=1e-9)


def test_drivers_recover_planted_effects_without_false_alarms() -> None:
    effects = [-2.5, 2.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0]
    matrix, scores = _simulate(6000, effects, [0.15] * 8, seed=11)
    table = key_drivers(matrix, _codes(scores)).set_index("topic_id")
    significant = set(table.index[table["q"] < 0.05])
    assert significant == {0, 1, 6}
    assert table.loc[0, "effect"] < table.loc[6, "effect"] < 0 < table.loc[1, "effect"]
    assert table["share_of_r2"].sum() == pytest.approx(1.0)
    assert table.loc[[0, 1, 6], "importance"].sum() > 0.95 * table["importance"].sum()


def test_importance_sums_to_r2() -> None:
    matrix, scores = _simulate(1500, [-2.0, 1.0, 0.5, 0.0], [0.3, 0.25, 0.4, 0.2], seed=2)
    x, y = matrix.to_numpy(float), 100 * _codes(scores)
    design = np.column_stack([np.ones(len(y)), x])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r2 = 1 - resid @ resid / ((y - y.mean()) ** 2).sum()
    assert shapley_r2(x, y).sum() == pytest.approx(r2, abs=1e-9)
    assert relative_weights(x, y).sum() == pytest.approx(r2, abs=1e-9)
    assert np.argmax(shapley_r2(x, y)) == np.argmax(relative_weights(x, y)) == 0


# multiple testing and value --------------------------------------------------------------------
def test_benjamini_hochberg_by_hand() -> None:
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.5, np.nan])
    # sorted p 0.01, 0.03, 0.04, 0.5 → p·m/rank 0.04, 0.06, 0.0533, 0.5 → running min from the top
    assert q[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5], abs=1e-12)
    assert np.isnan(q[4])


def test_value_of_a_topic_by_hand() -> None:
    codes = np.array([-1, -1, 0, 1, 1, 1, 1, 0, np.nan])
    inside = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1])
    # inside: p=0, d=2/3; outside: p=4/5, d=0. Δp = 3·0.8 = 2.4; Δd = 3·(2/3) = 2
    value = AdvocacyValue(value_per_promoter=100, cost_per_detractor=50, customers=8000)
    assert value.topic_value(codes, inside) == pytest.approx(1000 * (2.4 * 100 + 2 * 50))
    assert value.topic_value(codes, np.zeros(9)) == 0.0


def test_membership_counts_a_comment_once() -> None:
    matrix = membership(
        pd.Index(["a", "b", "c"]),
        pd.DataFrame({"comment_id": ["a", "a", "b", "zz"], "topic_id": [1, 1, 2, 1]}),
    )
    assert matrix.loc["a", 1] == 1 and matrix.loc["c"].sum() == 0 and "zz" not in matrix.index
