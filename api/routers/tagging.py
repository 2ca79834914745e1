"""``POST /v1/tag``: topics and sentiment for comments from other tools; optionally stored."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.errors import PayloadTooLarge
from api.schemas import MentionOut, RejectedComment, TaggedComment, TagRequest, TagResponse
from api.security import State, Tagging
from insight.models.sentiment import rollup
from insight.pipelines.tagging import Tagger, TagOutcome, fair_slices, merge_outcomes
from insight.schemas import Comment, Reject

router = APIRouter(prefix="/v1", tags=["tagging"])


def _response(outcome: TagOutcome) -> TagResponse:
    by_comment = {c.id: [] for c in outcome.comments}  # type: dict[str, list[MentionOut]]
    for r in outcome.mentions.itertuples():
        by_comment[r.comment_id].append(
            MentionOut(
                text=r.text,
                start=int(r.start),
                end=int(r.end),
                topic_id=int(r.topic_id),
                topic_label=r.label,
                confidence=float(r.confidence),
                subtopic_id=int(r.subtopic_id) if r.subtopic_label is not None else None,
                subtopic_label=r.subtopic_label,
                sentiment=r.sentiment,
                p_positive=float(r.p_positive),
                emotion=r.emotion,
            )
        )
    comments = []
    for c in outcome.comments:
        mentions = by_comment[c.id]
        label, p, mixed = rollup([m.sentiment for m in mentions], [m.p_positive for m in mentions])
        comments.append(
            TaggedComment(
                id=c.id,
                text=c.text,
                score=c.score,
                sentiment=label,
                p_positive=p,
                mixed=mixed,
                mentions=mentions,
            )
        )
    rejects = [
        RejectedComment(index=r.row_number if r.row_number >= 0 else None, reason=r.reason)
        for r in outcome.rejects
    ]
    return TagResponse(
        model_id=outcome.model_id,
        received=outcome.received,
        kept=len(comments),
        rejected=len(rejects),
        stored=outcome.stored,
        comments=comments,
        rejects=rejects,
    )


@router.post("/tag", response_model=TagResponse)
async def tag(body: TagRequest, state: State, principal: Tagging) -> TagResponse:
    """Tag one or many comments with the active topic model (never refits).

    Every comment is either returned tagged or listed in ``rejects`` with its index and reason:
    ``received == kept + rejected``. Text comes back PII-redacted.
    """
    limit = state.settings.max_batch_comments
    if len(body.comments) > limit:
        raise PayloadTooLarge(
            f"{len(body.comments)} comments in one request; the limit is {limit}: split the batch"
        )
    state.comments.take(principal.key_id, len(body.comments))
    records = [c.model_dump() for c in body.comments]

    def prepare() -> tuple[Tagger, list[Comment | Reject], set[str]]:
        """Off the model thread: no model runs here, so a small request takes one turn there."""
        tagger = state.tagger()  # a refit or an edit shows on the next request
        stored_ids: set[str] = set()
        if body.store:
            ids = [r["id"] for r in records if r.get("id")]
            with state.reader() as store:
                stored_ids = store.existing_comment_ids(ids)
        return tagger, tagger.validate(records), stored_ids

    tagger, validated, stored_ids = await run_in_threadpool(prepare)
    outcomes = []
    slices = fair_slices(validated, state.settings.tag_slice_chars)
    for part in slices:  # other requests run between the slices
        outcomes.append(await state.infer(partial(tagger.tag_validated, part, stored_ids)))
    outcome = merge_outcomes(outcomes, state.config.clean.dedupe)
    if body.store:

        def persist() -> None:
            with state.db() as store:
                tagger.persist(outcome, store)
            state.alert_after_ingest([c.id for c in outcome.comments])

        await state.infer(persist)
    return _response(outcome)
