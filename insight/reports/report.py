"""Topic report for analysts, as Markdown and as a self-contained HTML page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from insight.analytics.scales import NPS_SCALE, AdvocacyScale
from insight.analytics.value import AdvocacyValue
from insight.models.topic_model import OUTLIER
from insight.reads.advocacy import BASELINE_EXPLAINED, PeriodReport
from insight.reads.facts import ReadModel, Snapshot
from insight.reads.views import Filters
from insight.reports.rendering import render
from insight.schemas import NPSStat, Topic, TopicImpact
from insight.store import Store


@dataclass(frozen=True)
class ReportData:
    model_id: str
    generated_at: str
    comments: int
    scored: int
    mentions: int
    rejects: int
    reject_reasons: list[tuple[str, int]]
    overall: NPSStat | None
    by_channel: list[tuple[str, NPSStat]]
    rows: list[TopicImpact]
    topics: dict[int, Topic]
    min_volume: int
    drivers: pd.DataFrame
    change: PeriodReport | None
    currency: str
    coverage: float = 1.0  # share of comments with a topic
    sides: list[dict[str, Any]] = field(default_factory=list)  # complaints vs praise per topic
    emotions: dict[int, dict[str, float]] = field(default_factory=dict)  # topic -> share each
    polar_change: PeriodReport | None = None  # what changed, complaints and praise apart
    baseline_explained: str = BASELINE_EXPLAINED
    scale: AdvocacyScale = NPS_SCALE
    subtopics: dict[int, list[TopicImpact]] = field(default_factory=dict)  # theme -> subtopics

    @property
    def by_impact(self) -> list[TopicImpact]:
        return sorted(
            (r for r in self.rows if r.impact is not None and r.topic_id >= 0),
            key=lambda r: r.impact if r.impact is not None else 0.0,
        )


def _reason_kind(reason: str) -> str:
    """Group reasons that differ only in detail ("score 11 is outside…" → "score … outside")."""
    words = reason.split()
    if reason.startswith("score") and "outside" in reason:
        return "score outside range"
    if reason.startswith("score"):
        return "score not a whole number" if "whole" in reason else "score not a number"
    if reason.startswith("duplicate id"):
        return "duplicate id"
    if reason.startswith("text too long"):
        return "text too long"
    if reason.startswith("row has"):
        return "wrong number of fields"
    return " ".join(words[:6])


def build_report(
    reads: ReadModel,
    store: Store,
    snap: Snapshot,
    min_volume: int,
    period_boundary: date | None = None,
    economics: AdvocacyValue | None = None,
    currency: str = "",
    sub_snap: Snapshot | None = None,
) -> ReportData:
    """Every figure from the read model (SQL aggregates), like the API shows them; with
    ``sub_snap`` (the subtopic level) each theme's subtopics too."""
    everything = Filters()
    rejects = store.reject_reasons()
    reasons = rejects.map(_reason_kind).value_counts() if len(rejects) else pd.Series()
    comments, overall = reads.overall(store, snap, everything)
    panel = reads.panel(store, snap, everything, None)
    change = polar_change = None
    if period_boundary is not None:
        boundary = datetime.combine(period_boundary, time.min)
        windows = (None, boundary), (boundary, None)
        change = reads.change(store, snap, everything, *windows)
        polar_change = reads.polar_change(store, snap, everything, *windows)
    return ReportData(
        model_id=snap.model_id,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        comments=comments,
        scored=panel.scored,
        mentions=sum(reads.topic_sizes(store, snap, everything).values()),
        rejects=len(rejects),
        reject_reasons=[(str(k), int(v)) for k, v in reasons.items()],
        overall=overall,
        by_channel=reads.by_column(store, snap, everything, "channel"),
        rows=reads.topic_rows(store, snap, everything, min_volume, economics),
        currency=currency,
        topics={t.topic_id: t for t in snap.topics},
        min_volume=min_volume,
        drivers=reads.drivers(store, snap, everything),
        sides=side_by_side(reads.polar_drivers(store, snap, everything, economics), min_volume),
        change=change,
        coverage=panel.coverage(OUTLIER),
        emotions=reads.emotion_shares(store, snap, everything),
        polar_change=polar_change,
        scale=snap.scale,
        subtopics=_under_themes(reads, store, sub_snap, min_volume) if sub_snap else {},
    )


def _under_themes(
    reads: ReadModel, store: Store, sub_snap: Snapshot, min_volume: int
) -> dict[int, list[TopicImpact]]:
    """Each theme's subtopics with their figures, largest first."""
    out: dict[int, list[TopicImpact]] = {}
    for row in reads.topic_rows(store, sub_snap, Filters(), min_volume):
        topic = sub_snap.topic(row.topic_id)
        if topic is not None and topic.parent is not None:
            out.setdefault(topic.parent, []).append(row)
    return out


def side_by_side(polar: pd.DataFrame, min_volume: int) -> list[dict[str, Any]]:
    """Per topic, its complaints and its praise as drivers ("Showers: complaints −3.1, praise
    +0.8"), for topics with at least ``min_volume`` comments on either side; the largest drag
    first."""
    if polar.empty:
        return []
    out = []
    for topic_id, group in polar.groupby("topic_id"):
        side = {r.polarity: r for r in group.itertuples()}
        if max(r.comments for r in side.values()) < min_volume:
            continue
        out.append(
            {
                "topic_id": int(topic_id),
                "label": str(group["label"].iloc[0]),
                "complaint": side.get("complaint"),
                "praise": side.get("praise"),
            }
        )
    return sorted(out, key=lambda r: r["complaint"].impact if r["complaint"] is not None else 0.0)


def render_report(data: ReportData) -> dict[str, str]:
    return {
        "md": render("report.md.j2", data.scale, r=data),
        "html": render("report.html.j2", data.scale, r=data),
    }


def write_report(data: ReportData, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, text in render_report(data).items():
        path = out_dir / f"topic_report.{kind}"
        path.write_text(text, encoding="utf-8")
        paths[kind] = path
    return paths
