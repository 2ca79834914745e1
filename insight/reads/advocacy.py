"""Advocacy views over stored results: topic impact, key drivers and what changed between periods.

Thin adapters from store frames to ``insight.analytics`` (where the statistics live) and back to
the records the report renders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from insight.analytics.drivers import key_drivers
from insight.analytics.emerging import volume_shifts
from insight.analytics.impact import panel_topic_table
from insight.analytics.nps import nps_from_codes
from insight.analytics.periods import period_change
from insight.analytics.polarity import POLARITIES, polar_drivers
from insight.analytics.scales import NPS_SCALE, AdvocacyScale
from insight.analytics.value import AdvocacyValue
from insight.models.topic_model import OUTLIER
from insight.reads.panel import Panel
from insight.schemas import UNASSIGNED_LABEL, NPSStat, Topic, TopicImpact


def overall_nps(comments: pd.DataFrame, scale: AdvocacyScale = NPS_SCALE) -> NPSStat | None:
    return nps_from_codes(scale.codes(comments["score"].tolist()))


def _stat(row: Any) -> NPSStat:
    """An ``NPSStat`` from a row of ``nps_table`` / ``topic_table`` (same column names)."""
    return NPSStat(
        int(row.n),
        int(row.promoters),
        int(row.passives),
        int(row.detractors),
        float(row.nps),
        float(row.ci_low),
        float(row.ci_high),
        float(row.se),
    )


def _labels(topics: list[Topic]) -> dict[int, str]:
    return {t.topic_id: t.label for t in topics} | {OUTLIER: UNASSIGNED_LABEL}


def negative_shares(assignments: pd.DataFrame) -> dict[int, float]:
    """Share of each topic's rated mentions that are negative."""
    if "sentiment" not in assignments.columns or not assignments["sentiment"].notna().any():
        return {}
    rated = assignments.dropna(subset=["sentiment"])
    shares = (rated["sentiment"] == "negative").groupby(rated["topic_id"]).mean()
    return {int(k): float(v) for k, v in shares.items()}


def panel_impacts(
    panel: Panel,
    topics: list[Topic],
    min_volume: int,
    economics: AdvocacyValue | None = None,
    negative: dict[int, float] | None = None,
) -> list[TopicImpact]:
    """One record per topic, ranked by comment volume; money at stake if asked. Comments with no
    topic are coverage (``Panel.coverage``), not a topic: they get no impact row."""
    panel = panel.without(OUTLIER)
    table = panel_topic_table(panel.matrix, panel.codes, panel.weights, min_n=min_volume)
    labels = _labels(topics)
    negative = negative or {}
    rows = []
    for r in table.itertuples(index=False):
        stat = _stat(r) if r.n > 0 else None
        has_impact = not np.isnan(r.impact)
        inside = panel.matrix[r.topic_id].to_numpy()
        rows.append(
            TopicImpact(
                topic_id=int(r.topic_id),
                label=labels.get(int(r.topic_id), f"Topic {r.topic_id}"),
                comments=int(r.comments),
                share=float(r.share),
                stat=stat,
                impact=float(r.impact) if has_impact else None,
                impact_ci=(float(r.impact_low), float(r.impact_high)) if has_impact else None,
                low_volume=bool(r.low_volume),
                value=None
                if economics is None
                else economics.topic_value(panel.codes, inside, panel.weights),
                negative_share=negative.get(int(r.topic_id)),
            )
        )
    return rows


def pinned_first(
    rows: list[TopicImpact], topics: list[Topic], pinned: set[int]
) -> list[TopicImpact]:
    """Pinned topics first (listed even without comments), then by volume."""
    listed = {r.topic_id for r in rows}
    rows = rows + [
        TopicImpact(t.topic_id, t.label, 0, 0.0, None, None, None, True)
        for t in topics
        if t.topic_id in pinned and t.topic_id not in listed
    ]
    return sorted(rows, key=lambda r: (r.topic_id not in pinned, -r.comments))


