"""Service settings from ``INSIGHT_*`` variables; insecure values are refused in production."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_ADMIN_KEY = "insight-dev-admin-key"  # development only; production refuses it


def _weak(key: str) -> bool:
    """Too little entropy for a secret: e.g. one repeated character, or a short cycle."""
    counts = Counter(key)
    bits_per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return len(counts) < 10 or bits_per_char * len(key) < 80


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INSIGHT_", extra="forbid")

    environment: Literal["development", "production"] = "development"
    config: Path | None = Field(default=None, description="Engine config (TOML/YAML).")
    db_path: Path | None = Field(default=None, description="Overrides the config's db_path.")
    bootstrap_admin_key: SecretStr | None = Field(
        default=None,
        description="An admin key accepted besides stored keys (to create the first real key). "
        f"Development defaults to {DEV_ADMIN_KEY!r}; production needs ≥ 32 characters or none.",
    )
    max_batch_comments: int = Field(default=1000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_page_size: int = Field(default=200, ge=1, le=10_000)
    requests_per_minute: int = Field(
        default=600, ge=1, description="Per key, every endpoint (429 with Retry-After beyond)."
    )
    comments_per_minute: int = Field(
        default=20_000, ge=1, description="Per key, comments sent to POST /v1/tag."
    )
    tag_slice_chars: int = Field(
        default=4000,
        ge=1,
        description="A tagging request runs in slices of about this many characters (or 32 "
        "comments); other requests run between slices, so one large batch cannot starve them.",
    )
    max_queued_slices: int = Field(
        default=64,
        ge=1,
        description="Tagging work waiting for the model thread (slices of ≤ 4,000 characters); "
        "beyond it requests get 503 with Retry-After instead of queueing without bound.",
    )
    cors_origins: list[str] = Field(default_factory=list)
    preload_models: bool = Field(default=True, description="Load the models at start-up.")

    @model_validator(mode="after")
    def _refuse_insecure(self) -> Settings:
        if self.environment != "production":
            return self
        key = self.bootstrap_admin_key.get_secret_value() if self.bootstrap_admin_key else None
        problems = []
        if key is not None and (key == DEV_ADMIN_KEY or len(key) < 32 or _weak(key)):
            problems.append(
                "INSIGHT_BOOTSTRAP_ADMIN_KEY is the development default, shorter than 32 "
                "characters or guessable; unset it or use e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`"
            )
        if "*" in self.cors_origins or "null" in self.cors_origins:
            problems.append("INSIGHT_CORS_ORIGINS must list origins, not '*' or 'null'")
        if problems:
            raise ValueError("refusing insecure production settings: " + "; ".join(problems))
        return self

    def admin_bootstrap(self) -> str | None:
        if self.bootstrap_admin_key is not None:
            return self.bootstrap_admin_key.get_secret_value()
        return DEV_ADMIN_KEY if self.environment == "development" else None
