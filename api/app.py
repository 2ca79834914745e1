"""``create_app(settings)``: the FastAPI application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

import insight
from insight.errors import InsightError
from insight.pipelines.topics import active_model_id
from insight.store import Store


class Settings(BaseSettings):
    """Service settings from ``INSIGHT_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="INSIGHT_", extra="forbid")

    db_path: Path = Path("data/insight.duckdb")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="Verbatim insight engine", version=insight.__version__)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness plus which topic model the database serves, if any."""
        model: str | None = None
        if settings.db_path.exists():
            try:
                with Store(settings.db_path, read_only=True) as store:
                    model = active_model_id(store)
            except InsightError:
                model = None
        return {"status": "ok", "version": insight.__version__, "topic_model": model}

    return app