def topic_impacts(
    comments: pd.DataFrame,
    assignments: pd.DataFrame,
    topics: list[Topic],
    min_volume: int,
    economics: AdvocacyValue | None = None,
    scale: AdvocacyScale = NPS_SCALE,
) -> list[TopicImpact]:
    """``panel_impacts`` of in-memory frames (a digest's scope)."""
    panel = Panel.from_frames(comments, assignments, scale=scale)
    return panel_impacts(panel, topics, min_volume, economics, negative_shares(assignments))


def panel_drivers(panel: Panel, topics: list[Topic]) -> pd.DataFrame:
    """Key-driver table with labels (outliers excluded); empty when too few scores."""
    known = panel.without(OUTLIER)
    try:
        table = key_drivers(known.matrix, known.codes, weights=known.weights)
    except ValueError:
        return pd.DataFrame()
    table.insert(1, "label", table["topic_id"].map(_labels(topics)))
    return table


def panel_polar_drivers(
    panel: Panel, topics: list[Topic], economics: AdvocacyValue | None = None
) -> pd.DataFrame:
    """Praise and complaint drivers per topic, labelled; empty when there are too few scored
    comments for the model. With ``economics``, ``value``: money at stake on each side, as for
    a topic (its commenters scoring like everyone else)."""
    try:
        table = polar_drivers(panel.matrix, panel.codes, panel.weights)
    except ValueError:
        return pd.DataFrame()
    table.insert(1, "label", table["topic_id"].map(_labels(topics)))
    if economics is not None:
        table["value"] = [
            economics.topic_value(
                panel.codes, panel.matrix[(int(t), str(side))].to_numpy() > 0, panel.weights
            )
            for t, side in zip(table["topic_id"], table["polarity"], strict=True)
        ]
    return table


def side_impacts(
    comments: pd.DataFrame,
    assignments: pd.DataFrame,
    topics: list[Topic],
    scale: AdvocacyScale = NPS_SCALE,
) -> pd.DataFrame:
    """Each topic's complaint, praise and neutral side in a scope (a team, a period): topic_id,
    label ("Refund delay: complaints"), polarity, comments, impact, method. ``method`` is
    "drivers" (each side's effect with the others held fixed, ``polar_drivers``) where the scope
    has enough scored comments for that model, else "alone" (a side's commenters against the
    rest, the leave-one-out impact of a topic), so a team's small day still gets its triggers."""
    period = np.zeros(len(comments), dtype=np.int64)
    panel = Panel.polar_from_frames(comments, assignments, OUTLIER, period, scale)
    columns = ["topic_id", "label", "polarity", "comments", "impact", "method"]
    names = {
        (t.topic_id, side): f"{t.label}: {SIDE_NAMES[side]}" for t in topics for side in POLARITIES
    }
    table = panel_polar_drivers(panel, topics)
    if not table.empty:
        sides = zip(table["topic_id"], table["polarity"], strict=True)
        labels = [names.get((t, s), str(t)) for t, s in sides]
        return table.assign(label=labels, method="drivers")[columns]
    keys, keyed = polar_keyed(panel)
    alone = panel_topic_table(keyed.matrix, keyed.codes, keyed.weights)
    if alone.empty:
        return pd.DataFrame(columns=columns)
    pairs = [keys[int(k)] for k in alone["topic_id"]]
    return pd.DataFrame(
        {
            "topic_id": [t for t, _ in pairs],
            "label": [names.get(p, str(p[0])) for p in pairs],
            "polarity": [side for _, side in pairs],
            "comments": alone["comments"].to_numpy(),
            "impact": alone["impact"].to_numpy(),
            "method": "alone",
        }
    ).dropna(subset=["impact"])


def drivers(
    comments: pd.DataFrame,
    assignments: pd.DataFrame,
    topics: list[Topic],
    scale: AdvocacyScale = NPS_SCALE,
) -> pd.DataFrame:
    return panel_drivers(Panel.from_frames(comments, assignments, scale=scale), topics)


#: Column of the change decomposition for comments that mention no topic (only outliers).
NO_TOPIC = -2
NO_TOPIC_LABEL = "Comments with no topic"
OTHER_LABEL = "Other topics (no significant change)"
BASELINE_LABEL = "Baseline shift"
#: One sentence for every surface that shows the baseline row.
BASELINE_EXPLAINED = (
    "Baseline shift: the change in the score of a comment before any topic's effect is "
    "counted, a change common to every comment that no topic accounts for."
)


