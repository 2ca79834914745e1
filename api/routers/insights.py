"""Read endpoints: summary, topics, topic detail with verbatims, what changed, key drivers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from api.convert import at_midnight, filters, finite, nps_out, polar_sides, topic_out
from api.errors import NotFound
from api.schemas import (
    ChangeLine,
    ChangeRow,
    ChangesResponse,
    DriverRow,
    DriversResponse,
    PolarDriverRow,
    SubtopicOut,
    SubtopicsResponse,
    SummaryResponse,
    TopicDetail,
    TopicOut,
    TopicsResponse,
    VerbatimOut,
)
from api.security import DetailReader, State, SummaryReader
from api.state import AppState
from insight.errors import InsightError
from insight.models.topic_model import OUTLIER
from insight.models.topic_tree import Level
from insight.reads import views
from insight.reads.advocacy import BASELINE_EXPLAINED, PeriodReport
from insight.reads.facts import ReadModel, Snapshot
from insight.reads.views import Filters
from insight.schemas import UNASSIGNED_LABEL
from insight.store import Store
from insight.taxonomy.edits import MAX_PARTS, MIN_PARTS

router = APIRouter(prefix="/v1", tags=["insights"])
FilterParams = Annotated[Filters, Depends(filters)]
LevelParam = Annotated[
    Level,
    Query(
        description="theme: the topics (taxonomy edits applied); subtopic: the fitted "
        "subtopics under them, each with its theme as parent."
    ),
]
T = TypeVar("T")


def _topics(
    state: AppState, reads: ReadModel, store: Store, snap: Snapshot, chosen: Filters
) -> list[TopicOut]:
    min_volume = state.config.report.min_topic_volume_for_nps
    economics = state.config.value.economics()
    rows = reads.topic_rows(store, snap, chosen, min_volume, economics)
    sides = polar_sides(reads.polar_drivers(store, snap, chosen, economics))
    emotions = reads.emotion_shares(store, snap, chosen)
    return [topic_out(r, snap, sides, emotions) for r in rows]


async def _read(
    state: AppState, answer: Callable[[ReadModel, Store, Snapshot], T], level: Level = "theme"
) -> T:
    """Answer from the read facts, on this worker thread's own cursor (never waits for a write)."""

    def work() -> T:
        with state.reader() as store:
            snap = state.reading_engine(store).snapshot(level)
            return answer(state.cache.reads, store, snap)

    return await run_in_threadpool(work)


@router.get("/summary", response_model=SummaryResponse)
async def summary(
    state: State, _: SummaryReader, chosen: FilterParams, level: LevelParam = "theme"
) -> SummaryResponse:
    """Executive summary: NPS with its 95% CI and the topics that pull it down or up most."""

    def answer(reads: ReadModel, store: Store, snap: Snapshot) -> SummaryResponse:
        comments, overall = reads.overall(store, snap, chosen)
        topics = [
            t
            for t in _topics(state, reads, store, snap, chosen)
            if t.impact is not None and t.topic_id >= 0
        ]
        ranked = sorted(topics, key=lambda t: t.impact or 0.0)
        return SummaryResponse(
            model_id=snap.model_id,
            metric=snap.scale.metric,
            comments=comments,
            coverage=reads.coverage(store, snap, chosen),
            scored=overall.n if overall else 0,
            overall=nps_out(overall),
            topics=len(snap.topics),
            biggest_drags=[t for t in ranked[:5] if (t.impact or 0) < 0],
            biggest_boosts=[t for t in ranked[::-1][:5] if (t.impact or 0) > 0],
        )

    return await _read(state, answer, level)


@router.get("/topics", response_model=TopicsResponse)
async def topics(
    state: State, _: SummaryReader, chosen: FilterParams, level: LevelParam = "theme"
) -> TopicsResponse:
    """Every topic: label, keywords, quotes, volume, NPS and impact on NPS with 95% CIs."""

    def answer(reads: ReadModel, store: Store, snap: Snapshot) -> TopicsResponse:
        comments, overall = reads.overall(store, snap, chosen)
        return TopicsResponse(
            model_id=snap.model_id,
            metric=snap.scale.metric,
            comments=comments,
            coverage=reads.coverage(store, snap, chosen),
            overall=nps_out(overall),
            topics=_topics(state, reads, store, snap, chosen),
        )

    return await _read(state, answer, level)


