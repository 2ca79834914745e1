"""How fine the fit's clusters are, chosen from the data: three UMAP layouts and their agreement.

A fixed share of mentions per cluster (the 0.5% rule) cut some corpora too finely, and HDBSCAN
on a single UMAP layout changes with the layout's seed. The fit therefore lays the mentions out
three times (three seeds). For each candidate cluster size (the 0.5% rule times ``SIZE_STEPS``,
finest first) it clusters each layout alone and measures how well the layouts agree: the
adjusted Rand index of each pair on the points both cluster (noise is reassigned later, by the
tagger's vote), as a mean over the pairs. A size whose clusters are real reappears in other
layouts. The finest size whose layouts agree at ``STABLE`` or better wins (none: the most
agreeing); sizes whose largest cluster would hold more than the theme cap are not candidates.
The clusters are then found on the layouts side by side, which averages out much of the seed.

An earlier rule (the finest size within 95% of the best agreement) chose different sizes for
different seeds: the candidates' agreements differ by about as much as the layouts' noise
(bench/README, "Granularity chosen from the data"). A floor on the agreement itself only moves
the choice when a size is clearly unstable, and then to the finest one that is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: How many seeded layouts the fit compares and clusters side by side.
LAYOUTS = 3
#: Candidate cluster sizes, as multiples of the 0.5% rule: never finer, coarser when it agrees.
SIZE_STEPS = (1.0, 1.5, 2.0, 3.0)
#: A coarser size is chosen only when the finer ones' layouts agree less than this (adjusted Rand
#: index): the seed stability issue 14 asks of every corpus.
STABLE = 0.8


def auto_min_topic_size(n_docs: int) -> int:
    """The finest candidate: about 0.5% of mentions, within [10, 500]."""
    return int(min(500, max(10, round(0.005 * n_docs))))


def candidate_sizes(base: int, n_points: int) -> list[int]:
    """Cluster sizes to try: ``base`` times each step, at most half the points, no repeats."""
    ceiling = max(base, n_points // 2)
    return sorted({min(ceiling, max(2, round(base * step))) for step in SIZE_STEPS})


def hdbscan_labels(points: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """HDBSCAN's labels and membership strengths at one cluster size (the fit's settings)."""
    from hdbscan import HDBSCAN

    model = HDBSCAN(
        min_cluster_size=size,
        min_samples=max(2, size // 4),
        metric="euclidean",
        cluster_selection_method="eom",
    ).fit(points)
    return np.asarray(model.labels_, dtype=np.int64), np.asarray(model.probabilities_)


def choose_size(agreement: dict[int, float]) -> int:
    """The finest size whose agreement is at least ``STABLE``; if none is, the most agreeing."""
    stable = [size for size, score in agreement.items() if score >= STABLE]
    return min(stable) if stable else max(agreement, key=lambda size: agreement[size])


def umap_layouts(
    seed: int, knn: tuple[np.ndarray, np.ndarray], start: Any, neighbours: int, components: int
) -> Layouts:
    """``LAYOUTS`` UMAP layouts of the fit (seeds ``seed``, ``seed + 1``...), one kNN graph and
    starting layout (``start``) for all."""
    from umap import UMAP

    return Layouts(
        [
            UMAP(
                n_neighbors=neighbours,
                n_components=components,
                min_dist=0.0,
                metric="cosine",
                random_state=seed + layout,
                precomputed_knn=(*knn, None),
                init=start,
            )
            for layout in range(LAYOUTS)
        ]
    )


class Layouts:
    """BERTopic's dimensionality-reduction step: several seeded UMAP layouts side by side."""

    def __init__(self, layouts: Sequence[Any]) -> None:
        self.layouts = list(layouts)
        self.embedding_: np.ndarray | None = None

    def fit(self, embeddings: np.ndarray, y: Any = None) -> Layouts:
        self.embedding_ = np.hstack(
            [
                np.asarray(layout.fit_transform(embeddings), dtype=np.float32)
                for layout in self.layouts
            ]
        )
        return self

    def fit_transform(self, embeddings: np.ndarray, y: Any = None) -> np.ndarray:
        self.fit(embeddings, y)
        assert self.embedding_ is not None
        return self.embedding_

    def transform(self, embeddings: np.ndarray) -> np.ndarray:
        if self.embedding_ is None or len(embeddings) != len(self.embedding_):
            raise NotImplementedError("new mentions are tagged by the kNN index, not laid out")
        return self.embedding_


class AgreedSizeClusterer:
    """BERTopic's clustering step: HDBSCAN at the finest candidate size the layouts agree on.

    ``parts``: how many layouts the input holds side by side (equal column blocks);
    ``max_share``: no candidate whose largest cluster holds more of the points than this
    (unless none is below it). Candidates are tried finest first and the search stops at the
    first stable one. One candidate size: that size, no comparison."""

    def __init__(self, sizes: Sequence[int], parts: int, max_share: float) -> None:
        self.sizes = sorted(set(sizes))
        self.parts = parts
        self.max_share = max_share
        self.agreement_: dict[int, float] = {}
        self.size_ = self.sizes[0]
        self.labels_: np.ndarray | None = None
        self.probabilities_: np.ndarray | None = None

    def fit(self, points: np.ndarray, y: Any = None) -> AgreedSizeClusterer:
        if len(self.sizes) > 1 and self.parts > 1:
            layouts = np.split(np.asarray(points), self.parts, axis=1)
            scored: dict[int, tuple[float, bool]] = {}
            for size in self.sizes:
                runs = [hdbscan_labels(layout, size)[0] for layout in layouts]
                if min(len(set(run.tolist()) - {-1}) for run in runs) < 2:
                    continue  # all noise or one cluster "agrees" trivially
                pairs = [
                    _agreement(runs[i], runs[j])
                    for i in range(len(runs))
                    for j in range(i + 1, len(runs))
                ]
                within_cap = max(_largest_share(run) for run in runs) <= self.max_share
                scored[size] = (float(np.mean(pairs)), within_cap)
                if within_cap and scored[size][0] >= STABLE:
                    break  # the finest stable size: coarser ones cannot be chosen
            capped = {s: a for s, (a, ok) in scored.items() if ok}
            self.agreement_ = capped or {s: a for s, (a, _) in scored.items()}
            if self.agreement_:
                self.size_ = choose_size(self.agreement_)
        self.labels_, self.probabilities_ = hdbscan_labels(points, self.size_)
        return self


def _agreement(first: np.ndarray, second: np.ndarray) -> float:
    """Adjusted Rand index of two labelings on the points both put in a cluster."""
    from sklearn.metrics import adjusted_rand_score

    both = (first != -1) & (second != -1)
    return float(adjusted_rand_score(first[both], second[both])) if both.sum() > 1 else 0.0


def _largest_share(labels: np.ndarray) -> float:
    clustered = labels[labels != -1]
    return float(np.bincount(clustered).max() / len(labels)) if len(clustered) else 0.0
