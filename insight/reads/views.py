"""Read-side views over stored results, with analysts' taxonomy edits applied.

What the API and digests show: topic overview, topic detail with paginated verbatims, what
changed between two periods, key drivers, and an executive summary. Filters narrow the comments
first (period, channel, segment, team, agent, score group) and, for sentiment, the mentions.
Frames are loaded once per data version and reused (``ViewCache``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from insight.analytics.nps import nps_from_codes
from insight.analytics.scales import NPS_SCALE, AdvocacyScale
from insight.analytics.value import AdvocacyValue
from insight.config import Scope
from insight.reads.advocacy import (
    overall_nps,
    pinned_first,
    topic_impacts,
)
from insight.schemas import NPSStat, Topic, TopicImpact
from insight.store import Store
from insight.taxonomy.edits import (
    TaxonomyError,
    TopicMap,
    check_parts,
    effective_assignments,
    propose_parts,
)

ScoreGroup = Literal["promoter", "passive", "detractor", "unscored"]
SentimentLabel = Literal["negative", "neutral", "positive"]
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Filters:
    """Comment-level filters (``start`` inclusive, ``end`` exclusive) and a mention filter."""

    start: datetime | None = None
    end: datetime | None = None
    channel: str | None = None
    segment: str | None = None
    team: str | None = None
    agent: str | None = None
    score_group: ScoreGroup | None = None
    sentiment: SentimentLabel | None = None

    @classmethod
    def for_scope(
        cls, scope: Scope, start: datetime | None = None, end: datetime | None = None
    ) -> Filters:
        """A digest's or an alert's scope, optionally within ``[start, end)``."""
        return cls(start, end, scope.channel, scope.segment, scope.team, scope.agent)


@dataclass(frozen=True)
class View:
    """Comments and effective mention assignments (model ids mapped through the edits)."""

    model_id: str
    topic_map: TopicMap
    comments: pd.DataFrame
    assignments: pd.DataFrame  # mention_id, topic_id, confidence, comment_id, text, sentiment
    topics: list[Topic] = field(default_factory=list)
    scale: AdvocacyScale = NPS_SCALE

    def topic(self, topic_id: int) -> Topic:
        for topic in self.topics:
            if topic.topic_id == topic_id:
                return topic
        raise TaxonomyError(f"topic {topic_id} does not exist in the current taxonomy")


def score_groups(scores: pd.Series, scale: AdvocacyScale = NPS_SCALE) -> pd.Series:
    """promoter / passive / detractor / unscored per score on ``scale``."""
    codes = pd.Series(scale.groups(scores.tolist()), index=scores.index)
    return codes.map({1.0: "promoter", 0.0: "passive", -1.0: "detractor"}).fillna("unscored")


def load_view(
    store: Store, topic_map: TopicMap, embed: Embed | None, scale: AdvocacyScale = NPS_SCALE
) -> View:
    comments = store.comments()
    assignments = effective_assignments(topic_map, store.assignments(topic_map.model_id), embed)
    sizes = assignments["topic_id"].value_counts().to_dict()
    topics = [replace(t, size=int(sizes.get(t.topic_id, 0))) for t in topic_map.topic_list()]
    return View(topic_map.model_id, topic_map, comments, assignments, topics, scale)


def comment_mask(comments: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Which comments pass the comment-level filters (everything but ``sentiment``)."""
    keep = np.ones(len(comments), dtype=bool)
    stamps = pd.to_datetime(comments["created_at"])
    if filters.start is not None:
        keep &= (stamps >= pd.Timestamp(filters.start)).to_numpy()
    if filters.end is not None:
        keep &= (stamps < pd.Timestamp(filters.end)).to_numpy()
    for column in ("channel", "segment", "team", "agent"):
        wanted = getattr(filters, column)
        if wanted is not None:
            keep &= (comments[column] == wanted).fillna(False).to_numpy(dtype=bool)
    if filters.score_group is not None:
        keep &= (score_groups(comments["score"]) == filters.score_group).to_numpy()
    return keep


