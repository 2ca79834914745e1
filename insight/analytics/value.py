"""The money behind a topic: what its drag (or lift) on advocacy is worth.

Counterfactual: if the topic's commenters were promoters and detractors at the rate of everyone
else, the topic would gain Δp = n_T·(p_notT − p_T) promoters and lose Δd = n_T·(d_T − d_notT)
detractors among the scored sample. Scaled to a customer base of ``customers`` (the sample's
share of it is n_T / n), the value at stake is
    value = scale·(Δp·value_per_promoter + Δd·cost_per_detractor),  scale = customers / n.
A positive value means money lost to the topic (fixing it is worth that much); negative means the
topic earns it (losing it would cost that much).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AdvocacyValue:
    """Configurable economics: value of one promoter, cost of one detractor, customer base."""

    value_per_promoter: float
    cost_per_detractor: float
    customers: int

    def topic_value(
        self, codes: np.ndarray, inside: np.ndarray, weights: np.ndarray | None = None
    ) -> float:
        """Money at stake for the topic whose commenters are ``inside`` (codes: −1/0/+1/NaN);
        ``weights``: comments per row of a compressed panel."""
        keep = ~np.isnan(codes)
        w = (np.ones(len(codes)) if weights is None else np.asarray(weights, float))[keep]
        codes, inside = codes[keep], inside[keep].astype(bool)
        n, n_t = float(w.sum()), float(w[inside].sum())
        if n_t == 0 or n_t == n:
            return 0.0
        p_t, d_t = (
            np.average(codes[inside] > 0, weights=w[inside]),
            np.average(codes[inside] < 0, weights=w[inside]),
        )
        p_o, d_o = (
            np.average(codes[~inside] > 0, weights=w[~inside]),
            np.average(codes[~inside] < 0, weights=w[~inside]),
        )
        gained_promoters = n_t * (p_o - p_t)
        lost_detractors = n_t * (d_t - d_o)
        scale = self.customers / n
        return float(
            scale
            * (
                gained_promoters * self.value_per_promoter
                + lost_detractors * self.cost_per_detractor
            )
        )
