"""Digest and alert deliveries: what was sent, what is retrying, what failed and why."""

from __future__ import annotations

from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Query

from api.schemas import DeliveryOut
from api.security import DetailReader, State, SummaryReader
from api.state import AppState

router = APIRouter(prefix="/v1", tags=["notifications"])
Status = Literal["pending", "sent", "failed"]


def _listing(state: AppState, kind: str, status: Status | None, limit: int) -> list[DeliveryOut]:
    with state.db() as store:
        frame = store.deliveries(kind)
    if status is not None:
        frame = frame[frame["status"] == status]
    frame = frame.sort_values("created_at", ascending=False).head(limit)

    def stamp(value: object) -> str | None:
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()

    return [
        DeliveryOut(
            delivery_id=r.delivery_id,
            rule=r.rule,
            period_key=r.period_key,
            channel=r.channel,
            subject=r.subject,
            status=r.status,
            attempts=int(r.attempts),
            last_error=None if pd.isna(r.last_error) else str(r.last_error),
            created_at=stamp(r.created_at) or "",
            sent_at=stamp(r.sent_at),
            next_attempt_at=stamp(r.next_attempt_at) if r.status == "pending" else None,
        )
        for r in frame.itertuples()
    ]


@router.get("/digests", response_model=list[DeliveryOut])
def digests(
    state: State,
    _: SummaryReader,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    """Scheduled digests, newest first: one row per digest and period (the idempotency key)."""
    return _listing(state, "digest", status, limit)


@router.get("/alerts", response_model=list[DeliveryOut])
def alerts(
    state: State,
    _: DetailReader,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    """Real-time alerts, newest first: one row per rule and dedupe key."""
    return _listing(state, "alert", status, limit)
