"""Request body size limit, enforced before the body is parsed (declared or streamed length)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import envelope


class _TooLarge(HTTPException):
    """An HTTPException so FastAPI's body parser passes it through unchanged (as a 413)."""


class BodySizeLimit:
    """Pure ASGI middleware: 413 with the error envelope when a body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await envelope(400, "Content-Length is not a number")(scope, receive, send)
                return
            if too_big:
                await envelope(413, self._message())(scope, receive, send)
                return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(413, self._message())
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await envelope(413, self._message())(scope, receive, send)

    def _message(self) -> str:
        return f"request body exceeds the {self.max_bytes:,}-byte limit; send smaller batches"
