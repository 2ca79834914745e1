"""What changed between two periods: ΔNPS split exactly into per-topic mix and rate parts.

Exclusive groups (shift-share with midpoint weights):
    NPS = Σ s_g·r_g  ⇒  ΔNPS = Σ Δs_g·r̄_g (mix) + Σ s̄_g·Δr_g (rate)   — exact.
Overlapping topics (Oaxaca–Blinder with midpoint weights): per period, OLS of y = 100·code on
an intercept and 0/1 topic indicators gives ȳ = a + Σ b_k·x̄_k exactly (OLS residuals sum to
zero), so
    ΔNPS = Δa (baseline) + Σ Δx̄_k·b̄_k (mix: volume) + Σ x̄̄_k·Δb_k (rate: score)   — exact.
A topic absent in one period has no coefficient there; the minimum-norm solution gives it 0, which
keeps the identity exact (its whole contribution then shows as x̄₁·b₁ split half and half).
Significance: the overall change by the two-sample NPS z-test; each topic's own NPS change and
its share change by z-tests; q-values by Benjamini–Hochberg across all topics (× segments).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from insight.analytics.nps import difference, difference_ci, nps_from_codes, two_sided_p
from insight.analytics.testing import benjamini_hochberg


def shift_share(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Exclusive groups: each frame has ``group``, ``n`` (scored count) and ``nps`` columns.

    Returns group, share_before, share_after, nps_before, nps_after, mix, rate. A group missing in
    a period has share 0 there (its NPS is taken as the other period's, so rate is 0).
    """
    merged = before.merge(after, on="group", how="outer", suffixes=("_before", "_after"))
    merged[["n_before", "n_after"]] = merged[["n_before", "n_after"]].fillna(0)
    merged["nps_before"] = merged["nps_before"].fillna(merged["nps_after"])
    merged["nps_after"] = merged["nps_after"].fillna(merged["nps_before"])
    s0 = merged["n_before"] / merged["n_before"].sum()
    s1 = merged["n_after"] / merged["n_after"].sum()
    r0, r1 = merged["nps_before"], merged["nps_after"]
    return pd.DataFrame(
        {
            "group": merged["group"],
            "share_before": s0,
            "share_after": s1,
            "nps_before": r0,
            "nps_after": r1,
            "mix": (s1 - s0) * (r0 + r1) / 2,
            "rate": (s0 + s1) / 2 * (r1 - r0),
        }
    )


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    root = np.sqrt(w)
    design = np.column_stack([np.ones(len(y)), x]) * root[:, None]
    beta, *_ = np.linalg.lstsq(design, y * root, rcond=None)
    return np.asarray(beta)


def oaxaca_blinder(
    x0: np.ndarray,
    y0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    w0: np.ndarray | None = None,
    w1: np.ndarray | None = None,
) -> tuple[float, np.ndarray, np.ndarray]:
    """(baseline, mix per column, rate per column); they sum to ȳ₁ − ȳ₀ exactly.

    ``w0``/``w1``: frequency weights (comments per row of a compressed panel)."""
    w0 = np.ones(len(y0)) if w0 is None else w0
    w1 = np.ones(len(y1)) if w1 is None else w1
    b0, b1 = _fit(x0, y0, w0), _fit(x1, y1, w1)
    m0, m1 = (w0 @ x0) / w0.sum(), (w1 @ x1) / w1.sum()
    mix = (m1 - m0) * (b0[1:] + b1[1:]) / 2
    rate = (m0 + m1) / 2 * (b1[1:] - b0[1:])
    return float(b1[0] - b0[0]), mix, rate


def _share_test(c0: int, n0: int, c1: int, n1: int) -> float:
    pooled = (c0 + c1) / (n0 + n1)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    return two_sided_p((c1 / n1 - c0 / n0) / se) if se > 0 else 1.0


