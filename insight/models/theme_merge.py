"""Fine clusters joined into themes: average linkage on centroid distances, with a size cap.

HDBSCAN finds dense phrasings; analysts want themes. Joining near-identical clusters gives a
readable number of topics, but plain average linkage let one theme swallow a third of all hotel
review clauses ("Hotel": showers, noise, carpets, air conditioning...). A theme that would hold
more than ``cap`` mentions is split along its own merge tree, so every theme stays a readable
share.
When even that leaves more themes than an analyst can read (``max_themes``), the tree is cut
higher, in steps, up to orthogonal centroids.
"""

from __future__ import annotations

import numpy as np

from insight.models.neighbours import centroids_of, present_ids

#: How far the cut rises, per step, when too many themes remain, and where it stops: centroids
#: at cosine distance 1 share nothing, and joining them would make a theme of unrelated subjects.
CUT_STEP = 0.05
CUT_CEILING = 1.0


def theme_groups(
    labels: np.ndarray,
    embeddings: np.ndarray,
    p_positive: np.ndarray | None,
    filler: list[int],
    limits: tuple[float, float, float],
    subjects: dict[int, set[str]] | None = None,
    max_themes: int = 0,
) -> list[list[int]]:
    """Fine clusters joined into themes: within ``merge_distance`` (cosine of centroids, average
    linkage), no theme over ``max_theme_share`` of the clustered mentions (``limits`` holds those
    two and ``merge_sentiment_gap``); filler clusters (no subject) form one group of their own.
    If more than ``max_themes`` (0 = no limit) themes would remain, the distance rises in
    ``CUT_STEP`` steps until they fit or it reaches ``CUT_CEILING`` (150 CLINC150 intents gave 56
    themes at 0.55).

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
    threshold = merge_distance
    joined = capped_average_linkage(distances, sizes, threshold, cap)
    while max_themes and threshold < CUT_CEILING:
        themes = len(ids) - sum(len(g) - 1 for g in groups + joined)
        if themes <= max_themes:
            break
        threshold = min(threshold + CUT_STEP, CUT_CEILING)
        joined = capped_average_linkage(distances, sizes, threshold, cap)
    return groups + [[kept[i] for i in group] for group in joined]


def capped_average_linkage(
    distances: np.ndarray, sizes: np.ndarray, threshold: float, cap: float
) -> list[list[int]]:
    """Groups of cluster indexes (each of 2+ clusters) from UPGMA over ``distances`` (n × n):
    the tree of merges within ``threshold``, cut so that no group's ``sizes`` sum over ``cap``.
    Distances of 2 or more are never merged.

    A group over the cap is split where its own tree branches (into the two groups it was
    joined from, recursively), not by refusing merges as they come: refusing let whichever
    clusters came first fill a theme and pushed the rest into farther groups, so two fits with
    near-identical clusters got different themes (``bench/topics_real.py``, seed ARI)."""
    n = len(sizes)
    if n < 2:
        return []
    between = distances.astype(np.float64, copy=True)
    np.fill_diagonal(between, np.inf)
    count = np.ones(n)
    node = list(range(n))  # the tree node each live row stands for; leaves are 0..n-1
    children: dict[int, tuple[int, int]] = {}
    weight = {i: float(sizes[i]) for i in range(n)}
    alive = np.ones(n, dtype=bool)
    while True:
        candidate = np.where(alive[:, None] & alive[None, :] & (between < 2.0), between, np.inf)
        a, b = divmod(int(np.argmin(candidate)), n)
        if not np.isfinite(candidate[a, b]) or candidate[a, b] > threshold:
            break
        joined = (count[a] * between[a] + count[b] * between[b]) / (count[a] + count[b])
        joined[np.maximum(between[a], between[b]) >= 2.0] = 2.0  # never across a hard wall
        between[a], between[:, a] = joined, joined
        between[a, a] = np.inf
        between[b], between[:, b] = np.inf, np.inf
        parent = n + len(children)
        children[parent] = (node[a], node[b])
        weight[parent] = weight[node[a]] + weight[node[b]]
        node[a], count[a], alive[b] = parent, count[a] + count[b], False

    def leaves(x: int) -> list[int]:
        return [x] if x < n else leaves(children[x][0]) + leaves(children[x][1])

    def within_cap(x: int) -> list[list[int]]:
        if x < n or weight[x] <= cap:
            return [leaves(x)]
        return within_cap(children[x][0]) + within_cap(children[x][1])

    roots = [node[i] for i in range(n) if alive[i] and node[i] >= n]
    return sorted(sorted(g) for root in roots for g in within_cap(root) if len(g) > 1)
