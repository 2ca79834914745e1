"""Fine clusters joined into themes: average linkage on centroid distances, with a size cap.

HDBSCAN finds dense phrasings; analysts want themes. Joining near-identical clusters gives a
readable number of topics, but plain average linkage let one theme swallow a third of all hotel
review clauses ("Hotel": showers, noise, carpets, air conditioning...). A merge that would make a
theme hold more than ``cap`` mentions is never made, so every theme stays a readable share.
"""

from __future__ import annotations

import numpy as np

from insight.models.neighbours import centroids_of, present_ids


def theme_groups(
    labels: np.ndarray,
    embeddings: np.ndarray,
    p_positive: np.ndarray | None,
    filler: list[int],
    limits: tuple[float, float, float],
    subjects: dict[int, set[str]] | None = None,
) -> list[list[int]]:
    """Fine clusters joined into themes: within ``merge_distance`` (cosine of centroids, average
    linkage), no theme over ``max_theme_share`` of the clustered mentions (``limits`` holds those
    two and ``merge_sentiment_gap``); filler clusters (no subject) form one group of their own.

    A theme is a subject; tone is a property of each mention. Embeddings place "they fixed my
    issue fast" near "the app update broke everything" (both about problems), so clusters whose
    mean positive probability (``p_positive``, None = no guard) differs by more than the gap are
    not merged *unless they name the same subject* (``subjects``: each cluster's leading noun
    phrases): "staff were lovely" and "staff were rude" become one "Staff" theme with praise and
    complaints, the app crash and the quick fix stay apart. Measured by ``bench/topics_real.py``."""
    merge_distance, sentiment_gap, max_share = limits
    ids = present_ids(labels)
    kept = [t for t in ids if t not in filler]
    groups = [filler] if len(filler) > 1 else []
    if merge_distance <= 0 or len(kept) < 3:
        return groups
    members = [labels == t for t in kept]
    centroids = centroids_of(embeddings, labels, kept)
    distances = np.clip(1.0 - centroids @ centroids.T, 0.0, 2.0)
    if p_positive is not None:
        tone = np.array([float(np.mean(p_positive[m])) for m in members])
        wall = np.abs(tone[:, None] - tone[None, :]) > sentiment_gap
        if subjects is not None:
            named = [subjects.get(t, set()) for t in kept]
            wall &= ~np.array([[bool(a & b) for b in named] for a in named])
        distances[wall] = 2.0
    sizes = np.array([int(m.sum()) for m in members])
    cap = max_share * float(np.sum(labels != -1))
    joined = capped_average_linkage(distances, sizes, merge_distance, cap)
    return groups + [[kept[i] for i in group] for group in joined]


def capped_average_linkage(
    distances: np.ndarray, sizes: np.ndarray, threshold: float, cap: float
) -> list[list[int]]:
    """Groups of cluster indexes (each of 2+ clusters) from UPGMA over ``distances`` (n × n),
    merging the closest pair first while it is within ``threshold`` and the joined ``sizes``
    stay within ``cap``. Distances of 2 or more are never merged."""
    n = len(sizes)
    if n < 2:
        return []
    between = distances.astype(np.float64, copy=True)
    np.fill_diagonal(between, np.inf)
    members: list[list[int]] = [[i] for i in range(n)]
    mentions = sizes.astype(np.float64, copy=True)
    alive = np.ones(n, dtype=bool)
    while True:
        allowed = alive[:, None] & alive[None, :] & (mentions[:, None] + mentions[None, :] <= cap)
        candidate = np.where(allowed & (between < 2.0), between, np.inf)
        flat = int(np.argmin(candidate))
        a, b = divmod(flat, n)
        if not np.isfinite(candidate[a, b]) or candidate[a, b] > threshold:
            break
        weight_a, weight_b = len(members[a]), len(members[b])
        joined = (weight_a * between[a] + weight_b * between[b]) / (weight_a + weight_b)
        joined[np.maximum(between[a], between[b]) >= 2.0] = 2.0  # never across a hard wall
        between[a], between[:, a] = joined, joined
        between[a, a] = np.inf
        between[b], between[:, b] = np.inf, np.inf
        members[a] += members[b]
        mentions[a] += mentions[b]
        alive[b] = False
    return [sorted(m) for i, m in enumerate(members) if alive[i] and len(m) > 1]
