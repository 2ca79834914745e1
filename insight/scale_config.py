"""``[scale]``: which rating scale the scores are on and what every figure measures on it."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from insight.analytics.scales import SCALES, AdvocacyScale


class ScaleConfig(BaseModel):
    """How a score maps to promoter / passive / detractor; every figure uses it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["nps", "rating10", "csat5", "stars5", "custom"] = Field(
        default="nps",
        description="nps 0–10 (9–10 promoter, 0–6 detractor); rating10 1–10 (same cuts); "
        "csat5 / stars5 1–5 (5 promoter, 1–3 detractor); custom: see `custom`.",
    )
    custom: tuple[int, int, int, int] | None = Field(
        default=None, description="kind = custom: [minimum, maximum, promoter_min, detractor_max]"
    )
    measure: Literal["net", "mean"] = Field(
        default="net",
        description="net: promoters minus detractors (NPS-style); mean: a score index, 100 × "
        "the mean of each score placed on −1…+1 (reads back as the mean score); the promoter / "
        "detractor cuts still name score groups (filters, call-backs, new-detractor alerts).",
    )
    confirmed: bool = Field(
        default=False,
        description="Ingest even when the scores look like another scale (all within 1–5 "
        "under a 0–10 scale, say); otherwise ingest stops and names the likely scale.",
    )

    def scale(self) -> AdvocacyScale:
        if self.kind != "custom":
            return replace(SCALES[self.kind], measure=self.measure)
        if self.custom is None:
            raise ValueError("[scale] kind = custom needs custom = [min, max, promoter_min, "
                             "detractor_max]")  # fmt: skip
        return AdvocacyScale("custom", *self.custom, measure=self.measure)

    @model_validator(mode="after")
    def _valid(self) -> ScaleConfig:
        self.scale()  # raises with the reason when the custom cuts do not fit
        return self
