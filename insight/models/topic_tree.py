"""Two levels of topics: themes (what reports rank) and the subtopics under them.

The fit clusters mentions finely (HDBSCAN's clusters: "Shower pressure", "Shower drain"), then
joins near clusters into themes ("Shower"); each fine cluster is a subtopic with exactly one
parent theme. The tagger indexes subtopic ids and decides in two steps: the theme by the vote of
the nearest indexed mentions (each voting for its subtopic's theme, so the theme level is what a
one-level model would say), then the subtopic among the neighbours of that theme. A mention's
theme is therefore always its subtopic's parent, and tagging reproduces the fit at both levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from insight.models.neighbours import centroids_of, present_ids

OUTLIER = -1
#: Which level a read answers at.
Level = Literal["theme", "subtopic"]
#: Where a model's subtopic level is stored: its own model id, so every read works on it.
SUBTOPIC_SUFFIX = "/subtopics"


def subtopic_model_id(model_id: str) -> str:
    """The store's model id of ``model_id``'s subtopic level."""
    return model_id + SUBTOPIC_SUFFIX


@dataclass(frozen=True)
class Hierarchy:
    """Subtopic id -> theme id (outliers map to outliers, an unknown id to an outlier)."""

    parents: dict[int, int]
    _keys: np.ndarray = field(init=False, repr=False, compare=False)
    _values: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # sorted lookup arrays, built once: ``themes_of`` runs on every tagging batch
        keys = np.array(sorted(self.parents), dtype=np.int64)
        values = np.array([self.parents[int(k)] for k in keys], dtype=np.int64)
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_values", values)

    @classmethod
    def flat(cls, topic_ids: np.ndarray) -> Hierarchy:
        """One level: every topic its own parent (a model saved before subtopics existed)."""
        return cls({int(t): int(t) for t in np.unique(topic_ids) if t != OUTLIER})

    def themes_of(self, subtopics: np.ndarray) -> np.ndarray:
        ids = np.asarray(subtopics, dtype=np.int64)
        keys, values = self._keys, self._values
        if not len(keys):
            return np.full(ids.shape, OUTLIER, dtype=np.int64)
        at = np.clip(np.searchsorted(keys, ids), 0, len(keys) - 1)
        return np.where(keys[at] == ids, values[at], OUTLIER)

    def to_json(self) -> dict[str, int]:
        return {str(s): t for s, t in sorted(self.parents.items())}

    @classmethod
    def from_json(cls, data: dict[str, int]) -> Hierarchy:
        return cls({int(s): int(t) for s, t in data.items()})


def reduce_outliers(
    embeddings: np.ndarray, fine: np.ndarray, tree: Hierarchy, threshold: float
) -> None:
    """Move each outlier (in place) into the theme whose centroid is nearest when the cosine is
    at least ``threshold``, and there into that theme's nearest subtopic."""
    themes = tree.themes_of(fine)
    theme_ids, fine_ids = present_ids(themes), present_ids(fine)
    if not theme_ids:
        return
    outliers = np.flatnonzero(fine == OUTLIER)
    sims = embeddings[outliers] @ centroids_of(embeddings, themes, theme_ids).T
    best = sims.argmax(axis=1)
    close = sims[np.arange(len(outliers)), best] >= threshold
    moved, chosen = outliers[close], np.asarray(theme_ids)[best[close]]
    parent = tree.themes_of(np.asarray(fine_ids, dtype=np.int64))
    near = embeddings[moved] @ centroids_of(embeddings, fine, fine_ids).T
    near[parent[None, :] != chosen[:, None]] = -np.inf
    fine[moved] = np.asarray(fine_ids, dtype=np.int64)[near.argmax(axis=1)]