def apply_filters(view: View, filters: Filters) -> View:
    kept = view.comments[comment_mask(view.comments, filters)].reset_index(drop=True)
    assignments = view.assignments[view.assignments["comment_id"].isin(kept["id"])]
    if filters.sentiment is not None:
        assignments = assignments[assignments["sentiment"] == filters.sentiment]
    return replace(view, comments=kept, assignments=assignments.reset_index(drop=True))


def topic_overview(
    view: View, min_volume: int, economics: AdvocacyValue | None = None
) -> list[TopicImpact]:
    """Per-topic volume, NPS and impact (with CIs); pinned topics first, then by volume."""
    rows = topic_impacts(
        view.comments, view.assignments, view.topics, min_volume, economics, view.scale
    )
    return pinned_first(rows, view.topics, view.topic_map.pinned())


def verbatims(
    view: View, topic_id: int, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page) of a topic's mentions with their comment, newest first."""
    mentions = view.assignments[view.assignments["topic_id"] == topic_id]
    comments = view.comments.rename(columns=lambda c: f"{c}_comment" if c == "text" else c)
    joined = mentions.merge(comments, left_on="comment_id", right_on="id", how="left")
    joined = joined.sort_values(["created_at", "mention_id"], ascending=[False, True])
    page = joined.iloc[offset : offset + limit]
    items = [
        {
            "comment_id": r.comment_id,
            "mention": r.text,
            "comment": r.text_comment,
            "score": None if pd.isna(r.score) else int(r.score),
            "created_at": None if pd.isna(r.created_at) else r.created_at.isoformat(),
            "channel": _text(r.channel),
            "segment": _text(r.segment),
            "sentiment": _text(r.sentiment),
        }
        for r in page.itertuples()
    ]
    return len(joined), items


def _text(value: Any) -> str | None:
    """A stored text field, or None where the column is empty (NaN/None in pandas)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def overall(view: View) -> NPSStat | None:
    return overall_nps(view.comments, view.scale)


@dataclass(frozen=True)
class Subtopic:
    """One part of a topic in a drill-down, with the NPS of the comments that mention it."""

    label: str
    keywords: list[str]
    quotes: list[str]
    mentions: int
    comments: int
    share: float  # of the topic's mentions in the view
    nps: NPSStat | None
    negative_share: float


def drill_down(
    mentions: pd.DataFrame,
    topic_id: int,
    parts: int,
    embed: Callable[[list[str]], np.ndarray],
    seed: int = 42,
    scale: AdvocacyScale = NPS_SCALE,
) -> list[Subtopic]:
    """The level below a topic or theme: its ``mentions`` (comment_id, text, sentiment, score)
    in ``parts`` sub-topics, grouped as a split would group them but nothing is recorded;
    largest first."""
    check_parts(topic_id, len(mentions), parts)
    texts = mentions["text"].tolist()
    groups, children = propose_parts(texts, embed(texts), parts, seed)
    negative = (mentions["sentiment"] == "negative").to_numpy()
    out = []
    for j, child in enumerate(children):
        inside = groups == j
        commenters = mentions[inside].drop_duplicates("comment_id")
        out.append(
            Subtopic(
                label=child["label"],
                keywords=child["keywords"],
                quotes=child["quotes"],
                mentions=int(inside.sum()),
                comments=len(commenters),
                share=float(inside.mean()),
                nps=nps_from_codes(scale.codes(commenters["score"].tolist())),
                negative_share=float(negative[inside].mean()),
            )
        )
    return sorted(out, key=lambda part: -part.mentions)


class ViewCache:
    """One loaded ``View`` per data version (active model, edits, stored row counts)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._view: View | None = None

    def get(
        self,
        store: Store,
        topic_map: TopicMap,
        embed: Embed | None,
        scale: AdvocacyScale = NPS_SCALE,
    ) -> View:
        key = (store.taxonomy_version(), *store.data_version(topic_map.model_id), scale)
        with self._lock:
            if key != self._key or self._view is None:
                self._view = load_view(store, topic_map, embed, scale)
                self._key = key
            return self._view
