"""A compressed panel (distinct comment rows with counts) gives exactly the figures of the rows it
stands for: what lets reads aggregate in SQL and never load comments into memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insight.analytics.drivers import key_drivers
from insight.analytics.impact import panel_topic_table
from insight.analytics.nps import nps_from_codes
from insight.analytics.periods import period_change
from insight.analytics.value import AdvocacyValue


def _rows(seed: int = 5, n: int = 3000, k: int = 6) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = (rng.random((n, k)) < rng.uniform(0.05, 0.4, k)).astype(np.int8)
    latent = x @ rng.normal(0, 0.6, k) + rng.normal(0, 1, n)
    codes = np.where(latent > 0.8, 1.0, np.where(latent < -0.2, -1.0, 0.0))
    codes[rng.random(n) < 0.1] = np.nan  # unscored
    period = np.where(rng.random(n) < 0.5, "A", "B")
    return pd.DataFrame(x, columns=[10 + j for j in range(k)]), codes, period


def _compress(
    matrix: pd.DataFrame, codes: np.ndarray, period: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    frame = matrix.copy()
    frame["code"] = np.nan_to_num(codes, nan=9.0)
    frame["period"] = period
    grouped = frame.groupby(list(frame.columns)).size().reset_index(name="w")
    compressed_codes = grouped["code"].replace(9.0, np.nan).to_numpy(float)
    return (
        grouped[list(matrix.columns)],
        compressed_codes,
        grouped["period"].to_numpy(),
        grouped["w"].to_numpy(),
    )


def test_compressed_panel_equals_expanded_rows() -> None:
    matrix, codes, period = _rows()
    small, c_codes, c_period, weights = _compress(matrix, codes, period)
    assert len(small) < len(matrix) / 5  # it really is compressed

    full, packed = key_drivers(matrix, codes), key_drivers(small, c_codes, weights=weights)
    for column in ("effect", "se", "p", "importance", "share_of_r2"):
        np.testing.assert_allclose(packed[column], full[column], rtol=1e-7, atol=1e-9)
    many = pd.concat([matrix] * 3, axis=1)  # 18 topics: relative weights instead of Shapley
    many.columns = range(18)
    small_many, many_codes, _, w_many = _compress(many, codes, period)
    np.testing.assert_allclose(
        key_drivers(small_many, many_codes, weights=w_many)["importance"],
        key_drivers(many, codes)["importance"],
        atol=1e-9,
    )

    summary, table = period_change(matrix, codes, period, "A", "B")
    c_summary, c_table = period_change(small, c_codes, c_period, "A", "B", weights=weights)
    assert c_summary == pytest.approx(summary)
    pd.testing.assert_frame_equal(c_table, table, check_dtype=False)

    ones = np.ones(len(codes), dtype=np.int64)
    pd.testing.assert_frame_equal(
        panel_topic_table(small, c_codes, weights), panel_topic_table(matrix, codes, ones)
    )
    assert nps_from_codes(c_codes, weights=weights) == nps_from_codes(codes)
    value = AdvocacyValue(value_per_promoter=100, cost_per_detractor=80, customers=5000)
    for topic in matrix.columns:
        assert value.topic_value(c_codes, small[topic].to_numpy(), weights) == pytest.approx(
            value.topic_value(codes, matrix[topic].to_numpy())
        )