def _known(snap: Snapshot, topic_id: int) -> None:
    if topic_id != OUTLIER and snap.topic(topic_id) is None:
        raise NotFound(f"topic {topic_id} does not exist; list topics with GET /v1/topics")


@router.get("/topics/{topic_id}/subtopics", response_model=SubtopicsResponse)
async def subtopics(
    topic_id: int,
    state: State,
    _: DetailReader,
    chosen: FilterParams,
    parts: Annotated[int, Query(ge=MIN_PARTS, le=MAX_PARTS)] = 4,
) -> SubtopicsResponse:
    """Drill down: a topic's mentions (under the filters) in sub-topics, each with its NPS and
    CI, quotes and negative share. Read-only; `POST .../split` makes such parts permanent."""

    def answer(reads: ReadModel, store: Store, snap: Snapshot) -> SubtopicsResponse:
        if snap.topic(topic_id) is None:
            raise NotFound(f"topic {topic_id} does not exist; list topics with GET /v1/topics")
        mentions = reads.topic_mentions(store, snap, chosen, topic_id)
        embed = state.reading_engine(store).embed
        found = views.drill_down(mentions, topic_id, parts, embed, scale=snap.scale)
        label = snap.topic(topic_id)
        return SubtopicsResponse(
            topic_id=topic_id,
            label=label.label if label else str(topic_id),
            mentions=sum(p.mentions for p in found),
            parts=[
                SubtopicOut(
                    label=p.label,
                    keywords=p.keywords,
                    quotes=p.quotes,
                    mentions=p.mentions,
                    comments=p.comments,
                    share=p.share,
                    nps=nps_out(p.nps),
                    negative_share=p.negative_share,
                )
                for p in found
            ],
        )

    return await _read(state, answer)


@router.get("/topics/{topic_id}", response_model=TopicDetail)
async def topic_detail(
    topic_id: int,
    state: State,
    _: DetailReader,
    chosen: FilterParams,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 20,
    level: LevelParam = "theme",
) -> TopicDetail:
    """One topic with its statistics, sentiment counts and a page of verbatims (newest first)."""
    if limit > state.settings.max_page_size:
        raise InsightError(
            f"limit {limit} is above the maximum page size {state.settings.max_page_size}"
        )

    def answer(reads: ReadModel, store: Store, snap: Snapshot) -> TopicDetail:
        _known(snap, topic_id)
        rows = _topics(state, reads, store, snap, chosen)
        row = next((t for t in rows if t.topic_id == topic_id), None)
        if row is None:
            topic = snap.topic(topic_id)
            row = TopicOut(
                topic_id=topic_id,
                label=topic.label if topic else UNASSIGNED_LABEL,
                parent=topic.parent if topic else None,
                keywords=[],
                quotes=[],
                pinned=topic_id in snap.topic_map.pinned(),
                comments=0,
                share=0.0,
                nps=None,
                impact=None,
                impact_ci=None,
                low_volume=True,
                negative_share=None,
                value=None,
            )
        total, items = reads.verbatims(store, snap, chosen, topic_id, offset, limit)
        return TopicDetail(
            topic=row,
            sentiment=reads.sentiment_counts(store, snap, chosen, topic_id),
            total=total,
            offset=offset,
            limit=limit,
            verbatims=[VerbatimOut(**item) for item in items],
        )

    return await _read(state, answer, level)


def _side(line: Any) -> Any:
    """The line's polarity, or None (topic mode, and the other / no-topic / baseline lines)."""
    side = getattr(line, "polarity", None)
    return side if isinstance(side, str) else None


