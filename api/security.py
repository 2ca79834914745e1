"""API-key authentication and role checks as FastAPI dependencies."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.errors import Forbidden
from api.settings import DEV_ADMIN_KEY
from api.state import AppState
from insight.access import AccessError, Principal, verify_key

log = logging.getLogger("insight.api")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="ik_<id>_<secret>")


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.insight
    return state


State = Annotated[AppState, Depends(get_state)]


def authenticate(
    request: Request, state: State, key: Annotated[str | None, Security(api_key_header)]
) -> Principal:
    if not key:
        raise AccessError("missing API key: send it in the X-API-Key header")
    if len(key) > 200:
        raise AccessError("malformed API key")
    bootstrap = state.settings.admin_bootstrap()
    if bootstrap is not None and hmac.compare_digest(key.encode(), bootstrap.encode()):
        if bootstrap == DEV_ADMIN_KEY:
            log.warning(
                "accepted the published development admin key; create real keys "
                "(insight keys create) and set INSIGHT_ENVIRONMENT=production"
            )
        request.state.key_id = "bootstrap"
        state.requests.take("bootstrap")
        return Principal("bootstrap", "bootstrap admin", "admin")
    with state.reader() as store:  # never waits for a write
        principal = verify_key(store, key)
    request.state.key_id = principal.key_id
    state.requests.take(principal.key_id)
    state.key_used(principal.key_id)
    return principal


def require(permission: str) -> Callable[[Principal], Principal]:
    """A dependency that lets the request through only if the key's role has ``permission``."""

    def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"role {principal.role!r} may not do this (needs {permission!r})")
        return principal

    return check


Tagging = Annotated[Principal, Depends(require("tag"))]
SummaryReader = Annotated[Principal, Depends(require("read_summary"))]
DetailReader = Annotated[Principal, Depends(require("read_detail"))]
Editor = Annotated[Principal, Depends(require("edit_taxonomy"))]
Admin = Annotated[Principal, Depends(require("manage_keys"))]
