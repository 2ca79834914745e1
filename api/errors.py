"""One error envelope for every failure: ``{"error": {"status", "code", "message", "details"}}``.

Domain errors map to HTTP statuses here and only here.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.rate_limit import Busy, RateLimited
from insight.access import AccessError
from insight.errors import InsightError, NotFittedError, StoreError
from insight.taxonomy.edits import TaxonomyError

log = logging.getLogger("insight.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
}


class Forbidden(InsightError):
    """A valid key whose role lacks the permission."""


class NotFound(InsightError):
    """A resource named in the path does not exist."""


class PayloadTooLarge(InsightError):
    """A batch or body over the configured limits."""


def envelope(
    status: int, message: str, details: Any = None, code: str | None = None
) -> JSONResponse:
    body = {
        "error": {
            "status": status,
            "code": code or HTTP_CODES.get(status, "error"),
            "message": message,
            "details": details,
        }
    }
    headers = {"WWW-Authenticate": "ApiKey"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _status(exc: InsightError) -> int:
    for kind, status in (
        (AccessError, 401),
        (Forbidden, 403),
        (NotFound, 404),
        (PayloadTooLarge, 413),
        (RateLimited, 429),
        (Busy, 503),
        (NotFittedError, 409),
        (TaxonomyError, 422),
        (StoreError, 503),
    ):
        if isinstance(exc, kind):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(InsightError)
    async def insight_error(request: Request, exc: InsightError) -> JSONResponse:
        response = envelope(_status(exc), str(exc))
        if isinstance(exc, RateLimited | Busy):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        details = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in errors
        ]
        if any(e.get("type") == "json_invalid" for e in errors):
            return envelope(400, "request body is not valid JSON", details, "malformed_json")
        return envelope(422, "request does not match the schema", details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return envelope(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return envelope(500, "internal error; the server log has the details")
