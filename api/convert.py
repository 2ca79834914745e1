"""Domain records → response schemas (and query parameters → domain filters)."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from typing import Annotated, Any

import pandas as pd
from fastapi import Query

from api.schemas import NPSOut, PolarSide, TopicOut
from insight.reads.facts import Snapshot
from insight.reads.views import Filters, ScoreGroup, SentimentLabel
from insight.schemas import NPSStat, TopicImpact


def nps_out(stat: NPSStat | None) -> NPSOut | None:
    if stat is None:
        return None
    return NPSOut(
        n=stat.n,
        promoters=stat.promoters,
        passives=stat.passives,
        detractors=stat.detractors,
        nps=stat.nps,
        ci_low=stat.ci_low,
        ci_high=stat.ci_high,
    )


def finite(value: Any) -> float | None:
    """JSON has no NaN: missing statistics become null."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def polar_sides(table: pd.DataFrame) -> dict[tuple[int, str], PolarSide]:
    """(topic id, polarity) -> its side as a driver, from ``ReadModel.polar_drivers``."""
    if table.empty:
        return {}
    return {
        (int(r.topic_id), str(r.polarity)): PolarSide(
            comments=int(r.comments),
            effect=float(r.effect),
            ci=(float(r.ci_low), float(r.ci_high)),
            q=finite(r.q),
            impact=float(r.impact),
            value=finite(getattr(r, "value", None)),
        )
        for r in table.itertuples()
    }


def topic_out(
    row: TopicImpact,
    snap: Snapshot,
    sides: dict[tuple[int, str], PolarSide] | None = None,
    emotions: dict[int, dict[str, float]] | None = None,
) -> TopicOut:
    topic = snap.topic(row.topic_id)
    sides = sides or {}
    return TopicOut(
        topic_id=row.topic_id,
        label=row.label,
        parent=topic.parent if topic else None,
        keywords=topic.keywords if topic else [],
        quotes=topic.quotes if topic else [],
        pinned=row.topic_id in snap.topic_map.pinned(),
        comments=row.comments,
        share=row.share,
        nps=nps_out(row.stat),
        impact=finite(row.impact),
        impact_ci=row.impact_ci,
        low_volume=row.low_volume,
        negative_share=finite(row.negative_share),
        value=finite(row.value),
        complaints=sides.get((row.topic_id, "complaint")),
        praise=sides.get((row.topic_id, "praise")),
        emotions=(emotions or {}).get(row.topic_id, {}),
    )


def at_midnight(value: date | None) -> datetime | None:
    """A query date as the datetime it starts at (datetimes pass through)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min)


def filters(
    start: Annotated[date | None, Query(description="From this date (inclusive).")] = None,
    end: Annotated[date | None, Query(description="Before this date (exclusive).")] = None,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
    team: Annotated[str | None, Query(max_length=200)] = None,
    agent: Annotated[str | None, Query(max_length=200)] = None,
    score_group: ScoreGroup | None = None,
    sentiment: SentimentLabel | None = None,
) -> Filters:
    return Filters(
        at_midnight(start), at_midnight(end), channel, segment, team, agent, score_group, sentiment
    )
