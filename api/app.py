"""``create_app(settings)``: the FastAPI application factory (``insight serve`` runs it)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

import insight
from api import errors
from api.access_log import AccessLog
from api.limits import BodySizeLimit
from api.routers import insights, keys, notifications, tagging, taxonomy, ui
from api.settings import Settings
from api.state import AppState
from insight.errors import InsightError

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    os.umask(0o077)  # the database, outbox and exports hold customers' comments: owner only
    state = AppState(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.preload_models:
            # no fitted model yet: /health says so and tagging answers 409 until one exists
            with suppress(InsightError):
                await state.infer(state.warm_up)
        state.start_scheduler()
        yield
        state.stop_scheduler()
        state.close()

    app = FastAPI(
        title="Verbatim insight engine",
        version=insight.__version__,
        description="Topics, sentiment and NPS impact from customer comments. "
        "Authenticate with an API key in the X-API-Key header.",
        lifespan=lifespan,
        # the interactive docs load scripts from a CDN: not in production (the schema stays
        # at /openapi.json for local tools)
        docs_url=None if settings.environment == "production" else "/docs",
        redoc_url=None if settings.environment == "production" else "/redoc",
    )
    app.state.insight = state
    errors.install(app)

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)  # outermost: logs every answer, the limits' 413s included
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type"],
        )
    for module in (tagging, insights, taxonomy, notifications, keys, ui):
        app.include_router(module.router)

    @app.get("/health", tags=["health"])
    def health() -> JSONResponse:
        """Serving, plus which topic model the database serves, if any (no key needed).

        503 when the database cannot be opened (e.g. another process holds it): healthy means
        serving, and the answer names no paths or process ids."""
        try:
            with state.reader() as store:
                model = state.reading_engine(store).active_model_id()
        except InsightError:
            body = {"status": "unavailable", "version": insight.__version__, "topic_model": None}
            return JSONResponse(body, status_code=503)
        body = {"status": "ok", "version": insight.__version__, "topic_model": model}
        return JSONResponse(body)

    return app