def period_change(
    matrix: pd.DataFrame,
    codes: np.ndarray,
    period: np.ndarray,
    before: object,
    after: object,
    weights: np.ndarray | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Decompose the change in NPS between two periods over the topics of ``matrix``.

    ``matrix``: comments × topics 0/1; ``codes``: −1/0/+1 (NaN = unscored, dropped);
    ``period``: each comment's period label; ``weights``: comments per row (a compressed
    panel; the results equal those on the expanded rows). Returns the overall summary
    (nps_before, nps_after, delta, z, p, baseline) and a per-topic table (topic_id,
    share_before/after, nps_before/after, mix, rate, total, p_nps_change, p_share_change,
    q_nps_change, q_share_change).
    """
    keep = ~np.isnan(codes)
    w = np.ones(len(codes)) if weights is None else np.asarray(weights, np.float64)
    x = matrix.to_numpy(dtype=np.float64)
    masks = [(period == before) & keep, (period == after) & keep]
    if min(float(w[m].sum()) for m in masks) == 0:
        raise ValueError(f"no scored comments in period {before!r} or {after!r}")
    y = 100.0 * np.nan_to_num(codes)
    m0, m1 = masks
    baseline, mix, rate = oaxaca_blinder(x[m0], y[m0], x[m1], y[m1], w[m0], w[m1])
    stat0 = nps_from_codes(codes[m0], weights=w[m0])
    stat1 = nps_from_codes(codes[m1], weights=w[m1])
    n0, n1 = int(w[m0].sum()), int(w[m1].sum())
    assert stat0 is not None and stat1 is not None
    delta, z, p = difference(stat0, stat1)
    rows = []
    for j, topic in enumerate(matrix.columns):
        inside = x[:, j] > 0
        in0, in1 = m0 & inside, m1 & inside
        t0 = nps_from_codes(codes[in0], weights=w[in0])
        t1 = nps_from_codes(codes[in1], weights=w[in1])
        c0, c1 = int(w[in0].sum()), int(w[in1].sum())
        rows.append(
            {
                "topic_id": topic,
                "share_before": c0 / n0,
                "share_after": c1 / n1,
                "nps_before": t0.nps if t0 else np.nan,
                "nps_after": t1.nps if t1 else np.nan,
                "mix": mix[j],
                "rate": rate[j],
                "total": mix[j] + rate[j],
                "p_nps_change": difference(t0, t1)[2] if t0 and t1 else np.nan,
                "p_share_change": _share_test(c0, n0, c1, n1),
            }
        )
    table = pd.DataFrame(rows)
    table["q_nps_change"] = benjamini_hochberg(table["p_nps_change"])
    table["q_share_change"] = benjamini_hochberg(table["p_share_change"])
    summary = {
        "nps_before": stat0.nps,
        "nps_after": stat1.nps,
        "delta": delta,
        "delta_low": difference_ci(stat0, stat1)[0],
        "delta_high": difference_ci(stat0, stat1)[1],
        "z": z,
        "p": p,
        "baseline": baseline,
    }
    return summary, table.sort_values("total", key=np.abs, ascending=False, ignore_index=True)


def segment_changes(
    frame: pd.DataFrame,
    matrix: pd.DataFrame,
    codes: np.ndarray,
    period_column: str,
    before: object,
    after: object,
    by: Sequence[str],
) -> pd.DataFrame:
    """``period_change`` per segment, with BH q-values recomputed across topics × segments."""
    tables = []
    for key, group in frame.groupby(list(by)):
        rows = frame.index.get_indexer(group.index)
        try:
            _, table = period_change(
                matrix.iloc[rows], codes[rows], frame[period_column].to_numpy()[rows], before, after
            )
        except ValueError:
            continue  # a segment with no scored comments in one period has nothing to split
        keys = key if isinstance(key, tuple) else (key,)
        for name, value in zip(by, keys, strict=True):
            table.insert(0, name, value)
        tables.append(table)
    if not tables:
        return pd.DataFrame()
    out = pd.concat(tables, ignore_index=True)
    out["q_nps_change"] = benjamini_hochberg(out["p_nps_change"])
    out["q_share_change"] = benjamini_hochberg(out["p_share_change"])
    return out
