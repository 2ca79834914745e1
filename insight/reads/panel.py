"""A panel: comments compressed into distinct rows (topic membership, NPS code, period) with a
count per row. Every advocacy figure is a function of it, so a million comments become a few
thousand rows, aggregated in SQL (``from_rows``) or from in-memory frames (``from_frames``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from insight.analytics.impact import membership
from insight.analytics.polarity import POLARITIES, polar_matrix
from insight.analytics.scales import NPS_SCALE, AdvocacyScale


@dataclass(frozen=True)
class Panel:
    matrix: pd.DataFrame  # rows × topic ids, 0/1
    codes: np.ndarray  # −1/0/+1 per row, NaN unscored
    weights: np.ndarray  # comments per row
    period: np.ndarray  # 0 / 1 per row (before / from a boundary), or all 0

    @property
    def comments(self) -> int:
        return int(self.weights.sum())

    @property
    def scored(self) -> int:
        return int(self.weights[~np.isnan(self.codes)].sum())

    def coverage(self, outlier: int) -> float:
        """Share of comments with at least one topic other than ``outlier`` (0 when empty)."""
        known = self.without(outlier).matrix.to_numpy()
        total = self.weights.sum()
        covered = self.weights[known.sum(axis=1) > 0].sum() if known.size else 0
        return float(covered / total) if total else 0.0

    def without(self, topic_id: int) -> Panel:
        """The same comments without one topic column (e.g. outliers for drivers)."""
        if topic_id not in self.matrix.columns:
            return self
        return Panel(self.matrix.drop(columns=topic_id), self.codes, self.weights, self.period)

    def where(self, keep: np.ndarray) -> Panel:
        return Panel(
            self.matrix[keep].reset_index(drop=True),
            self.codes[keep],
            self.weights[keep],
            self.period[keep],
        )

    @classmethod
    def from_rows(cls, rows: pd.DataFrame, scale: AdvocacyScale = NPS_SCALE) -> Panel:
        """From SQL rows: ``topics`` (list of ids), ``score``, ``period``, ``n``."""
        lists: Iterable[Iterable[int]] = rows["topics"]
        return cls._from_key_sets(
            [{int(t) for t in topics} for topics in lists], rows, rows["period"], scale
        )

    @classmethod
    def polar_from_rows(
        cls, rows: pd.DataFrame, outlier: int, scale: AdvocacyScale = NPS_SCALE
    ) -> Panel:
        """A panel over (topic, polarity) columns from SQL rows with ``complaint``, ``praise``
        and ``neutral`` topic lists, ``score``, ``n`` and optionally ``period``."""
        keys = [
            {(int(t), side) for side in POLARITIES for t in getattr(r, side) if t != outlier}
            for r in rows.itertuples()
        ]
        period = rows["period"] if "period" in rows else np.zeros(len(rows), dtype=np.int64)
        return cls._from_key_sets(keys, rows, period, scale)

    @classmethod
    def polar_from_frames(
        cls,
        comments: pd.DataFrame,
        assignments: pd.DataFrame,
        outlier: int,
        period: np.ndarray,
        scale: AdvocacyScale = NPS_SCALE,
    ) -> Panel:
        """One row per comment (weight 1) over (topic, polarity) columns from ``comments``
        (id, score) and ``assignments`` (comment_id, topic_id, sentiment)."""
        return cls(
            polar_matrix(pd.Index(comments["id"]), assignments, outlier),
            scale.codes(comments["score"].tolist()),
            np.ones(len(comments), dtype=np.int64),
            np.asarray(period, dtype=np.int64),
        )

    @classmethod
    def _from_key_sets(
        cls, key_sets: list[set[Any]], rows: pd.DataFrame, period: Any, scale: AdvocacyScale
    ) -> Panel:
        """One 0/1 column per distinct key (sorted), one row per SQL row with its score and n."""
        columns = sorted({k for keys in key_sets for k in keys})
        position = {k: j for j, k in enumerate(columns)}
        x = np.zeros((len(rows), len(columns)), dtype=np.int8)
        for i, keys in enumerate(key_sets):
            x[i, [position[k] for k in keys]] = 1
        scores = [None if pd.isna(s) else int(s) for s in rows["score"]]
        return cls(
            pd.DataFrame(x, columns=pd.Index(columns, tupleize_cols=False)),
            scale.codes(scores),
            rows["n"].to_numpy(dtype=np.int64),
            np.asarray(period, dtype=np.int64),
        )

    @classmethod
    def from_frames(
        cls,
        comments: pd.DataFrame,
        assignments: pd.DataFrame,
        period: np.ndarray | None = None,
        scale: AdvocacyScale = NPS_SCALE,
    ) -> Panel:
        """One row per comment (weight 1) from ``comments`` (id, score) and ``assignments``."""
        matrix = membership(pd.Index(comments["id"]), assignments).reset_index(drop=True)
        matrix.columns = [int(c) for c in matrix.columns]
        return cls(
            matrix,
            scale.codes(comments["score"].tolist()),
            np.ones(len(comments), dtype=np.int64),
            np.zeros(len(comments), dtype=np.int64) if period is None else period,
        )
