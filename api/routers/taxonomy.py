"""Taxonomy editing for analysts: rename, merge, split, pin, undo. Edits survive refits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.errors import NotFound
from api.schemas import EditOut, MergeIn, PinIn, RenameIn, SplitIn, TaxonomyResponse
from api.security import DetailReader, Editor, State
from api.state import AppState
from insight.taxonomy.curation import record_edit, split_topic, undo_edit
from insight.taxonomy.edits import TopicMap, merge_edit, pin_edit, rename_edit

router = APIRouter(prefix="/v1", tags=["taxonomy"])


def _summary(kind: str, payload: dict[str, Any]) -> str:
    if kind == "rename":
        return f"renamed {payload['target'].get('label')!r} to {payload['label']!r}"
    if kind == "pin":
        verb = "pinned" if payload["pinned"] else "unpinned"
        return f"{verb} {payload['target'].get('label')!r}"
    if kind == "merge":
        names = ", ".join(repr(r.get("label")) for r in payload["sources"])
        return f"merged {names}" + (f" as {payload['label']!r}" if payload.get("label") else "")
    labels = ", ".join(repr(c["label"]) for c in payload["children"])
    return f"split {payload['source'].get('label')!r} into {labels}"


def _listing(state: AppState) -> TaxonomyResponse:
    with state.reader() as store:
        tmap = state.reading_engine(store).taxonomy()
        edits = store.taxonomy_edits()
    return TaxonomyResponse(
        model_id=tmap.model_id,
        edits=[
            EditOut(edit_id=e, kind=k, author=a, created_at=w.isoformat(), summary=_summary(k, p))
            for e, k, p, a, w in edits
        ],
        problems=tmap.problems,
    )


def _edit(state: AppState, author: str, make: Any) -> TaxonomyResponse:
    with state.db() as store:
        tmap: TopicMap = state.engine().taxonomy()
        kind, payload = make(tmap, store)
        record_edit(store, kind, payload, author)
    return _listing(state)


@router.get("/taxonomy", response_model=TaxonomyResponse)
async def taxonomy(state: State, _: DetailReader) -> TaxonomyResponse:
    """Active edits in order, and any that no longer match a topic after a refit."""
    return await run_in_threadpool(_listing, state)


@router.post("/topics/{topic_id}/rename", response_model=TaxonomyResponse)
async def rename(topic_id: int, body: RenameIn, state: State, who: Editor) -> TaxonomyResponse:
    return await run_in_threadpool(
        _edit, state, who.name, lambda tmap, _: rename_edit(tmap, topic_id, body.label)
    )


@router.post("/topics/{topic_id}/pin", response_model=TaxonomyResponse)
async def pin(topic_id: int, body: PinIn, state: State, who: Editor) -> TaxonomyResponse:
    """Pin (lock) a topic: always listed, kept across refits, not merged or split until unpinned."""
    return await run_in_threadpool(
        _edit, state, who.name, lambda tmap, _: pin_edit(tmap, topic_id, body.pinned)
    )


@router.post("/topics/merge", response_model=TaxonomyResponse)
async def merge(body: MergeIn, state: State, who: Editor) -> TaxonomyResponse:
    return await run_in_threadpool(
        _edit, state, who.name, lambda tmap, _: merge_edit(tmap, body.topic_ids, body.label)
    )


@router.post("/topics/{topic_id}/split", response_model=TaxonomyResponse)
async def split(topic_id: int, body: SplitIn, state: State, who: Editor) -> TaxonomyResponse:
    """Split an original topic into sub-topics (k-means on its mentions' embeddings)."""

    def make(tmap: TopicMap, store: Any) -> tuple[str, dict[str, Any]]:
        return split_topic(store, tmap, topic_id, body.parts, body.labels, state.engine().embed)

    return await run_in_threadpool(_edit, state, who.name, make)


@router.delete("/taxonomy/edits/{edit_id}", response_model=TaxonomyResponse)
async def undo(edit_id: int, state: State, _: Editor) -> TaxonomyResponse:
    def work() -> TaxonomyResponse:
        with state.db() as store:
            try:
                undo_edit(store, edit_id)
            except Exception as exc:
                raise NotFound(str(exc)) from None
        return _listing(state)

    return await run_in_threadpool(work)
