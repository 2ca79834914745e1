"""One access-log line per request with the key id that made it (never the key itself)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access = logging.getLogger("insight.access")


class AccessLog:
    """Pure ASGI middleware (it never touches the body, so streamed-size limits still apply)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            key_id = (scope.get("state") or {}).get("key_id", "-")
            access.info(
                "key=%s %s %s %d %.0fms",
                key_id,
                scope.get("method", "-"),
                scope.get("path", "-"),
                status,
                1000 * (time.perf_counter() - started),
            )
