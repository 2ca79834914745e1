"""Emerging and fading topics, and genuinely new ones.

Volume: under "no change", a topic's count in the current period given its total count over
current + baseline is Binomial(c₀ + c₁, n₁/(n₀ + n₁)) (the conditional test for two Poisson
rates with exposures n₀, n₁). One-sided p-values for a rise (emerging) and a fall (fading),
Benjamini–Hochberg across topics. The baseline is the previous period or several pooled
(a trailing baseline).

New topics: cluster the current period's mentions and compare each cluster's centroid with the
known topic centroids; a cluster whose best cosine is below ``max_similarity`` is new.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from insight.analytics.testing import benjamini_hochberg


def volume_shifts(
    baseline_counts: pd.Series,
    baseline_exposure: int,
    current_counts: pd.Series,
    current_exposure: int,
    alpha: float = 0.05,
    min_ratio: float = 1.25,
) -> pd.DataFrame:
    """Per topic: counts, shares, ratio, p/q for emerging and fading, and a status.

    ``*_counts``: comments per topic id; ``*_exposure``: comments in the period (all topics).
    Status is ``emerging`` / ``fading`` when q <= alpha and the share moved by at least
    ``min_ratio`` (so a tiny but "significant" wobble on huge volumes is not an alarm).
    """
    topics = baseline_counts.index.union(current_counts.index)
    c0 = baseline_counts.reindex(topics, fill_value=0).to_numpy(int)
    c1 = current_counts.reindex(topics, fill_value=0).to_numpy(int)
    trials = c0 + c1
    expected_share = current_exposure / (baseline_exposure + current_exposure)
    p_up = stats.binom.sf(c1 - 1, trials, expected_share)
    p_down = stats.binom.cdf(c1, trials, expected_share)
    s0, s1 = c0 / baseline_exposure, c1 / current_exposure
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(s0 > 0, s1 / s0, np.inf)
    q_up, q_down = benjamini_hochberg(p_up), benjamini_hochberg(p_down)
    status = np.where(
        (q_up <= alpha) & (ratio >= min_ratio),
        "emerging",
        np.where((q_down <= alpha) & (ratio <= 1 / min_ratio), "fading", "stable"),
    )
    status = np.where((c0 == 0) & (status == "emerging"), "new", status)
    return pd.DataFrame(
        {
            "topic_id": topics,
            "baseline_count": c0,
            "current_count": c1,
            "baseline_share": s0,
            "current_share": s1,
            "ratio": ratio,
            "p_emerging": p_up,
            "q_emerging": q_up,
            "p_fading": p_down,
            "q_fading": q_down,
            "status": status,
        }
    )


@dataclass(frozen=True)
class NewTopicCandidate:
    members: np.ndarray
    centroid: np.ndarray
    best_known: int
    best_similarity: float


def new_topic_candidates(
    embeddings: np.ndarray,
    known_centroids: np.ndarray,
    min_cluster_size: int = 15,
    max_similarity: float = 0.6,
    seed: int = 42,
) -> list[NewTopicCandidate]:
    """Clusters of the current period that match no known topic (best cosine < max_similarity)."""
    from hdbscan import HDBSCAN
    from sklearn.decomposition import PCA

    if len(embeddings) < 2 * min_cluster_size:
        return []
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    reduced = PCA(
        n_components=min(10, unit.shape[1], len(unit) - 1), random_state=seed
    ).fit_transform(unit)
    labels = HDBSCAN(min_cluster_size=min_cluster_size).fit_predict(reduced)
    known = known_centroids / np.maximum(
        np.linalg.norm(known_centroids, axis=1, keepdims=True), 1e-12
    )
    out = []
    for label in sorted(set(labels.tolist()) - {-1}):
        members = np.flatnonzero(labels == label)
        centroid = unit[members].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        sims = known @ centroid if len(known) else np.array([-1.0])
        best = int(np.argmax(sims))
        if sims[best] < max_similarity:
            out.append(NewTopicCandidate(members, centroid, best, float(sims[best])))
    return sorted(out, key=lambda c: -len(c.members))
