"""NPS with honest uncertainty.

* NPS = 100·(p − d), p = promoters (9–10) share, d = detractors (0–6) share.
* Var(NPS) = 100²·[p + d − (p − d)²]/n  (trinomial variance of the score −1/0/+1).
* The interval uses the adjusted-Wald correction (Rocks, "Confidence intervals for the Net
  Promoter Score", 2016): n + 3, promoters + ¾, detractors + ¾, which keeps coverage near the
  nominal level for small n and never collapses to zero width at p = 1 or d = 1.
* The same from any codes on −1…+1 (a mean-score index, ``scales``): the adjusted-Wald
  pseudo-counts are ¾ of an observation at +1 and at −1 and 1½ at 0, so the mean and variance
  are taken over the codes plus those three; on −1/0/+1 codes it is exactly the formula above.
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
    return _stat(n, promoters, passives, detractors, float(promoters - detractors),
                 float(promoters + detractors), z)  # fmt: skip


def _stat(
    n: int, promoters: int, passives: int, detractors: int, total: float, squares: float, z: float
) -> NPSStat:
    """From the codes' count, sum and sum of squares (adjusted-Wald pseudo-counts added)."""
    n_adj = n + 3
    centre = total / n_adj
    variance = max((squares + 1.5) / n_adj - centre**2, 0.0)
    se = 100.0 * math.sqrt(variance / n_adj)
    half = z * se
    return NPSStat(
        n,
        promoters,
        passives,
        detractors,
        100.0 * total / n,
        max(-100.0, 100.0 * centre - half),
        min(100.0, 100.0 * centre + half),
        se,
    )


def nps_stat(scores: Iterable[int], z: float = Z95) -> NPSStat:
    """NPS of 0–10 scores with a 95% (by default) adjusted-Wald interval."""
    return nps_from_counts(*counts(scores), z=z)


def nps_from_codes(
    codes: np.ndarray, z: float = Z95, weights: np.ndarray | None = None
) -> NPSStat | None:
    """NPS (or a score index) of codes on −1…+1 (NaN = no score); None when nothing is scored.
    Promoters / passives / detractors count codes above, at and below 0.

    ``weights`` counts how many comments each code stands for (a compressed panel).
    """
    scored = ~np.isnan(codes)
    w = np.ones(len(codes), dtype=np.int64) if weights is None else np.asarray(weights)
    n = int(w[scored].sum())
    if n == 0:
        return None
    c, ws = codes[scored], w[scored]
    promoters = int(ws[c > 0].sum())
    detractors = int(ws[c < 0].sum())
    total, squares = float(ws @ c), float(ws @ (c * c))
    return _stat(n, promoters, n - promoters - detractors, detractors, total, squares, z)


def difference(a: NPSStat, b: NPSStat) -> tuple[float, float, float]:
    """(b − a, z, two-sided p) for two independent groups: SE = √(SE_a² + SE_b²)."""
    se = math.hypot(a.se, b.se)
    delta = b.nps - a.nps
    z = delta / se if se > 0 else 0.0
    return delta, z, two_sided_p(z)


def difference_ci(a: NPSStat, b: NPSStat, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% interval for b − a (same standard error as ``difference``)."""
    se = math.hypot(a.se, b.se)
    delta = b.nps - a.nps
    return delta - z * se, delta + z * se


def two_sided_p(z: float) -> float:
    """Two-sided normal p-value."""
    return math.erfc(abs(z) / math.sqrt(2.0))
