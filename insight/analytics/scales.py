"""Advocacy scales: how a raw score maps to promoter (+1), passive (0) or detractor (−1).

NPS uses 0–10 with promoters 9–10 and detractors 0–6. CSAT-style 1–5 questions are supported
with a configurable mapping (default: 5 = promoter, 4 = passive, 1–3 = detractor, i.e. the
"top box minus bottom three" net score). Every other statistic works on the −1/0/+1 codes, so
they apply to any scale.

``measure = "mean"`` reports a mean score instead of a net score: a score's code is its place on
the scale mapped linearly onto −1…+1 (minimum −1, maximum +1), so every figure is a *score index*,
100 × the mean code (−100: everyone at the minimum, +100: everyone at the maximum), which reads
back as a mean score (``mean_score``). Every statistic is linear in the codes (means, OLS effects,
the what-changed decomposition) or uses their variance, so each applies unchanged; the promoter /
detractor cuts still name score groups (filters, call-backs, alerts on a new detractor).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class AdvocacyScale:
    name: str
    minimum: int
    maximum: int
    promoter_min: int
    detractor_max: int
    measure: Literal["net", "mean"] = "net"

    @property
    def metric(self) -> str:
        """What every headline figure is called on this scale."""
        return "NPS" if self.measure == "net" else "Score index"

    def mean_score(self, index: float) -> float:
        """The mean score a score index (``measure = "mean"``) stands for."""
        return self.minimum + (index / 100.0 + 1.0) / 2.0 * (self.maximum - self.minimum)

    def __post_init__(self) -> None:
        if not self.minimum <= self.detractor_max < self.promoter_min <= self.maximum:
            raise ValueError(
                f"scale {self.name!r}: need minimum <= detractor_max < promoter_min <= maximum"
            )

    def codes(self, scores: Iterable[float | int | None]) -> np.ndarray:
        """The code every statistic averages, per score: +1 / 0 / −1 (``measure = "net"``) or
        the score's place on −1…+1 (``"mean"``); NaN for a missing score. Out-of-range raise."""
        values = self._values(scores)
        if self.measure == "net":
            return self._groups(values)
        return 2.0 * (values - self.minimum) / (self.maximum - self.minimum) - 1.0

    def groups(self, scores: Iterable[float | int | None]) -> np.ndarray:
        """+1 / 0 / −1 per score (promoter, passive, detractor by the cuts); NaN if missing."""
        return self._groups(self._values(scores))

    def _values(self, scores: Iterable[float | int | None]) -> np.ndarray:
        values = (
            pd.Series(list(scores), dtype=object)
            .astype("Float64")
            .to_numpy(dtype=np.float64, na_value=np.nan)
        )
        present = ~np.isnan(values)
        bad = present & ((values < self.minimum) | (values > self.maximum))
        if bad.any():
            raise ValueError(
                f"{int(bad.sum())} score(s) outside {self.minimum}–{self.maximum} on the "
                f"{self.name} scale, e.g. {values[bad][0]:g}"
            )
        return values

    def _groups(self, values: np.ndarray) -> np.ndarray:
        present = ~np.isnan(values)
        out = np.full(values.shape, np.nan)
        out[present] = np.where(
            values[present] >= self.promoter_min,
            1.0,
            np.where(values[present] <= self.detractor_max, -1.0, 0.0),
        )
        return out


NPS_SCALE = AdvocacyScale("nps", 0, 10, promoter_min=9, detractor_max=6)
RATING10_SCALE = AdvocacyScale("rating10", 1, 10, promoter_min=9, detractor_max=6)
CSAT_SCALE = AdvocacyScale("csat5", 1, 5, promoter_min=5, detractor_max=3)
STARS5_SCALE = AdvocacyScale("stars5", 1, 5, promoter_min=5, detractor_max=3)
#: The named scales ``[scale] kind`` accepts (``custom`` gives its own bounds).
SCALES = {s.name: s for s in (NPS_SCALE, RATING10_SCALE, CSAT_SCALE, STARS5_SCALE)}


def likely_scale(histogram: dict[int, int], minimum_rows: int = 30) -> AdvocacyScale | None:
    """The named scale a score column looks like, when it clearly is not 0–10: every score
    within 1–5 (a CSAT or star rating). None when unclear or too few scores to tell."""
    rows = sum(histogram.values())
    if rows < minimum_rows or not histogram:
        return None
    if min(histogram) >= 1 and max(histogram) <= 5:
        return CSAT_SCALE
    return None
