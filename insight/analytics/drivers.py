"""Key drivers: each topic's partial effect on advocacy with overlap between topics controlled.

OLS of y = 100·code (promoter +100, passive 0, detractor −100) on 0/1 topic indicators plus an
intercept, so a coefficient is "NPS points for commenters mentioning the topic, holding the other
topics fixed". Standard errors are heteroskedasticity-robust (HC3, MacKinnon & White 1985);
p-values from the t distribution; q-values by Benjamini–Hochberg.

Importance: Shapley decomposition of R² over all topic subsets when there are at most
``max_shapley`` topics (Lipovetsky & Conklin 2001), else Johnson's (2000) relative weights; both
sum to the model R².
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
from scipy import stats

from insight.analytics.testing import benjamini_hochberg


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (min-norm least squares) and fitted values."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return beta, x @ beta


def _r2(
    gram: np.ndarray, xty: np.ndarray, yty: float, ybar: float, n: float, subset: tuple[int, ...]
) -> float:
    """R² of y on an intercept plus the columns in ``subset`` (column 0 of gram = intercept)."""
    cols = [0, *(c + 1 for c in subset)]
    g = gram[np.ix_(cols, cols)]
    b = np.linalg.lstsq(g, xty[cols], rcond=None)[0]
    sst = yty - n * ybar**2
    return float((b @ xty[cols] - n * ybar**2) / sst) if sst > 0 else 0.0


def shapley_r2(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Each column's Shapley share of R² (exact, 2^k subsets); ``w``: frequency weights."""
    w = np.ones(len(y)) if w is None else w
    k = x.shape[1]
    design = np.column_stack([np.ones(len(y)), x])
    gram, xty = design.T @ (design * w[:, None]), design.T @ (w * y)
    n = float(w.sum())
    yty, ybar = float((w * y) @ y), float((w * y).sum() / n)
    cache: dict[tuple[int, ...], float] = {(): 0.0}
    for size in range(1, k + 1):
        for subset in combinations(range(k), size):
            cache[subset] = _r2(gram, xty, yty, ybar, n, subset)
    values = np.zeros(k)
    for j in range(k):
        others = [c for c in range(k) if c != j]
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for subset in combinations(others, size):
                with_j = tuple(sorted((*subset, j)))
                values[j] += weight * (cache[with_j] - cache[subset])
    return values


def relative_weights(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Johnson's relative weights (sum to R²); constant columns get 0; ``w``: frequency weights."""
    w = np.ones(len(y)) if w is None else w
    n = float(w.sum())
    mean_x = (w @ x) / n
    sd = np.sqrt(np.clip(np.asarray(w @ (x - mean_x) ** 2) / n, 0.0, None))
    mean_y = float(w @ y) / n
    sd_y = float(np.sqrt(max(float(w @ (y - mean_y) ** 2) / n, 0.0)))
    live = sd > 1e-12
    out = np.zeros(x.shape[1])
    if not live.any() or sd_y == 0:
        return out
    xs = (x[:, live] - mean_x[live]) / sd[live]
    ys = (y - mean_y) / sd_y
    rxx = xs.T @ (xs * w[:, None]) / n
    rxy = xs.T @ (w * ys) / n
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(np.clip(evals, 0, None))) @ evecs.T
    beta = np.linalg.lstsq(lam, rxy, rcond=None)[0]
    out[live] = (lam**2) @ (beta**2)
    return out


def key_drivers(
    matrix: pd.DataFrame,
    codes: np.ndarray,
    max_shapley: int = 12,
    weights: np.ndarray | None = None,
    controls: np.ndarray | None = None,
) -> pd.DataFrame:
    """Driver table for a comments × topics 0/1 ``matrix`` and −1/0/+1 ``codes`` (NaN dropped).

    ``weights``: how many identical comments each row stands for (a compressed panel); the
    results equal those on the expanded rows, HC3 included (identical rows share leverage and
    residual). ``controls``: covariates held fixed but not reported (e.g. how many topics a
    comment mentions). Columns: topic_id, effect (NPS points), se, ci_low, ci_high, p, q,
    importance, share_of_r2.
    """
    keep = ~np.isnan(codes)
    k_topics = matrix.shape[1]
    x = matrix.to_numpy(dtype=np.float64)
    if controls is not None:
        x = np.column_stack([x, np.asarray(controls, dtype=np.float64).reshape(len(codes), -1)])
    x = x[keep]
    y = 100.0 * codes[keep]
    w = (np.ones(len(codes)) if weights is None else np.asarray(weights, np.float64))[keep]
    n, k = int(w.sum()), x.shape[1]
    if n <= k + 1:
        raise ValueError(f"key drivers need more scored comments ({n}) than topics + 1 ({k + 1})")
    if np.ptp(y) == 0:
        raise ValueError("every score falls in one group: nothing for drivers to explain")
    design = np.column_stack([np.ones(len(y)), x])
    root = np.sqrt(w)
    beta, _ = _ols(design * root[:, None], y * root)
    fitted = design @ beta
    resid = y - fitted
    pinv = np.linalg.pinv(design.T @ (design * w[:, None]))
    leverage = np.einsum("ij,jk,ik->i", design, pinv, design)
    # A comment alone with its topic combination has leverage 1 and residual 0: HC3's 0/0 there
    # is rounding noise, so it contributes nothing (it carries no information about spread).
    exact = leverage > 1 - 1e-8
    scale = np.where(exact, 0.0, w * resid**2 / np.where(exact, 1.0, 1 - leverage) ** 2)
    cov = pinv @ (design.T * scale) @ design @ pinv
    se = np.sqrt(np.clip(np.diag(cov), 0, None))[1 : k_topics + 1]
    effect = beta[1 : k_topics + 1]
    dof = n - k - 1
    tcrit = stats.t.ppf(0.975, dof)
    with np.errstate(divide="ignore", invalid="ignore"):
        tvals = np.where(se > 0, effect / se, 0.0)
    p = 2 * stats.t.sf(np.abs(tvals), dof)
    importance = (shapley_r2(x, y, w) if k <= max_shapley else relative_weights(x, y, w))[:k_topics]
    mean_y = float(w @ y) / n
    r2 = 1 - float(w @ resid**2) / float(w @ (y - mean_y) ** 2 or 1.0)
    table = pd.DataFrame(
        {
            "topic_id": list(matrix.columns),
            "effect": effect,
            "se": se,
            "ci_low": effect - tcrit * se,
            "ci_high": effect + tcrit * se,
            "p": p,
            "importance": importance,
            "share_of_r2": importance / r2 if r2 > 0 else np.zeros(k_topics),
        }
    )
    # a topic that always comes with another (in this slice) has no effect of its own: its
    # coefficient is not estimable, and any number printed for it would be rounding noise
    table = table[_estimable(design * root[:, None])[1 : k_topics + 1]]
    table.insert(6, "q", benjamini_hochberg(table["p"].to_numpy()))
    return table.sort_values("effect", ignore_index=True)


def _estimable(design: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Per column: whether its coefficient is identified (orthogonal to the design's null space)."""
    _, singular, vt = np.linalg.svd(design, full_matrices=False)
    rank = int((singular > tol * singular[0]).sum())
    null = vt[rank:]
    if not len(null):
        return np.ones(vt.shape[1], dtype=bool)
    return np.asarray(np.linalg.norm(null, axis=0) < 1e-6)
