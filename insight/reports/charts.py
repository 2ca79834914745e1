"""Small PNG charts for digests (matplotlib, headless): readable on a phone at 600 px wide."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the headless backend


def bar_chart_png(labels: Sequence[str], values: Sequence[float], title: str) -> bytes:
    """Horizontal bars, red for negative and green for positive values, largest on top."""
    height = 0.9 + 0.32 * max(len(values), 1)
    fig, ax = plt.subplots(figsize=(6.0, height), dpi=100)
    try:
        positions = list(range(len(values)))[::-1]
        colours = ["#d9534f" if v < 0 else "#3c9d5d" for v in values]
        ax.barh(positions, values, color=colours)
        ax.set_yticks(positions, [label[:42] for label in labels], fontsize=8)
        ax.axvline(0, color="#666", linewidth=0.8)
        ax.set_title(title, fontsize=10, loc="left")
        ax.tick_params(axis="x", labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
