"""NPS formulas against hand-computed cases (DESIGN.md, "Statistics we rely on")."""

from __future__ import annotations

import math
from dataclasses import astuple

import numpy as np
import pytest

from insight.analytics.nps import (
    adjusted_wald_se,
    counts,
    nps_from_codes,
    nps_from_counts,
    nps_stat,
)


def test_counts_and_point_estimate() -> None:
    scores = [10, 9, 9, 8, 7, 6, 0, 3, 10, 5]
    assert counts(scores) == (4, 2, 4)
    stat = nps_stat(scores)
    assert stat.nps == pytest.approx(0.0)
    assert nps_stat([10, 9, 8, 2]).nps == pytest.approx(25.0)


def test_adjusted_wald_by_hand() -> None:
    # 30 promoters, 50 passives, 20 detractors: n+3 = 103, p = 30.75/103, d = 20.75/103
    p, d = 30.75 / 103, 20.75 / 103
    expected_se = 100 * math.sqrt((p + d - (p - d) ** 2) / 103)
    assert adjusted_wald_se(30, 20, 100) == pytest.approx(expected_se)
    stat = nps_from_counts(30, 50, 20)
    centre = 100 * (p - d)
    assert stat.nps == pytest.approx(10.0)
    assert stat.ci_low == pytest.approx(centre - 1.959963984540054 * expected_se)
    assert stat.ci_high == pytest.approx(centre + 1.959963984540054 * expected_se)
    assert stat.se == pytest.approx(expected_se)
    # the same from the codes (the moments route every scale uses)
    codes = np.array([1.0] * 30 + [0.0] * 50 + [-1.0] * 20)
    again = nps_from_codes(codes)
    assert again is not None and astuple(again) == pytest.approx(astuple(stat))


def test_interval_never_collapses_and_stays_in_range() -> None:
    stat = nps_from_counts(5, 0, 0)  # all promoters, tiny n
    assert stat.nps == 100.0
    assert stat.ci_low < 100.0 and stat.ci_high <= 100.0
    with pytest.raises(ValueError):
        nps_from_counts(0, 0, 0)


def test_interval_coverage_by_simulation() -> None:
    """The 95% interval should cover the true NPS about 95% of the time at n = 50."""
    rng = np.random.default_rng(7)
    probs = (
        np.array([0.25] * 7 + [0.05, 0.05] + [0.15, 0.15])
        / np.array([0.25] * 7 + [0.05, 0.05] + [0.15, 0.15]).sum()
    )
    true_nps = 100 * (probs[9:].sum() - probs[:7].sum())
    covered = 0
    trials = 2000
    for _ in range(trials):
        stat = nps_stat(rng.choice(11, size=50, p=probs).tolist())
        covered += stat.ci_low <= true_nps <= stat.ci_high
    assert 0.92 <= covered / trials <= 0.98
