"""Reads in SQL: the figures the API and the report show, from read facts kept in the database.

``ReadModel.sync`` keeps the facts (``insight.store.facts``) in step with the store: built once
per taxonomy (a refit, an edit) and extended by the comments stored since (numbered by the
store), in chunks, so memory stays bounded by a chunk. Every figure then comes from a *panel*
aggregated in DuckDB (distinct topic sets × score × period with counts), cached per data version
(taxonomy, last comment number, filters). Nothing loads the comments table into memory, and no
read loads the encoder unless a split topic meets mentions whose vectors are not cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from insight.analytics.nps import nps_from_codes
from insight.analytics.scales import NPS_SCALE, AdvocacyScale
from insight.analytics.value import AdvocacyValue
from insight.models.topic_model import OUTLIER
from insight.reads.advocacy import (
    PeriodReport,
    Window,
    panel_change,
    panel_drivers,
    panel_impacts,
    panel_polar_change,
    panel_polar_drivers,
    pinned_first,
    window_names,
)
from insight.reads.panel import Panel
from insight.reads.views import Filters
from insight.schemas import NPSStat, Topic, TopicImpact
from insight.store import Store
from insight.store.facts import SENTIMENTS, FactFilter, facts_key
from insight.taxonomy.edits import TopicMap

Embed = Callable[[list[str]], np.ndarray]
#: Comments per chunk when facts are built or extended (bounds the memory of a build).
CHUNK = 100_000


@dataclass(frozen=True)
class Snapshot:
    """The taxonomy and data version a read is answered at."""

    topic_map: TopicMap
    key: str
    watermark: int
    scale: AdvocacyScale = NPS_SCALE

    @property
    def model_id(self) -> str:
        return self.topic_map.model_id

    @property
    def topics(self) -> list[Topic]:
        return self.topic_map.topic_list()

    def topic(self, topic_id: int) -> Topic | None:
        entry = self.topic_map.topics.get(topic_id)
        return entry.topic if entry else None


def fact_filter(filters: Filters, scale: AdvocacyScale = NPS_SCALE) -> FactFilter:
    """Domain filters as SQL sees them (score groups become score ranges of the scale)."""
    low: int | None = None
    high: int | None = None
    group = filters.score_group
    if group == "promoter":
        low = scale.promoter_min
    elif group == "detractor":
        high = scale.detractor_max
    elif group == "passive":
        low, high = scale.detractor_max + 1, scale.promoter_min - 1
    return FactFilter(
        filters.start,
        filters.end,
        filters.channel,
        filters.segment,
        filters.team,
        filters.agent,
        low,
        high,
        group == "unscored",
        filters.sentiment,
    )


class ReadModel:
    """Facts kept in step with the store, and panels cached per data version (one per process)."""

    def __init__(self, max_panels: int = 256) -> None:
        self._build = threading.Lock()
        self._cache_lock = threading.Lock()
        self._panels: OrderedDict[tuple[Any, ...], tuple[int, Any]] = OrderedDict()
        self._max = max_panels

    # facts -------------------------------------------------------------------------------------
    def sync(
        self,
        store: Store,
        topic_map: TopicMap,
        taxonomy_version: tuple[int, int],
        embed: Embed | None,
    ) -> Snapshot:
        """Bring the facts of ``topic_map`` (at ``taxonomy_version``) up to the last stored
        comment."""
        key = facts_key(topic_map.model_id, taxonomy_version)
        latest = store.latest_comment_seq()
        mark = store.fact_watermark(key)
        if mark is None or mark < latest:
            with self._build:  # one build at a time; a waiting reader then finds it done
                mark = store.fact_watermark(key)
                if mark is None:
                    store.reset_facts(key)
                    mark = 0
                while mark < latest:
                    upto = min(latest, mark + CHUNK)
                    rows = store.assigned_mentions(topic_map.model_id, mark, upto)
                    rows["topic_id"] = self._effective(store, topic_map, rows, embed)
                    store.add_facts(key, rows, mark, upto)
                    mark = upto
        return Snapshot(topic_map, key, mark)

    @staticmethod
    def _effective(
        store: Store, topic_map: TopicMap, rows: pd.DataFrame, embed: Embed | None
    ) -> np.ndarray:
        model_ids = rows["topic_id"].to_numpy(dtype=np.int64)
        vectors = None
        in_split = np.isin(model_ids, list(topic_map.splits))
        if in_split.any():
            texts = rows.loc[in_split, "text"].tolist()
            if embed is None:
                raise RuntimeError("split topics need embeddings to assign mentions")
            found = embed(texts)
            vectors = np.zeros((len(rows), found.shape[1]), dtype=np.float32)
            vectors[in_split] = found
        return topic_map.assign(model_ids, vectors)

    # panels ------------------------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...], watermark: int, compute: Callable[[], Any]) -> Any:
        """A figure for ``key`` at ``watermark`` (always current: recomputed once the facts
        moved on; measured, serving slightly stale figures did not help a mixed load)."""
        with self._cache_lock:
            if key in self._panels and self._panels[key][0] == watermark:
                self._panels.move_to_end(key)
                return self._panels[key][1]
        value = compute()
        with self._cache_lock:
            self._panels[key] = (watermark, value)
            self._panels.move_to_end(key)
            while len(self._panels) > self._max:
                self._panels.popitem(last=False)
        return value

    def panel(
        self, store: Store, snap: Snapshot, filters: Filters, windows: tuple[Window, Window] | None
    ) -> Panel:
        where = fact_filter(filters, snap.scale)
        return self._cached(
            ("panel", snap.key, where, windows),
            snap.watermark,
            lambda: Panel.from_rows(store.panel_rows(snap.key, where, windows), snap.scale),
        )

    def _mentions(self, store: Store, snap: Snapshot, filters: Filters) -> pd.DataFrame:
        where = fact_filter(filters, snap.scale)
        return self._cached(
            ("mentions", snap.key, where),
            snap.watermark,
            lambda: store.topic_mentions(snap.key, where),
        )

    # figures -----------------------------------------------------------------------------------
    def overall(self, store: Store, snap: Snapshot, filters: Filters) -> tuple[int, NPSStat | None]:
        """(comments, NPS with CI) under the filters."""
        panel = self.panel(store, snap, filters, None)
        return panel.comments, nps_from_codes(panel.codes, weights=panel.weights)

    def coverage(self, store: Store, snap: Snapshot, filters: Filters) -> float:
        """Share of comments (under the filters) that mention at least one topic."""
        return self.panel(store, snap, filters, None).coverage(OUTLIER)

    def by_column(
        self, store: Store, snap: Snapshot, filters: Filters, column: str
    ) -> list[tuple[str, NPSStat]]:
        """NPS per value of a comment column (values without any score left out)."""
        rows = store.nps_by_column(snap.key, fact_filter(filters, snap.scale), column)
        out = []
        for value, group in rows.groupby("value", dropna=True, sort=True):
            codes = snap.scale.codes([int(s) for s in group["score"]])
            stat = nps_from_codes(codes, weights=group["n"].to_numpy())
            if stat is not None:
                out.append((str(value), stat))
        return out

    def topic_rows(
        self,
        store: Store,
        snap: Snapshot,
        filters: Filters,
        min_volume: int,
        economics: AdvocacyValue | None = None,
    ) -> list[TopicImpact]:
        """Per topic: volume, NPS and impact with CIs, negative share; pinned first, then by
        volume (pinned topics are listed even without comments)."""
        panel = self.panel(store, snap, filters, None)
        mentions = self._mentions(store, snap, filters)
        rated = mentions[mentions["rated"] > 0]
        negative = {int(r.topic_id): float(r.negative) / float(r.rated) for r in rated.itertuples()}
        rows = panel_impacts(panel, snap.topics, min_volume, economics, negative)
        return pinned_first(rows, snap.topics, snap.topic_map.pinned())

    def topic_sizes(self, store: Store, snap: Snapshot, filters: Filters) -> dict[int, int]:
        """Mentions per topic under the filters."""
        mentions = self._mentions(store, snap, filters)
        return {int(r.topic_id): int(r.mentions) for r in mentions.itertuples()}

    def sentiment_counts(
        self, store: Store, snap: Snapshot, filters: Filters, topic_id: int
    ) -> dict[str, int]:
        """Mentions of the topic per sentiment label (labels with none left out)."""
        mentions = self._mentions(store, snap, filters)
        row = mentions[mentions["topic_id"] == topic_id]
        if row.empty:
            return {}
        counts = {label: int(row.iloc[0][label]) for label in SENTIMENTS}
        return {label: n for label, n in counts.items() if n}

    def emotion_shares(
        self, store: Store, snap: Snapshot, filters: Filters
    ) -> dict[int, dict[str, float]]:
        """Per topic: share of its mentions (under the filters) carrying each emotion, largest
        first; emotions no mention carries are left out."""
        where = fact_filter(filters, snap.scale)
        mentions = {int(t): n for t, n in self.topic_sizes(store, snap, filters).items()}

        def compute() -> dict[int, dict[str, float]]:
            rows = store.topic_emotions(snap.key, where).sort_values(
                ["topic_id", "n", "emotion"], ascending=[True, False, True]
            )
            out: dict[int, dict[str, float]] = {}
            for r in rows.itertuples():
                total = mentions.get(int(r.topic_id), 0)
                if total:
                    out.setdefault(int(r.topic_id), {})[str(r.emotion)] = int(r.n) / total
            return out

        return self._cached(("emotions", snap.key, where), snap.watermark, compute)

    def topic_mentions(
        self, store: Store, snap: Snapshot, filters: Filters, topic_id: int
    ) -> pd.DataFrame:
        """A topic's mentions under the filters (comment_id, text, sentiment, score)."""
        return store.topic_mention_rows(snap.key, topic_id, fact_filter(filters, snap.scale))

    def drivers(self, store: Store, snap: Snapshot, filters: Filters) -> pd.DataFrame:
        panel = self.panel(store, snap, filters, None)
        return self._cached(
            ("drivers", snap.key, fact_filter(filters, snap.scale)),
            snap.watermark,
            lambda: panel_drivers(panel, snap.topics),
        )

    def polar_drivers(
        self,
        store: Store,
        snap: Snapshot,
        filters: Filters,
        economics: AdvocacyValue | None = None,
    ) -> pd.DataFrame:
        """Per topic and polarity (complaint, praise, neutral): effect on a comment's NPS
        contribution with every other side it raises held fixed, CI, q, impact (and money at
        stake with ``economics``)."""
        where = fact_filter(filters, snap.scale)

        def compute() -> pd.DataFrame:
            rows = store.polar_panel_rows(snap.key, where)
            panel = Panel.polar_from_rows(rows, OUTLIER, snap.scale)
            return panel_polar_drivers(panel, snap.topics, economics)

        return self._cached(("polar", snap.key, where, economics), snap.watermark, compute)

    def change(
        self, store: Store, snap: Snapshot, filters: Filters, before: Window, after: Window
    ) -> PeriodReport | None:
        if _overlap(before, after):
            raise ValueError("the two periods overlap; give non-overlapping date ranges")
        panel = self.panel(store, snap, replace(filters, start=None, end=None), (before, after))
        return panel_change(panel, snap.topics, window_names(before, after))

    def polar_change(
        self, store: Store, snap: Snapshot, filters: Filters, before: Window, after: Window
    ) -> PeriodReport | None:
        """What changed by topic side: each topic's complaints, praise and neutral mentions as
        their own lines (they still add up to ΔNPS)."""
        if _overlap(before, after):
            raise ValueError("the two periods overlap; give non-overlapping date ranges")
        where = fact_filter(replace(filters, start=None, end=None), snap.scale)
        rows = store.polar_panel_rows(snap.key, where, (before, after))
        panel = Panel.polar_from_rows(rows, OUTLIER, snap.scale)
        return panel_polar_change(panel, snap.topics, window_names(before, after))

    def verbatims(
        self, store: Store, snap: Snapshot, filters: Filters, topic_id: int, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total, one page) of a topic's mentions with their comment, newest first."""
        total, page = store.verbatim_page(
            snap.key, topic_id, fact_filter(filters, snap.scale), offset, limit
        )
        return total, [
            {
                "comment_id": r.comment_id,
                "mention": r.mention,
                "comment": r.comment,
                "score": None if pd.isna(r.score) else int(r.score),
                "created_at": None if pd.isna(r.created_at) else r.created_at.isoformat(),
                "channel": None if pd.isna(r.channel) else str(r.channel),
                "segment": None if pd.isna(r.segment) else str(r.segment),
                "sentiment": None if pd.isna(r.sentiment) else str(r.sentiment),
            }
            for r in page.itertuples()
        ]


def _overlap(before: Window, after: Window) -> bool:
    """Whether two ``[start, end)`` windows share any moment (None = open-ended)."""
    b_start, b_end = before
    a_start, a_end = after
    starts_before_other_ends = a_end is None or b_start is None or b_start < a_end
    ends_after_other_starts = b_end is None or a_start is None or a_start < b_end
    return starts_before_other_ends and ends_after_other_starts
