"""Praise and complaint as separate drivers of a topic.

A topic is a subject; each mention of it carries a polarity (complaint = negative mention, praise
= positive, neutral apart). Mention-level impact ("commenters who mention showers") mixes the two
and measures how much people write: a long review mentions many topics. The driver model is an
OLS of y = 100·code on one 0/1 indicator per (topic, polarity), all at once:

    y = a + Σ_k c_k·complaint_k + Σ_k p_k·praise_k + Σ_k u_k·neutral_k (+ g·L) + e

so c_k is "NPS points for a comment that complains about k, everything else it raises held
fixed": a review raising seven aspects carries seven indicators, and how much it says is in the
model by construction. An extra length covariate L = ln(1 + words) is optional and off by
default: length is partly *caused* by the score (happy customers add goodwill), and holding a
consequence of the outcome fixed biases every effect; on the demo, whose 9–10 scorers add a
goodwill sentence, checkout praise reads +23 NPS points with L and +41 without (planted +38).
Where verbosity is a cause (talkative customers score higher whatever they say) L removes the
bias instead (``tests/test_polarity.py`` plants both). HC3 intervals and Benjamini–Hochberg
q-values come from ``key_drivers``. Impact of a side = (share of comments with it) × its effect:
the NPS points the whole base would move without that side, other things equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insight.analytics.drivers import key_drivers

POLARITY_OF_SENTIMENT = {"negative": "complaint", "positive": "praise", "neutral": "neutral"}
POLARITIES = ("complaint", "praise", "neutral")


def polar_drivers(
    matrix: pd.DataFrame,
    codes: np.ndarray,
    weights: np.ndarray,
    length: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per (topic, polarity) column of ``matrix`` (columns are ``(topic_id, polarity)``):
    topic_id, polarity, comments, share, effect, ci_low, ci_high, q, impact, impact_low,
    impact_high. ``length``: ``length_control`` per row (None = plain indicators only)."""
    w = np.asarray(weights, dtype=np.float64)
    scored = ~np.isnan(codes)
    present = matrix.to_numpy(dtype=np.float64)
    counts = (present * w[:, None]).sum(axis=0)
    keep = counts > 0
    matrix = matrix.loc[:, keep]
    controls = None if length is None else np.asarray(length, np.float64)
    table = key_drivers(matrix, codes, weights=w, controls=controls, max_shapley=0)
    total = float(w[scored].sum())
    scored_counts = (matrix.to_numpy(dtype=np.float64)[scored] * w[scored, None]).sum(axis=0)
    share = pd.Series(scored_counts / total, index=range(matrix.shape[1]))
    position = {column: j for j, column in enumerate(matrix.columns)}
    table["share"] = [share[position[c]] for c in table["topic_id"]]
    table["comments"] = [int(counts[keep][position[c]]) for c in table["topic_id"]]
    table["polarity"] = [c[1] for c in table["topic_id"]]
    table["topic_id"] = [int(c[0]) for c in table["topic_id"]]
    for column, source in (
        ("impact", "effect"),
        ("impact_low", "ci_low"),
        ("impact_high", "ci_high"),
    ):
        table[column] = table["share"] * table[source]
    return table[
        ["topic_id", "polarity", "comments", "share", "effect", "ci_low", "ci_high", "q", "impact",
         "impact_low", "impact_high"]
    ].sort_values(["topic_id", "polarity"], ignore_index=True)  # fmt: skip


def length_control(words: np.ndarray) -> np.ndarray:
    """ln(1 + words): how much a comment says, on the scale scores move with it."""
    return np.log1p(np.asarray(words, dtype=np.float64))


def polar_matrix(comment_ids: pd.Index, assignments: pd.DataFrame, outlier: int) -> pd.DataFrame:
    """Comments × (topic, polarity) 0/1 matrix from mention rows with ``comment_id``,
    ``topic_id`` and ``sentiment``; ``outlier`` mentions have no subject."""
    rows = assignments[assignments["topic_id"] != outlier]
    rows = rows.assign(polarity=rows["sentiment"].map(POLARITY_OF_SENTIMENT))
    rows = rows.dropna(subset=["polarity"])
    pairs = rows[["comment_id", "topic_id", "polarity"]].drop_duplicates()
    pairs = pairs[pairs["comment_id"].isin(comment_ids)]
    keys = list(zip(pairs["topic_id"].astype(int), pairs["polarity"], strict=True))
    columns = sorted(set(keys))
    index = {c: j for j, c in enumerate(columns)}
    row_of = pd.Series(np.arange(len(comment_ids)), index=comment_ids)
    x = np.zeros((len(comment_ids), len(columns)), dtype=np.int8)
    x[row_of.loc[pairs["comment_id"]].to_numpy(), [index[k] for k in keys]] = 1
    return pd.DataFrame(x, columns=pd.Index(columns, tupleize_cols=False))
