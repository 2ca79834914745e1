"""Per-topic advocacy: volume, NPS of the topic's commenters, impact on overall NPS.

* Impact (leave-one-out) = NPS(all) − NPS(without T) = share_T·(NPS_T − NPS_notT).
* Its interval uses the delta method with both parts uncertain:
  Var ≈ s²·(Var(NPS_T) + Var(NPS_notT)) + (NPS_T − NPS_notT)²·s(1 − s)/n.
* Small topics are shrunk toward overall NPS by empirical Bayes (a normal–normal model with the
  between-topic variance estimated by method of moments), and flagged below ``min_n``; a shrunk
  value is what a small topic "probably" scores, never shown as confident.
* When mentions carry sentiment, each topic's NPS is also split by mention sentiment.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from insight.analytics.nps import Z95, nps_from_codes
from insight.analytics.scales import NPS_SCALE, AdvocacyScale


def membership(comment_ids: pd.Index, assignments: pd.DataFrame) -> pd.DataFrame:
    """Comments × topics 0/1 matrix from (comment_id, topic_id) rows; a comment counts once."""
    pairs = assignments[["comment_id", "topic_id"]].drop_duplicates()
    pairs = pairs[pairs["comment_id"].isin(comment_ids)]
    matrix = pd.crosstab(pairs["comment_id"], pairs["topic_id"]).clip(upper=1)
    return matrix.reindex(index=comment_ids, fill_value=0).astype(np.int8)


def _per_observation_variance(codes: np.ndarray, weights: np.ndarray) -> float:
    """Variance of 100·code (on −1/0/+1 codes: 100²·[p + d − (p − d)²])."""
    mean = float(np.average(codes, weights=weights))
    return 100.0**2 * max(float(np.average(codes * codes, weights=weights)) - mean**2, 1e-12)


def shrinkage_strength(nps: np.ndarray, se: np.ndarray, sigma2: float) -> float:
    """Prior strength k (in pseudo-comments) of the normal–normal model, by method of moments."""
    ok = np.isfinite(nps) & np.isfinite(se)
    if ok.sum() < 3:
        return 30.0
    tau2 = float(np.var(nps[ok], ddof=1) - np.mean(se[ok] ** 2))
    if tau2 <= 0:
        return 1000.0
    return float(np.clip(sigma2 / tau2, 1.0, 1000.0))


def topic_table(
    comments: pd.DataFrame,
    assignments: pd.DataFrame,
    scale: AdvocacyScale = NPS_SCALE,
    min_n: int = 30,
    z: float = Z95,
) -> pd.DataFrame:
    """One row per topic id in ``assignments``.

    ``comments``: ``id`` and ``score``; ``assignments``: ``comment_id``, ``topic_id`` and
    optionally ``sentiment`` (negative/neutral/positive). Columns: topic_id, comments, share,
    n (scored), promoters, passives, detractors, nps, ci_low, ci_high, se, nps_shrunk, impact,
    impact_low, impact_high, low_volume, and nps_<sentiment> / n_<sentiment> if given.
    """
    ids = pd.Index(comments["id"])
    codes = scale.codes(comments["score"].tolist())
    matrix = membership(ids, assignments)
    table = panel_topic_table(matrix, codes, np.ones(len(codes), dtype=np.int64), min_n, z)
    if not table.empty and "sentiment" in assignments.columns:
        table = _with_sentiment(table, comments, assignments, codes, scale)
    return table


def panel_topic_table(
    matrix: pd.DataFrame, codes: np.ndarray, weights: np.ndarray, min_n: int = 30, z: float = Z95
) -> pd.DataFrame:
    """``topic_table`` of a compressed panel: rows of ``matrix`` (0/1 per topic column) stand for
    ``weights`` comments each with code ``codes`` (−1/0/+1, NaN unscored)."""
    w = np.asarray(weights, dtype=np.int64)
    scored = ~np.isnan(codes)
    total_scored = int(w[scored].sum())
    total = int(w.sum())
    overall = nps_from_codes(codes, weights=w)
    sigma2 = _per_observation_variance(codes[scored], w[scored]) if total_scored else float("nan")
    rows = []
    for topic_id in matrix.columns:
        inside = matrix[topic_id].to_numpy().astype(bool)
        row: dict[str, object] = {
            "topic_id": int(topic_id),
            "comments": int(w[inside].sum()),
            "share": float(w[inside].sum() / total) if total else 0.0,
        }
        with_t = nps_from_codes(codes[inside], weights=w[inside])
        without_t = nps_from_codes(codes[~inside], weights=w[~inside])
        row.update(
            n=with_t.n if with_t else 0,
            promoters=with_t.promoters if with_t else 0,
            passives=with_t.passives if with_t else 0,
            detractors=with_t.detractors if with_t else 0,
            nps=np.nan,
            ci_low=np.nan,
            ci_high=np.nan,
            impact=np.nan,
            impact_low=np.nan,
            impact_high=np.nan,
            se=np.nan,
        )
        if with_t is not None:
            row.update(
                nps=with_t.nps,
                ci_low=with_t.ci_low,
                ci_high=with_t.ci_high,
                se=with_t.se,
            )
        if with_t is not None and without_t is not None:
            s = with_t.n / total_scored
            gap = with_t.nps - without_t.nps
            var = s**2 * (with_t.se**2 + without_t.se**2) + gap**2 * s * (1 - s) / total_scored
            value = s * gap
            row.update(
                impact=value,
                impact_low=value - z * math.sqrt(var),
                impact_high=value + z * math.sqrt(var),
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    k = shrinkage_strength(table["nps"].to_numpy(float), table["se"].to_numpy(float), sigma2)
    centre = overall.nps if overall else np.nan
    n = table["n"].to_numpy(float)
    table["nps_shrunk"] = np.where(
        n > 0, (n * table["nps"].fillna(0) + k * centre) / (n + k), np.nan
    )
    table["low_volume"] = table["n"] < min_n
    return table.sort_values(["comments", "topic_id"], ascending=[False, True], ignore_index=True)


def _with_sentiment(
    table: pd.DataFrame,
    comments: pd.DataFrame,
    assignments: pd.DataFrame,
    codes: np.ndarray,
    scale: AdvocacyScale,
) -> pd.DataFrame:
    code_of = pd.Series(codes, index=comments["id"].to_numpy())
    pairs = assignments[["comment_id", "topic_id", "sentiment"]].drop_duplicates(
        ["comment_id", "topic_id", "sentiment"]
    )
    for sentiment, group in pairs.groupby("sentiment"):
        nps_values: dict[int, float] = {}
        counts: dict[int, int] = {}
        for topic_id, members in group.groupby("topic_id"):
            stat = nps_from_codes(code_of.reindex(members["comment_id"].unique()).to_numpy())
            nps_values[int(topic_id)] = stat.nps if stat else np.nan
            counts[int(topic_id)] = stat.n if stat else 0
        table[f"nps_{sentiment}"] = table["topic_id"].map(nps_values)
        table[f"n_{sentiment}"] = table["topic_id"].map(counts).fillna(0).astype(int)
    return table
