"""NPS with honest uncertainty.

* NPS = 100·(p − d), p = promoters (9–10) share, d = detractors (0–6) share.
* Var(NPS) = 100²·[p + d − (p − d)²]/n  (trinomial variance of the score −1/0/+1).
* The interval uses the adjusted-Wald correction (Rocks, "Confidence intervals for the Net
  Promoter Score", 2016): n + 3, promoters + ¾, detractors + ¾, which keeps coverage near the
  nominal level for small n and never collapses to zero width at p = 1 or d = 1.
* Difference of two independent NPS: SE = √(SE₁² + SE₂²), z-test for significance.
* Topic impact (leave-one-out, with its interval) lives in ``insight.analytics.impact``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from insight.schemas import NPSStat

Z95 = 1.959963984540054
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def counts(scores: Iterable[int]) -> tuple[int, int, int]:
    """(promoters, passives, detractors) of 0–10 scores."""
    promoters = passives = detractors = 0
    for score in scores:
        if score >= PROMOTER_MIN:
            promoters += 1
        elif score <= DETRACTOR_MAX:
            detractors += 1
        else:
            passives += 1
    return promoters, passives, detractors


def adjusted_wald_se(promoters: int, detractors: int, n: int) -> float:
    """Standard error of NPS (in NPS points) with the adjusted-Wald correction."""
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    return 100.0 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n_adj)


def nps_from_counts(promoters: int, passives: int, detractors: int, z: float = Z95) -> NPSStat:
    """NPS and its confidence interval from group counts (``n`` must be positive)."""
    n = promoters + passives + detractors
    if n <= 0:
        raise ValueError("NPS needs at least one score")
    nps = 100.0 * (promoters - detractors) / n
    n_adj = n + 3
    centre = 100.0 * ((promoters + 0.75) - (detractors + 0.75)) / n_adj
    half = z * adjusted_wald_se(promoters, detractors, n)
    return NPSStat(
        n,
        promoters,
        passives,
        detractors,
        nps,
        max(-100.0, centre - half),
        min(100.0, centre + half),
    )


def nps_stat(scores: Iterable[int], z: float = Z95) -> NPSStat:
    """NPS of 0–10 scores with a 95% (by default) adjusted-Wald interval."""
    return nps_from_counts(*counts(scores), z=z)


def nps_from_codes(
    codes: np.ndarray, z: float = Z95, weights: np.ndarray | None = None
) -> NPSStat | None:
    """NPS of −1/0/+1 codes (NaN = no score); None when nothing is scored.

    ``weights`` counts how many comments each code stands for (a compressed panel).
    """
    scored = ~np.isnan(codes)
    w = np.ones(len(codes), dtype=np.int64) if weights is None else np.asarray(weights)
    n = int(w[scored].sum())
    if n == 0:
        return None
    promoters = int(w[scored & (codes > 0)].sum())
    detractors = int(w[scored & (codes < 0)].sum())
    return nps_from_counts(promoters, n - promoters - detractors, detractors, z)


def difference(a: NPSStat, b: NPSStat) -> tuple[float, float, float]:
    """(b − a, z, two-sided p) for two independent groups: SE = √(SE_a² + SE_b²)."""
    se = math.hypot(
        adjusted_wald_se(a.promoters, a.detractors, a.n),
        adjusted_wald_se(b.promoters, b.detractors, b.n),
    )
    delta = b.nps - a.nps
    z = delta / se if se > 0 else 0.0
    return delta, z, two_sided_p(z)


def difference_ci(a: NPSStat, b: NPSStat, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% interval for b − a (same standard error as ``difference``)."""
    se = math.hypot(
        adjusted_wald_se(a.promoters, a.detractors, a.n),
        adjusted_wald_se(b.promoters, b.detractors, b.n),
    )
    delta = b.nps - a.nps
    return delta - z * se, delta + z * se


def two_sided_p(z: float) -> float:
    """Two-sided normal p-value."""
    return math.erfc(abs(z) / math.sqrt(2.0))
