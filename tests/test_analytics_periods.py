"""What changed between periods: exact decomposition, planted shifts recovered, no false alarms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insight.analytics.emerging import new_topic_candidates, volume_shifts
from insight.analytics.periods import oaxaca_blinder, period_change, segment_changes, shift_share
from insight.analytics.scales import NPS_SCALE
from insight.demo.generator import generate

Slice = tuple[list[str], list[str], np.ndarray]


def test_shift_share_by_hand_and_exact() -> None:
    before = pd.DataFrame({"group": ["a", "b"], "n": [50, 50], "nps": [20.0, -20.0]})
    after = pd.DataFrame({"group": ["a", "b"], "n": [25, 75], "nps": [40.0, -20.0]})
    table = shift_share(before, after).set_index("group")
    # mix a: (0.25 − 0.5)·(20 + 40)/2 = −7.5; rate a: (0.5 + 0.25)/2·20 = 7.5
    assert table.loc["a", "mix"] == pytest.approx(-7.5) and table.loc["a", "rate"] == pytest.approx(
        7.5
    )
    assert table.loc["b", "mix"] == pytest.approx(-5.0) and table.loc["b", "rate"] == pytest.approx(
        0.0
    )
    nps0, nps1 = 0.5 * 20 - 0.5 * 20, 0.25 * 40 - 0.75 * 20
    assert (table["mix"] + table["rate"]).sum() == pytest.approx(nps1 - nps0, abs=1e-12)


def _random_periods(seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 1200
    period = np.where(rng.random(n) < 0.5, "A", "B")
    x = (rng.random((n, 6)) < 0.25).astype(np.int8)
    x[period == "A", 5] = 0  # topic 5 only exists in period B (emerging)
    scores = rng.integers(0, 11, n).astype(float)
    scores[rng.random(n) < 0.1] = np.nan  # unscored comments are dropped
    return pd.DataFrame(x), NPS_SCALE.codes(scores.tolist()), period


@pytest.mark.parametrize("seed", range(5))
def test_oaxaca_parts_sum_to_observed_change(seed: int) -> None:
    matrix, codes, period = _random_periods(seed)
    summary, table = period_change(matrix, codes, period, "A", "B")
    keep = ~np.isnan(codes)
    observed = 100 * (codes[keep & (period == "B")].mean() - codes[keep & (period == "A")].mean())
    assert summary["delta"] == pytest.approx(observed, abs=1e-9)
    parts = summary["baseline"] + table["mix"].sum() + table["rate"].sum()
    assert abs(parts - observed) < 1e-9
    assert (table["total"] == table["mix"] + table["rate"]).all()


def test_oaxaca_hand_case_single_topic() -> None:
    x0, y0 = np.array([[1], [0], [0], [0]]), np.array([100.0, 0, 0, 0])
    x1, y1 = np.array([[1], [1], [0], [0]]), np.array([100.0, 100, 0, 0])
    baseline, mix, rate = oaxaca_blinder(x0, y0, x1, y1)
    # both periods: intercept 0, slope 100; share 0.25 → 0.5 ⇒ all mix = 0.25·100 = 25
    assert baseline == pytest.approx(0) and rate[0] == pytest.approx(0)
    assert mix[0] == pytest.approx(25.0)


def _demo_frame() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The demo corpus with its planted topics (ground truth, not fitted topics)."""
    comments = generate(6000, seed=2026)
    keys = sorted({t for c in comments for t in c.topics})
    matrix = pd.DataFrame([[int(k in c.topics) for k in keys] for c in comments], columns=keys)
    frame = pd.DataFrame(
        {"period": [c.period for c in comments], "channel": [c.channel for c in comments]}
    )
    return frame, matrix, NPS_SCALE.codes([c.score for c in comments])


def test_planted_demo_shift_is_recovered() -> None:
    frame, matrix, codes = _demo_frame()
    summary, table = period_change(matrix, codes, frame["period"].to_numpy(), "A", "B")
    t = table.set_index("topic_id")
    assert summary["delta"] < -10 and summary["p"] < 1e-6
    # wait_time: same planted weight, worse score effect → the largest rate (score) part
    assert t["rate"].idxmin() == "wait_time" and t.loc["wait_time", "rate"] < -4
    assert abs(t.loc["wait_time", "rate"]) > 3 * abs(t.loc["wait_time", "mix"])
    assert t.loc["wait_time", "q_nps_change"] < 0.01
    # delivery_delay: share up at the same score effect → a mix (volume) part, rate ~ 0
    assert t.loc["delivery_delay", "mix"] < -3 and abs(t.loc["delivery_delay", "rate"]) < 1
    assert t.loc["delivery_delay", "q_share_change"] < 0.01
    # app_crash: new in B and the biggest single drag
    assert t.loc["app_crash", "share_before"] == 0 and t["total"].idxmin() == "app_crash"
    # controls: their partial score effect did not change (the marginal NPS may, by overlap)
    for control in ("staff_friendly", "product_quality", "refund_slow"):
        assert abs(t.loc[control, "rate"]) < 1
    by_channel = segment_changes(frame, matrix, codes, "period", "A", "B", ["channel"])
    assert set(by_channel["channel"]) == {"survey", "chat"}  # social has no scores