@router.get("/changes", response_model=ChangesResponse)
async def changes(
    state: State,
    _: SummaryReader,
    before_end: Annotated[date, Query(description="First period before (exclusive).")],
    after_start: Annotated[date, Query(description="Second period from (inclusive).")],
    before_start: Annotated[
        date | None, Query(description="First period from (inclusive); default: the start.")
    ] = None,
    after_end: Annotated[
        date | None, Query(description="Second period before (exclusive); default: the end.")
    ] = None,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
    by: Annotated[
        Literal["topic", "polarity"],
        Query(description="polarity: each topic's complaints, praise and neutral mentions apart."),
    ] = "topic",
    level: LevelParam = "theme",
) -> ChangesResponse:
    """What changed between two periods: ΔNPS with CI split exactly into topic mix and rate."""
    windows = (
        (at_midnight(before_start), at_midnight(before_end)),
        (at_midnight(after_start), at_midnight(after_end)),
    )

    def answer(reads: ReadModel, store: Store, snap: Snapshot) -> PeriodReport | None:
        try:
            chosen = Filters(channel=channel, segment=segment)
            if by == "polarity":
                return reads.polar_change(store, snap, chosen, *windows)
            return reads.change(store, snap, chosen, *windows)
        except ValueError as exc:
            raise InsightError(str(exc)) from None

    report = await _read(state, answer, level)
    if report is None:
        raise NotFound("one of the periods has no scored comments; widen the date ranges")
    s = report.summary
    return ChangesResponse(
        before=report.before,
        after=report.after,
        nps_before=s["nps_before"],
        nps_after=s["nps_after"],
        delta=s["delta"],
        delta_ci=(s["delta_low"], s["delta_high"]),
        p=s["p"],
        baseline=s["baseline"],
        baseline_explained=BASELINE_EXPLAINED,
        lines=[
            ChangeLine(
                kind=r.kind,
                topic_id=None if pd.isna(r.topic_id) else int(r.topic_id),
                polarity=_side(r),
                label=str(r.label),
                mix=float(r.mix),
                rate=float(r.rate),
                total=float(r.total),
                status=str(r.status) or None,
            )
            for r in report.rows.itertuples()
        ],
        topics=[
            ChangeRow(
                topic_id=int(r.topic_id),
                polarity=_side(r),
                label=str(r.label),
                share_before=float(r.share_before),
                share_after=float(r.share_after),
                nps_before=finite(r.nps_before),
                nps_after=finite(r.nps_after),
                mix=float(r.mix),
                rate=float(r.rate),
                total=float(r.total),
                q_nps_change=finite(r.q_nps_change),
                q_share_change=finite(r.q_share_change),
                status=str(r.status),
            )
            for r in report.topics.itertuples()
        ],
    )


@router.get("/drivers", response_model=DriversResponse)
async def drivers(
    state: State, _: SummaryReader, chosen: FilterParams, level: LevelParam = "theme"
) -> DriversResponse:
    """Key drivers: each topic's effect on a comment's NPS contribution (OLS, HC3 95% CI, BH q)."""
    snap, table, polar = await _read(
        state,
        lambda reads, store, snap: (
            snap,
            reads.drivers(store, snap, chosen),
            reads.polar_drivers(store, snap, chosen),
        ),
        level,
    )
    return DriversResponse(
        model_id=snap.model_id,
        drivers=[
            DriverRow(
                topic_id=int(r.topic_id),
                label=str(r.label),
                effect=float(r.effect),
                ci_low=float(r.ci_low),
                ci_high=float(r.ci_high),
                q=finite(r.q),
                importance=finite(r.importance),
            )
            for r in table.itertuples()
        ],
        by_polarity=[
            PolarDriverRow(
                topic_id=int(r.topic_id),
                label=str(r.label),
                polarity=r.polarity,
                comments=int(r.comments),
                effect=float(r.effect),
                ci_low=float(r.ci_low),
                ci_high=float(r.ci_high),
                q=finite(r.q),
                impact=float(r.impact),
            )
            for r in polar.itertuples()
        ],
    )
