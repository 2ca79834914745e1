"""API key management (admin only): create (shown once), list, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from fastapi import APIRouter

from api.errors import NotFound
from api.schemas import KeyCreated, KeyIn, KeyOut
from api.security import Admin, State
from insight.access import create_key, parse_key

router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.post("", response_model=KeyCreated, status_code=201)
def create(body: KeyIn, state: State, who: Admin) -> KeyCreated:
    expires = None
    if body.expires_in_days is not None:
        expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=body.expires_in_days)
    with state.db() as store:
        key = create_key(store, body.name, body.role, f"key:{who.key_id}", expires)
    return KeyCreated(key_id=parse_key(key)[0], name=body.name, role=body.role, key=key)


@router.get("", response_model=list[KeyOut])
def listing(state: State, _: Admin) -> list[KeyOut]:
    with state.db() as store:
        frame = store.api_keys()
    return [
        KeyOut(
            key_id=r.key_id,
            name=r.name,
            role=r.role,
            created_at=r.created_at.isoformat(),
            created_by=None if pd.isna(r.created_by) else str(r.created_by),
            expires_at=None if pd.isna(r.expires_at) else r.expires_at.isoformat(),
            last_used_at=None if pd.isna(r.last_used_at) else r.last_used_at.isoformat(),
            revoked=bool(pd.notna(r.revoked_at)),
        )
        for r in frame.itertuples()
    ]


@router.delete("/{key_id}", status_code=204)
def revoke(key_id: str, state: State, _: Admin) -> None:
    with state.db() as store:
        if not store.revoke_api_key(key_id):
            raise NotFound(f"no active key {key_id!r}")