def test_no_false_alarms_on_null_data() -> None:
    """Same distribution in both periods: BH at 5% should flag (almost) nothing."""
    rng = np.random.default_rng(42)
    runs, alarms = 100, 0
    for _ in range(runs):
        n = 1500
        matrix = pd.DataFrame((rng.random((n, 15)) < 0.2).astype(np.int8))
        period = np.where(rng.random(n) < 0.5, "A", "B")
        codes = NPS_SCALE.codes(rng.integers(0, 11, n).tolist())
        _, table = period_change(matrix, codes, period, "A", "B")
        alarms += bool(
            (table["q_nps_change"] < 0.05).any() or (table["q_share_change"] < 0.05).any()
        )
    # under the global null BH keeps P(any false discovery) <= alpha per family; two families
    assert alarms / runs <= 0.12


def test_volume_shifts() -> None:
    before = pd.Series({0: 10, 1: 100, 2: 100, 3: 0})
    after = pd.Series({0: 45, 1: 98, 2: 40, 3: 30})
    table = volume_shifts(before, 1000, after, 1000).set_index("topic_id")
    assert table.loc[0, "status"] == "emerging" and table.loc[0, "ratio"] == pytest.approx(4.5)
    assert table.loc[1, "status"] == "stable"
    assert table.loc[2, "status"] == "fading"
    assert table.loc[3, "status"] == "new"
    # a trailing baseline (three pooled periods) works the same way with its exposure
    trailing = volume_shifts(before * 3, 3000, after, 1000).set_index("topic_id")
    assert trailing.loc[0, "status"] == "emerging"


def test_volume_shifts_null_has_few_alarms() -> None:
    rng = np.random.default_rng(1)
    alarms = 0
    for _ in range(200):
        rates = rng.uniform(0.01, 0.2, 20)
        before = pd.Series(rng.binomial(2000, rates))
        after = pd.Series(rng.binomial(2000, rates))
        table = volume_shifts(before, 2000, after, 2000)
        alarms += bool((table["status"] != "stable").any())
    assert alarms / 200 <= 0.1


def test_new_topics_found_by_clustering(banking_slice: Slice) -> None:
    _, intents, vectors = banking_slice
    labels = np.asarray(intents)
    known_intents = sorted(set(intents))[:-1]
    unseen = sorted(set(intents))[-1]
    known = np.stack([vectors[labels == k].mean(axis=0) for k in known_intents])
    found = new_topic_candidates(vectors, known, min_cluster_size=10)
    assert len(found) >= 1
    members = labels[found[0].members]
    assert (members == unseen).mean() > 0.8
    # with every intent known, nothing is new
    every = np.stack([vectors[labels == k].mean(axis=0) for k in sorted(set(intents))])
    assert new_topic_candidates(vectors, every, min_cluster_size=10) == []


def test_change_by_side_finds_a_planted_rise_in_complaints() -> None:
    """Complaints about one topic rise (and their authors score low) while its praise holds:
    the by-side change names the complaint line first, and the lines add up to ΔNPS."""
    from datetime import datetime

    from insight.notifications.digest import _side_movers
    from insight.reads.advocacy import compare_periods_by_side
    from insight.schemas import Topic

    rng = np.random.default_rng(3)
    comments, mentions = [], []
    for i in range(1600):
        after = i >= 800
        complains = rng.random() < (0.35 if after else 0.05)
        praises = not complains and rng.random() < 0.3
        score = int(rng.integers(0, 5)) if complains else int(rng.integers(6, 11))
        day = datetime(2026, 11, 20 if after else 5)
        comments.append({"id": f"c{i}", "score": score, "created_at": day})
        if complains:
            mentions.append({"comment_id": f"c{i}", "topic_id": 0, "sentiment": "negative"})
        if praises:
            mentions.append({"comment_id": f"c{i}", "topic_id": 0, "sentiment": "positive"})
        mentions.append({"comment_id": f"c{i}", "topic_id": 1, "sentiment": "neutral"})
    topics = [Topic(0, "Refund delay", [], 0, []), Topic(1, "Delivery", [], 0, [])]
    report = compare_periods_by_side(
        pd.DataFrame(comments),
        pd.DataFrame(mentions),
        topics,
        (None, datetime(2026, 11, 15)),
        (datetime(2026, 11, 15), None),
    )
    assert report is not None
    lines = report.rows
    assert abs(lines["total"].sum() - report.summary["delta"]) < 1e-9
    first = lines.iloc[0]
    assert (first["topic_id"], first["polarity"], first["label"]) == (
        0,
        "complaint",
        "Refund delay: complaints",
    )
    assert first["total"] < 0 and report.summary["delta"] < 0
    movers = _side_movers(lines)
    assert movers and movers[0]["label"] == "Refund delay: complaints"