@dataclass(frozen=True)
class PeriodReport:
    before: str
    after: str
    summary: dict[str, float]
    topics: pd.DataFrame  # decomposition + volume status, labelled, every topic
    rows: pd.DataFrame  # what a reader sees: significant topics, other, no topic, baseline


def change_rows(topics: pd.DataFrame, baseline: float, alpha: float = 0.05) -> pd.DataFrame:
    """The what-changed table: every topic whose NPS or share changed significantly (either
    direction, new, emerging, fading or vanished), then one row for all other topics, one for
    comments with no topic, and the baseline; the ``total`` column sums to ΔNPS exactly."""
    named = topics[topics["topic_id"] != NO_TOPIC]
    significant = (
        (named["q_nps_change"].fillna(1.0) <= alpha)
        | (named["q_share_change"].fillna(1.0) <= alpha)
        | named["status"].isin(["new", "emerging", "fading"])
    )
    shown = named[significant].sort_values("total", key=np.abs, ascending=False)
    rest = named[~significant]
    lines = [
        {"kind": "topic", "topic_id": int(r.topic_id), "label": str(r.label), "mix": r.mix,
         "rate": r.rate, "total": r.total, "status": str(r.status)}
        for r in shown.itertuples()
    ]  # fmt: skip
    lines.append(
        {"kind": "other", "topic_id": None, "label": f"{OTHER_LABEL}: {len(rest)}",
         "mix": float(rest["mix"].sum()), "rate": float(rest["rate"].sum()),
         "total": float(rest["total"].sum()), "status": ""}
    )  # fmt: skip
    for r in topics[topics["topic_id"] == NO_TOPIC].itertuples():
        lines.append(
            {"kind": "no_topic", "topic_id": None, "label": NO_TOPIC_LABEL, "mix": r.mix,
             "rate": r.rate, "total": r.total, "status": str(r.status)}
        )  # fmt: skip
    lines.append(
        {"kind": "baseline", "topic_id": None, "label": BASELINE_LABEL, "mix": 0.0,
         "rate": baseline, "total": baseline, "status": ""}
    )  # fmt: skip
    return pd.DataFrame(lines)


Window = tuple[datetime | None, datetime | None]


def window_names(before: Window, after: Window) -> tuple[str, str]:
    if before[0] is None and after[1] is None and before[1] == after[0] and before[1]:
        day = before[1].strftime("%Y-%m-%d")
        return f"before {day}", f"from {day}"
    return _window_name(before), _window_name(after)


#: What a side of a topic is called in a what-changed line ("Refund delay: complaints").
SIDE_NAMES = {"complaint": "complaints", "praise": "praise", "neutral": "neutral mentions"}


def polar_key(topic_id: int, side: str) -> int:
    """One int column key per (topic, side); negative ids (no topic) stay clear of them."""
    return topic_id * len(POLARITIES) + POLARITIES.index(side)


def polar_keyed(panel: Panel) -> tuple[dict[int, tuple[int, str]], Panel]:
    """The panel with one int column per (topic, side) (``polar_key``), and the key's pair."""
    keys = {polar_key(t, side): (t, side) for t, side in panel.matrix.columns}
    return keys, replace(panel, matrix=panel.matrix.set_axis(list(keys), axis=1))


def panel_polar_change(
    panel: Panel, topics: list[Topic], names: tuple[str, str]
) -> PeriodReport | None:
    """``panel_change`` over (topic, polarity) columns: "Refund delay: complaints" moved NPS by
    so much, its praise by so much; the lines still add up to ΔNPS. ``topic_id`` is the line's
    topic, and tables gain ``polarity`` (None on the other, no-topic and baseline lines)."""
    keys, keyed = polar_keyed(panel)
    labels = {
        polar_key(t.topic_id, side): f"{t.label}: {SIDE_NAMES[side]}"
        for t in topics
        for side in POLARITIES
    }
    report = panel_change(keyed, topics, names, labels)
    if report is None:
        return None

    def decoded(frame: pd.DataFrame) -> pd.DataFrame:
        pairs = [keys.get(k) if pd.notna(k) else None for k in frame["topic_id"]]
        return frame.assign(
            topic_id=[p[0] if p else k for p, k in zip(pairs, frame["topic_id"], strict=True)],
            polarity=[p[1] if p else None for p in pairs],
        )

    return replace(report, topics=decoded(report.topics), rows=decoded(report.rows))


