"""Read endpoints: summary, topics, topic detail with verbatims, what changed, key drivers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from api.convert import at_midnight, filters, finite, nps_out, topic_out
from api.errors import NotFound
from api.schemas import (
    ChangeRow,
    ChangesResponse,
    DriverRow,
    DriversResponse,
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
from insight.reads import views
from insight.reads.views import Filters, View
from insight.taxonomy.edits import MAX_PARTS, MIN_PARTS

router = APIRouter(prefix="/v1", tags=["insights"])
FilterParams = Annotated[Filters, Depends(filters)]


def _topics(state: AppState, view: View) -> list[TopicOut]:
    min_volume = state.config.report.min_topic_volume_for_nps
    rows = views.topic_overview(view, min_volume, state.config.value.economics())
    return [topic_out(r, view) for r in rows]


async def _view(state: AppState, chosen: Filters) -> View:
    return views.apply_filters(await run_in_threadpool(state.view), chosen)


@router.get("/summary", response_model=SummaryResponse)
async def summary(state: State, _: SummaryReader, chosen: FilterParams) -> SummaryResponse:
    """Executive summary: NPS with its 95% CI and the topics that pull it down or up most."""
    view = await _view(state, chosen)
    topics = [t for t in _topics(state, view) if t.impact is not None and t.topic_id >= 0]
    ranked = sorted(topics, key=lambda t: t.impact or 0.0)
    return SummaryResponse(
        model_id=view.model_id,
        comments=len(view.comments),
        scored=int(view.comments["score"].notna().sum()),
        overall=nps_out(views.overall(view)),
        topics=len(view.topics),
        biggest_drags=[t for t in ranked[:5] if (t.impact or 0) < 0],
        biggest_boosts=[t for t in ranked[::-1][:5] if (t.impact or 0) > 0],
    )


@router.get("/topics", response_model=TopicsResponse)
async def topics(state: State, _: SummaryReader, chosen: FilterParams) -> TopicsResponse:
    """Every topic: label, keywords, quotes, volume, NPS and impact on NPS with 95% CIs."""
    view = await _view(state, chosen)
    return TopicsResponse(
        model_id=view.model_id,
        comments=len(view.comments),
        overall=nps_out(views.overall(view)),
        topics=_topics(state, view),
    )


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
    view = await _view(state, chosen)
    if topic_id not in {t.topic_id for t in view.topics}:
        raise NotFound(f"topic {topic_id} does not exist; list topics with GET /v1/topics")

    def work() -> list[views.Subtopic]:
        with state.reader() as store:
            return views.drill_down(view, topic_id, parts, state.reading_engine(store).embed)

    found = await run_in_threadpool(work)
    return SubtopicsResponse(
        topic_id=topic_id,
        label=view.topic(topic_id).label,
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


@router.get("/topics/{topic_id}", response_model=TopicDetail)
async def topic_detail(
    topic_id: int,
    state: State,
    _: DetailReader,
    chosen: FilterParams,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 20,
) -> TopicDetail:
    """One topic with its statistics, sentiment counts and a page of verbatims (newest first)."""
    if limit > state.settings.max_page_size:
        raise InsightError(
            f"limit {limit} is above the maximum page size {state.settings.max_page_size}"
        )
    view = await _view(state, chosen)
    row = next((t for t in _topics(state, view) if t.topic_id == topic_id), None)
    if row is None:
        known = {t.topic_id for t in view.topics} | {-1}
        if topic_id not in known:
            raise NotFound(f"topic {topic_id} does not exist; list topics with GET /v1/topics")
        row = TopicOut(
            topic_id=topic_id,
            label=next(t.label for t in view.topics if t.topic_id == topic_id),
            keywords=[],
            quotes=[],
            pinned=topic_id in view.topic_map.pinned(),
            comments=0,
            share=0.0,
            nps=None,
            impact=None,
            impact_ci=None,
            low_volume=True,
            negative_share=None,
            value=None,
        )
    total, items = views.verbatims(view, topic_id, offset, limit)
    mentions = view.assignments[view.assignments["topic_id"] == topic_id]
    counts = mentions["sentiment"].value_counts().to_dict()
    return TopicDetail(
        topic=row,
        sentiment={str(k): int(v) for k, v in counts.items()},
        total=total,
        offset=offset,
        limit=limit,
        verbatims=[VerbatimOut(**item) for item in items],
    )


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
) -> ChangesResponse:
    """What changed between two periods: ΔNPS with CI split exactly into topic mix and rate."""
    view = await _view(state, Filters(channel=channel, segment=segment))
    try:
        report = views.changes(
            view,
            (at_midnight(before_start), at_midnight(before_end)),
            (at_midnight(after_start), at_midnight(after_end)),
        )
    except ValueError as exc:
        raise InsightError(str(exc)) from None
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
        topics=[
            ChangeRow(
                topic_id=int(r.topic_id),
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
async def drivers(state: State, _: SummaryReader, chosen: FilterParams) -> DriversResponse:
    """Key drivers: each topic's effect on a comment's NPS contribution (OLS, HC3 95% CI, BH q)."""
    view = await _view(state, chosen)
    table = views.driver_table(view)
    return DriversResponse(
        model_id=view.model_id,
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
    )
