"""Per-topic volume and NPS: who mentions each topic, how they score, what it costs overall."""

from __future__ import annotations

import pandas as pd

from insight.analytics.nps import counts, impact, nps_from_counts
from insight.models.topic_model import OUTLIER
from insight.schemas import NPSStat, Topic, TopicImpact

UNASSIGNED_LABEL = "Unassigned (outliers)"


def _stat(scores: pd.Series) -> NPSStat | None:
    values = scores.dropna().astype(int).tolist()
    return nps_from_counts(*counts(values)) if values else None


def overall_nps(comments: pd.DataFrame) -> NPSStat | None:
    return _stat(comments["score"])


def topic_impacts(
    comments: pd.DataFrame, assignments: pd.DataFrame, topics: list[Topic], min_volume: int
) -> list[TopicImpact]:
    """One row per topic (plus outliers), ranked by comment volume.

    ``comments`` needs ``id`` and ``score``; ``assignments`` needs ``comment_id`` and ``topic_id``.
    A comment counts once per topic however many of its clauses mention it. Topics with fewer than
    ``min_volume`` scored comments are flagged ``low_volume``; their NPS is not to be read as firm.
    """
    scores = comments.set_index("id")["score"]
    total = len(comments)
    labels = {t.topic_id: t.label for t in topics} | {OUTLIER: UNASSIGNED_LABEL}
    pairs = assignments[["comment_id", "topic_id"]].drop_duplicates()
    rows: list[TopicImpact] = []
    for topic_id, group in pairs.groupby("topic_id"):
        ids = group["comment_id"].unique()
        inside = scores.reindex(ids)
        outside = scores.drop(index=ids, errors="ignore")
        with_stat, without_stat = _stat(inside), _stat(outside)
        value = impact(with_stat, without_stat) if with_stat and without_stat else None
        rows.append(
            TopicImpact(
                topic_id=int(topic_id),
                label=labels.get(int(topic_id), f"Topic {topic_id}"),
                comments=len(ids),
                share=len(ids) / total if total else 0.0,
                stat=with_stat,
                impact=value[0] if value else None,
                impact_ci=(value[1], value[2]) if value else None,
                low_volume=with_stat is None or with_stat.n < min_volume,
            )
        )
    return sorted(rows, key=lambda r: (-r.comments, r.topic_id))
