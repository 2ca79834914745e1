"""NPS per any slice (period, channel, touch point, segment, team, agent) with intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from insight.analytics.nps import nps_from_codes
from insight.analytics.scales import NPS_SCALE, AdvocacyScale

SLICE_COLUMNS = ["n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high", "se"]


def nps_table(
    frame: pd.DataFrame,
    by: Sequence[str] = (),
    scale: AdvocacyScale = NPS_SCALE,
    score_column: str = "score",
) -> pd.DataFrame:
    """One row per slice (or one row overall when ``by`` is empty); unscored rows are ignored.

    Columns: the ``by`` keys, then n, promoters, passives, detractors, nps, ci_low, ci_high, se.
    """
    missing = [c for c in [*by, score_column] if c not in frame.columns]
    if missing:
        raise KeyError(f"columns not found: {missing}; available: {list(frame.columns)}")
    codes = scale.codes(frame[score_column].tolist())
    work = frame.loc[:, list(by)].copy()
    work["_code"] = codes
    work = work[~np.isnan(codes)]
    rows = []
    groups = work.groupby(list(by), dropna=False, sort=True) if by else [((), work)]
    for key, group in groups:
        stat = nps_from_codes(group["_code"].to_numpy())
        if stat is None:
            continue
        keys = key if isinstance(key, tuple) else (key,)
        rows.append(
            [
                *keys,
                stat.n,
                stat.promoters,
                stat.passives,
                stat.detractors,
                stat.nps,
                stat.ci_low,
                stat.ci_high,
                stat.se,
            ]
        )
    return pd.DataFrame(rows, columns=[*by, *SLICE_COLUMNS])