def panel_change(
    panel: Panel,
    topics: list[Topic],
    names: tuple[str, str],
    labels: dict[int, str] | None = None,
) -> PeriodReport | None:
    """ΔNPS between period 0 and period 1 of ``panel``, split into topic mix and rate, plus
    volume shifts; None when either period has no scored comment. ``labels`` name the
    columns when they are not topic ids."""
    known = panel.without(OUTLIER)
    # comments with no topic get their own column, so their share is not part of the baseline
    matrix = known.matrix.copy()
    matrix[NO_TOPIC] = (known.matrix.sum(axis=1) == 0).astype(np.int8)
    known = replace(known, matrix=matrix)
    try:
        summary, table = period_change(
            known.matrix, known.codes, known.period, 0, 1, weights=known.weights
        )
    except ValueError:
        return None
    x = known.matrix.to_numpy(dtype=np.int64)
    counts = {
        p: (x[known.period == p] * known.weights[known.period == p, None]).sum(axis=0)
        for p in (0, 1)
    }
    sizes = {p: int(known.weights[known.period == p].sum()) for p in (0, 1)}
    shifts = volume_shifts(
        pd.Series(counts[0], index=known.matrix.columns),
        sizes[0],
        pd.Series(counts[1], index=known.matrix.columns),
        sizes[1],
    )
    table = table.merge(shifts[["topic_id", "status", "q_emerging", "q_fading"]], on="topic_id")
    names_of = (labels if labels is not None else _labels(topics)) | {NO_TOPIC: NO_TOPIC_LABEL}
    table.insert(1, "label", table["topic_id"].map(names_of))
    return PeriodReport(names[0], names[1], summary, table, change_rows(table, summary["baseline"]))


def _in_window(stamps: pd.Series, window: Window) -> np.ndarray:
    start, end = window
    inside = np.ones(len(stamps), dtype=bool)
    if start is not None:
        inside &= (stamps >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        inside &= (stamps < pd.Timestamp(end)).to_numpy()
    return inside


def compare_periods(
    comments: pd.DataFrame,
    assignments: pd.DataFrame,
    topics: list[Topic],
    before: Window,
    after: Window,
    names: tuple[str, str] | None = None,
    scale: AdvocacyScale = NPS_SCALE,
) -> PeriodReport | None:
    """Two date windows ``[start, end)`` of in-memory frames (see ``panel_change``).

    Comments in neither window are left out.
    """
    dated, period = _windowed(comments, before, after)
    panel = Panel.from_frames(dated, assignments, period, scale)
    return panel_change(panel, topics, names or window_names(before, after))


def compare_periods_by_side(
    comments: pd.DataFrame,
    assignments: pd.DataFrame,
    topics: list[Topic],
    before: Window,
    after: Window,
    scale: AdvocacyScale = NPS_SCALE,
) -> PeriodReport | None:
    """``compare_periods`` with each topic's complaints, praise and neutral mentions apart."""
    dated, period = _windowed(comments, before, after)
    panel = Panel.polar_from_frames(dated, assignments, OUTLIER, period, scale)
    return panel_polar_change(panel, topics, window_names(before, after))


def _windowed(
    comments: pd.DataFrame, before: Window, after: Window
) -> tuple[pd.DataFrame, np.ndarray]:
    """The dated comments in either window and their period (0 before, 1 after)."""
    dated = comments.dropna(subset=["created_at"]).reset_index(drop=True)
    stamps = pd.to_datetime(dated["created_at"])
    in_before, in_after = _in_window(stamps, before), _in_window(stamps, after)
    if (in_before & in_after).any():
        raise ValueError("the two periods overlap; give non-overlapping date ranges")
    keep = in_before | in_after
    return dated[keep].reset_index(drop=True), np.where(in_before[keep], 0, 1)


def _window_name(window: Window) -> str:
    start, end = (f"{d:%Y-%m-%d}" if d is not None else "…" for d in window)
    return f"{start} to {end}"
